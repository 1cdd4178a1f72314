"""Accounts receivable."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _charts, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_rows

app = typer.Typer(help="Accounts receivable.", no_args_is_help=True)


@app.command("aging")
def aging(
    as_of: Annotated[str, typer.Option(
        "--as-of", help="YYYY-MM-DD, today or yesterday.")] = "today",
    by: Annotated[str, typer.Option("--by", help="payer, patient or party.")] = "payer",
    basis: Annotated[str, typer.Option("--basis", help="dos (from the date of service) or "
                                                       "transfer (from the day the balance "
                                                       "moved to its party).")] = "dos",
    fmt: FormatOpt = Format.table,
    chart: _charts.ChartOpt = None,
) -> None:
    """A/R aging from the ledger in buckets 0-30, 31-60, 61-90, 91-120 and 120+ days.

    Every line's balance with the party that owes it: by payer the patients' share (self-pay
    included) is one "(patient)" row; by party the rows are primary, secondary, tertiary and
    patient. The last row is the total, and each row's buckets sum to its total. Open denials
    stay receivable from their payer; a patient's credit is not A/R (see credit list).

    Example: medbill ar aging --as-of 2024-06-30 --by party --basis transfer --format json
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.money import fmt as money
    from medbill_cli.services.ledger_reports import BUCKETS, ar_aging

    day = parse_date(as_of, "--as-of date")
    with _context.connection(write=False) as c:
        rows = ar_aging(session=c, as_of=day, by=by, basis=basis)
    key = by.strip().lower()
    out = [{key: r[key], **{b: money(r[b]) for b in BUCKETS}, "total": money(r["total"])}
           for r in rows]
    emit_rows(out, fmt, title=f"A/R aging as of {day.isoformat()}")
    _charts.aging(rows, key, fmt, chart)
