"""The ``medbill`` command: wires the groups and maps errors to exit codes in one place."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated, Any

import typer
from typer._click import core as click  # Typer's own copy of Click: parameters
from typer._click import types as ctypes
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.models import TyperPath

from medbill_cli import __version__
from medbill_cli.cli._context import state
from medbill_cli.cli._output import error

# Every command group, in the order `medbill --help` lists them: name -> module.
# Modules are imported (and their commands built) only when their group is used, so an
# interactive command pays only for itself.
GROUPS: dict[str, str] = {
    "init": "medbill_cli.cli.db:init",
    "db": "medbill_cli.cli.db",
    "practice": "medbill_cli.cli.practice",
    "provider": "medbill_cli.cli.provider",
    "facility": "medbill_cli.cli.facility",
    "payer": "medbill_cli.cli.payer",
    "patient": "medbill_cli.cli.patient",
    "coverage": "medbill_cli.cli.coverage",
    "eligibility": "medbill_cli.cli.eligibility",
    "auth": "medbill_cli.cli.auth",
    "referral": "medbill_cli.cli.referral",
    "history": "medbill_cli.cli.history",
    "codes": "medbill_cli.cli.codes",
    "fee": "medbill_cli.cli.fee",
    "encounter": "medbill_cli.cli.encounter",
    "charge": "medbill_cli.cli.charge",
    "payment": "medbill_cli.cli.payment",
    "claim": "medbill_cli.cli.claim_history:claim_app",
    "era": "medbill_cli.cli.era",
    "eob": "medbill_cli.cli.eob",
    "ack": "medbill_cli.cli.ack",
    "worklist": "medbill_cli.cli.worklist:worklist",
    "denial": "medbill_cli.cli.denial",
    "ar": "medbill_cli.cli.ar",
    "ledger": "medbill_cli.cli.ledger",
    "adjust": "medbill_cli.cli.adjust:adjust",
    "refund": "medbill_cli.cli.refund",
    "credit": "medbill_cli.cli.credit",
    "statement": "medbill_cli.cli.statement",
    "collections": "medbill_cli.cli.collections",
    "plan": "medbill_cli.cli.plan",
    "period": "medbill_cli.cli.period",
    "reconcile": "medbill_cli.cli.reconcile:reconcile",
    "day": "medbill_cli.cli.day",
    "report": "medbill_cli.cli.report",
    "audit": "medbill_cli.cli.audit",
    "demo": "medbill_cli.cli.demo:demo",
}


# Commands kept in their own module and added to a group when it is built: group -> name -> target.
SUBCOMMANDS: dict[str, dict[str, str]] = {
    "claim": {"print": "medbill_cli.cli.claim_print:print_claims"},
}


def _load(name: str) -> Any:
    """The group's Typer app, or the top-level command's function."""
    module, _, attr = GROUPS[name].partition(":")
    mod = importlib.import_module(module)
    return getattr(mod, attr or "app")


def _short_help(name: str) -> str:
    target = _load(name)
    text = target.info.help if isinstance(target, typer.Typer) else target.__doc__
    return (text or "").strip().splitlines()[0] if text else ""


def _build(name: str) -> Any:
    """Turn one group (or top-level command) into its click command."""
    target = _load(name)
    wrapper = typer.Typer(add_completion=False, rich_markup_mode=None)
    if isinstance(target, typer.Typer):
        wrapper.add_typer(target, name=name)
    else:
        wrapper.command(name)(target)
        wrapper.callback()(lambda: None)
    group = typer.main.get_command(wrapper)
    built = group.commands[name]  # type: ignore[attr-defined]
    for sub, spec in SUBCOMMANDS.get(name, {}).items():
        module, _, attr = spec.partition(":")
        extra = typer.Typer(add_completion=False)
        extra.command(sub)(getattr(importlib.import_module(module), attr))
        extra.callback()(lambda: None)
        built.add_command(typer.main.get_command(extra).commands[sub], sub)  # type: ignore[attr-defined]
    guard_params(built)
    return built


# Options that name a record or a code: an empty value is a mistake, not "none".
NAMING = frozenset({
    "dx", "provider", "npi", "payer", "payer_id", "patient", "code", "facility", "modifier",
    "member_id", "pos", "ndc", "system", "taxonomy", "account", "claim", "condition", "allergy",
    "entity", "credential", "tin", "name", "first_name", "last_name",
})
# Options whose text may span lines.
MULTILINE = frozenset({"note"})
# Paths that commands write to.
OUTPUTS = frozenset({"output", "out"})


def _label(param: click.Parameter) -> str:
    if isinstance(param, TyperOption) and param.opts:
        return str(max(param.opts, key=len))
    return (param.human_readable_name or param.name or "value").upper()


class _GuardedInt(ctypes.ParamType):
    """An integer option or argument within signed 64 bits; digits in any script read as ASCII."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from medbill_cli.inputs import record_id

        return record_id(value, field=_label(param) if param else "The number")


