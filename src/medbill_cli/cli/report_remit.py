"""Report commands for ``medbill report`` (registered there): kpi and denials."""

from __future__ import annotations

from typing import Annotated, cast

import typer

from medbill_cli.cli import _charts, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_rows

FromOpt = Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOpt = Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")]


def denials(
    start: FromOpt, end: ToOpt, fmt: FormatOpt = Format.table, chart: _charts.ChartOpt = None,
) -> None:
    """Denials opened in a period: count and amount by CARC and payer.

    Example: medbill report denials --from 2024-01-01 --to 2024-03-31
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.money import fmt as money
    from medbill_cli.services.denials import denial_report

    a, b = parse_date(start, "--from date"), parse_date(end, "--to date")
    with _context.session(write=False) as s:
        # denial_report's rows are dict[str, object]; amount_cents is an int
        rows = [{"carc": r["carc"], "payer": r["payer"], "count": r["count"],
                 "amount": money(cast(int, r["amount_cents"]))}
                for r in denial_report(session=s, start=a, end=b)]
    emit_rows(rows, fmt, title=f"Denials {a.isoformat()} to {b.isoformat()}",
              empty="No denials in the period.")
    _charts.denials(a, b, fmt, chart)


def kpi(
    start: FromOpt, end: ToOpt, fmt: FormatOpt = Format.table, chart: _charts.ChartOpt = None,
) -> None:
    """Revenue-cycle KPIs for a period, each with its formula and the numbers behind it.

    Example: medbill report kpi --from 2024-01-01 --to 2024-03-31
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.kpis import kpis

    a, b = parse_date(start, "--from date"), parse_date(end, "--to date")
    with _context.session(write=False) as s:
        rows = kpis(session=s, start=a, end=b)
    emit_rows(rows, fmt,
              columns=["kpi", "value", "formula", "numbers"] if fmt is Format.table else None,
              title=f"KPIs {a.isoformat()} to {b.isoformat()}")
    _charts.kpi(a, b, fmt, chart)
