"""The ``medbill`` command: wires the groups and maps errors to exit codes in one place."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from medbill_cli import __version__
from medbill_cli.cli import (
    ar,
    audit,
    charge,
    claim,
    codes,
    coverage,
    day,
    db,
    denial,
    encounter,
    era,
    facility,
    fee,
    history,
    patient,
    payer,
    payment,
    practice,
    provider,
    reconcile,
    report,
)
from medbill_cli.cli._context import state
from medbill_cli.cli._output import error


class MedbillGroup(TyperGroup):
    """Turns expected errors into one line on stderr and a stable exit code."""

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
        except Exception as exc:  # database unreachable, locked, disk full
            code = _environment_error(exc)
            if code is None:
                raise
            raise typer.Exit(code) from None


def _report(exc: Exception) -> None:
    from medbill_cli.errors import RowError

    error(str(exc))
    if isinstance(exc, RowError):
        for line, reason in exc.rows:
            sys.stderr.write(f"  line {line}: {reason}\n")


def _environment_error(exc: Exception) -> int | None:
    from sqlalchemy.exc import OperationalError

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
    add_completion=False,
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


app.command("init")(db.init)
app.add_typer(db.app, name="db")
app.add_typer(practice.app, name="practice")
app.add_typer(provider.app, name="provider")
app.add_typer(facility.app, name="facility")
app.add_typer(payer.app, name="payer")
app.add_typer(patient.app, name="patient")
app.add_typer(coverage.app, name="coverage")
app.add_typer(history.app, name="history")
app.add_typer(codes.app, name="codes")
app.add_typer(fee.app, name="fee")
app.add_typer(encounter.app, name="encounter")
app.add_typer(charge.app, name="charge")
app.add_typer(payment.app, name="payment")
app.add_typer(claim.app, name="claim")
app.add_typer(era.app, name="era")
app.add_typer(denial.app, name="denial")
app.add_typer(ar.app, name="ar")
app.command("reconcile")(reconcile.reconcile)
app.add_typer(day.app, name="day")
app.add_typer(report.app, name="report")
app.add_typer(audit.app, name="audit")


def main() -> None:
    app()