class _GuardedText(ctypes.ParamType):
    """Text: NFC, no control or invisible characters, bounded; an empty name refused."""

    name = "text"

    def __init__(self, *, max_len: int, multiline: bool, naming: bool) -> None:
        self.max_len, self.multiline, self.naming = max_len, multiline, naming

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from medbill_cli.errors import InputError
        from medbill_cli.inputs import clean_text

        if not isinstance(value, str):
            return value
        field = _label(param) if param else "The text"
        if self.naming and not value.strip():
            raise InputError(f"{field} is empty", f"Give a value, or leave {field} out")
        return clean_text(value, field=field, max_len=self.max_len, multiline=self.multiline)


class _GuardedPath(ctypes.ParamType):
    """A path: outputs checked writable before the command records anything; inputs must be
    regular files (or folders), so that a FIFO or a device never hangs a command."""

    name = "path"

    def __init__(self, inner: ctypes.ParamType, *, output: bool) -> None:
        self.inner, self.output = inner, output
        self.name = inner.name  # help shows the same metavar as before

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from medbill_cli.inputs import clean_text, input_file, output_file

        field = _label(param) if param else "The path"
        if isinstance(value, str):
            clean_text(value, field=field, max_len=4096)
        path = self.inner.convert(value, param, ctx)
        if path is None or str(path) == "-":
            return path
        if self.output:
            output_file(path)
        else:
            input_file(path, allow_dir=True)
        return path


def guard_params(command: click.Command, path: tuple[str, ...] = ()) -> None:
    """Route every option and argument of ``command`` (and its subcommands) through
    ``medbill_cli.inputs``: ids within 64 bits, clean text, safe paths. One place, so that a new
    command gets the same rules without asking."""
    here = (*path, command.name or "")
    for sub in getattr(command, "commands", {}).values():
        guard_params(sub, here)
    for param in command.params:
        name = param.name or ""
        if isinstance(param.type, ctypes.IntParamType) and not isinstance(
            param.type, ctypes.IntRange
        ):
            param.type = _GuardedInt()
        elif isinstance(param.type, ctypes.StringParamType) and name in OUTPUTS:
            param.type = _GuardedPath(param.type, output=True)
        elif isinstance(param.type, ctypes.StringParamType):
            from medbill_cli.inputs import MAX_SEARCH, MAX_TEXT

            search = here[-1] == "search" and isinstance(param, TyperArgument)
            param.type = _GuardedText(
                max_len=MAX_SEARCH if search else MAX_TEXT,
                multiline=name in MULTILINE,
                naming=isinstance(param, TyperOption) and name in NAMING,
            )
        elif isinstance(param.type, TyperPath):
            output = name in OUTPUTS or (here[-1] == "backup" and name == "file")
            param.type = _GuardedPath(param.type, output=output)


