"""The ``medbill`` command: wires the groups and maps errors to exit codes in one place."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

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
    "claim": "medbill_cli.cli.claim",
    "era": "medbill_cli.cli.era",
    "denial": "medbill_cli.cli.denial",
    "ar": "medbill_cli.cli.ar",
    "reconcile": "medbill_cli.cli.reconcile:reconcile",
    "day": "medbill_cli.cli.day",
    "report": "medbill_cli.cli.report",
    "audit": "medbill_cli.cli.audit",
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
    return group.commands[name]  # type: ignore[attr-defined]


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


def _environment_error(exc: Exception) -> int | None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    if isinstance(exc, IntegrityError):
        # Two billers raced for the same record, or a reference vanished mid-command.
        error("The change conflicts with data already saved (a duplicate or a missing record); "
              "nothing was written. Check the record and try again.")
        return 3

    if isinstance(exc, OperationalError):
        # The driver's message may quote SQL parameters (PHI): show only its first line's kind.
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        if "parameters" in reason.lower():
            reason = type(exc.orig).__name__
        error(f"Database error: {reason}. Check --db or MEDBILL_DB and try again.")
        return 4
    if isinstance(exc, OSError):
        error(f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}. Check the path.")
        return 4
    return None


app = typer.Typer(
    cls=MedbillGroup,
    name="medbill",
    help="Medical billing from the terminal: patients, codes, charges, claims, remittances, close of day.",
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
        typer.Option("--db", help="SQLite file or SQLAlchemy URL. Env: MEDBILL_DB.", show_default=False),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Who is acting, for the audit trail. Env: MEDBILL_USER.")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Medical billing from the terminal.

    Exit codes: 0 ok, 1 a check found problems, 2 usage, 3 input rejected (nothing written),
    4 environment (no database, schema behind, unreadable file).
    """
    state.db = db_
    state.user = user


def main() -> None:
    app()
