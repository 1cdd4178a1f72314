"""Patients holding a credit."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_rows

app = typer.Typer(help="Patients holding a credit (unapplied money).", no_args_is_help=True)


@app.command("list")
def list_(
    older_than: Annotated[int | None, typer.Option(
        "--older-than", help="Only credits at least N days old.")] = None,
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD, today or yesterday.")
                     ] = "today",
    fmt: FormatOpt = Format.table,
) -> None:
    """Accounts with a credit balance, oldest credit first, with its age.

    Medicare and Medicaid want an overpayment refunded within 60 days of its identification:
    refund_by is that day for a patient with such a coverage, and overdue says it has passed.

    Example: medbill credit list --older-than 30 --format json
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.money import fmt as money
    from medbill_cli.services.ledger_reports import credits

    day = parse_date(as_of, "--as-of date")
    with _context.connection(write=False) as c:
        rows = credits(session=c, older_than=older_than, as_of=day)
    out = [{**r, "credit": money(r["credit"])} for r in rows]
    emit_rows(out, fmt, columns=["account", "credit", "since", "age", "medicare_medicaid",
                                 "refund_by", "overdue"], empty="No credits.")