class MedbillGroup(TyperGroup):
    """Loads command groups lazily, and turns expected errors into one line on stderr
    and a stable exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(GROUPS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in GROUPS:
            return None
        if cmd_name not in self.commands:
            self.commands[cmd_name] = _build(cmd_name)
        return self.commands[cmd_name]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, _short_help(name)) for name in GROUPS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: Any) -> Any:
        from medbill_cli.errors import MedbillError

        try:
            return super().invoke(ctx)
        except MedbillError as exc:
            _report(exc)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            error("Interrupted; nothing was written.")
            raise typer.Exit(130) from None
        except Exception as exc:  # database unreachable, locked, disk full; or a bug
            if type(exc).__module__.startswith(("typer", "click")):
                raise  # help, usage errors and exits: Typer's own
            code = _environment_error(exc)
            if code is None:
                if os.environ.get("MEDBILL_DEBUG"):
                    raise
                # A traceback's values can hold patient data: name the failure, not its data.
                error(
                    f"Internal error ({type(exc).__name__}); nothing was written. "
                    "Run again with MEDBILL_DEBUG=1 to see the traceback, and report it."
                )
                code = INTERNAL_ERROR
            raise typer.Exit(code) from None


def _report(exc: Exception) -> None:
    from medbill_cli.errors import RowError

    error(str(exc))
    if isinstance(exc, RowError):
        for line, reason in exc.rows:
            sys.stderr.write(f"  line {line}: {reason}\n")


INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug in medbill, not the user's mistake


# Driver messages worth showing as they are: they name the environment, never a value.
_SAFE_DB_REASONS = (
    "database is locked", "unable to open database file", "disk i/o error",
    "database or disk is full", "attempt to write a readonly database", "connection refused",
    "could not connect", "connection timeout", "password authentication failed",
    "does not exist", "server closed the connection",
)


def _db_reason(exc: Exception) -> str:
    """The first line of a driver's message if it is one of the known environment problems,
    else the error's kind: a message may quote SQL or its parameters (PHI)."""
    orig = getattr(exc, "orig", None)
    first = (str(orig) if orig is not None else "").strip().splitlines()
    line = first[0].lower() if first else ""
    for reason in _SAFE_DB_REASONS:
        if reason in line:
            return reason
    return type(orig).__name__ if orig is not None else type(exc).__name__


def _environment_error(exc: Exception) -> int | None:
    from decimal import InvalidOperation

    from sqlalchemy.exc import (
        ArgumentError,
        DatabaseError,
        DataError,
        IntegrityError,
        NoSuchModuleError,
        OperationalError,
    )

    if isinstance(exc, IntegrityError):
        # Two billers raced for the same record, or a reference vanished mid-command.
        error("The change conflicts with data already saved (a duplicate or a missing record); "
              "nothing was written. Check the record and try again.")
        return 3
    if isinstance(exc, (OverflowError, InvalidOperation, DataError)):
        # A number or a text too large for its database column that no check caught first.
        error("A value is too large for its field (a number or a text); nothing was written. "
              "Check the values given.")
        return 3
    if isinstance(exc, OperationalError):
        if "too complex" in str(exc.orig).lower() or "too long" in str(exc.orig).lower():
            error("The search or value is too complex for the database; nothing was written. "
                  "Shorten it.")
            return 3
        error(f"Database error: {_db_reason(exc)}. Check --db or MEDBILL_DB and try again.")
        return 4
    if isinstance(exc, DatabaseError):
        error(f"Database error: {_db_reason(exc)}; nothing was written. "
              "Check --db or MEDBILL_DB (is it a medbill database?).")
        return 4
    if isinstance(exc, (NoSuchModuleError, ArgumentError)):
        error("The database URL is not one medbill can open. Check --db or MEDBILL_DB.")
        return 4
    if isinstance(exc, MemoryError):
        error("Out of memory; nothing was written. Check the input's size.")
        return 4
    if isinstance(exc, OSError):
        error(f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}. Check the path.")
        return 4
    return None


app = typer.Typer(
    cls=MedbillGroup,
    name="medbill",
    help="Medical billing from the terminal: patients, codes, charges, claims, remittances, "
    "close of day.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"medbill {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_callback(
    db_: Annotated[
        str | None,
        typer.Option("--db", help="SQLite file or SQLAlchemy URL. Env: MEDBILL_DB.",
                     show_default=False),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help="Who is acting, for the audit trail. Env: MEDBILL_USER."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Medical billing from the terminal.

    Exit codes: 0 ok, 1 a check found problems, 2 usage, 3 input rejected (nothing written),
    4 environment (no database, schema behind, unreadable file).
    """
    from medbill_cli.inputs import clean_text

    # Who acted goes into every audit row: the same text rules as any other field.
    for field, value in (("--user", user), ("MEDBILL_USER", os.environ.get("MEDBILL_USER"))):
        if value:
            clean_text(value, field=field, max_len=100)  # audit_log.user holds 100
    state.db = db_
    state.user = user


def main() -> None:
    app()
