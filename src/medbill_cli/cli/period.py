"""Closing the books by posting date."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows

app = typer.Typer(help="Close the books through a date (month-end).", no_args_is_help=True)


@app.command("close")
def close(
    through: Annotated[str, typer.Option("--through", help="The period's last day: YYYY-MM-DD.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Close the books through a date: no ledger entry may be dated in it afterwards, and a
    correction posts in the open period. Prints the period id.

    Example: medbill period close --through 2024-06-30
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.ledger import close_period

    day = parse_date(through, "--through date")
    with _context.connection() as c:
        row = close_period(session=c, user=_context.state.actor(), through=day)
    emit_created(row, fmt)


@app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """Closed periods, oldest first.

    Example: medbill period list --format json
    """
    from medbill_cli.services.ledger import list_periods

    with _context.connection(write=False) as c:
        rows = list_periods(session=c)
    emit_rows(rows, fmt, columns=["id", "through", "closed_at", "closed_by"],
              empty="No closed periods.")
