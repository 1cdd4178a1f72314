"""``--chart`` for ``ar aging``, ``report kpi`` and ``report denials``: when to draw, and the
rows each chart is drawn from.

A chart is drawn under the table when ``--chart`` is given, or (without ``--no-chart``) when
stdout is a terminal. JSON and CSV never carry one: they are for programs. The weekly charts
call the report's own service once per week of the period, so a week's bar is exactly what
``report kpi`` or ``report denials`` prints for that week; those calls are here alone.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any

import typer

from medbill_cli.cli._output import Format
from medbill_cli.cli._output import emit_text as _emit


def emit_text(text: str) -> None:
    if text:
        _emit(text)


ChartOpt = Annotated[
    bool | None,
    typer.Option("--chart/--no-chart",
                 help="Draw a chart under the table (default: only at a terminal; never in "
                      "json or csv)."),
]

def wanted(chart: bool | None, fmt: Format) -> bool:
    """Whether to draw: never for json or csv; with --chart; else only at a terminal."""
    if fmt is not Format.table or chart is False:
        return False
    return bool(chart) or sys.stdout.isatty()


def aging(rows: list[dict[str, Any]], key: str, fmt: Format, chart: bool | None) -> None:
    """Draw ``ar aging``'s rows (amounts in cents, as ``ar_aging`` returns them)."""
    if not wanted(chart, fmt):
        return
    from medbill_cli.reports.charts import aging_chart
    from medbill_cli.services.ledger_reports import BUCKETS

    emit_text(aging_chart(rows, key, BUCKETS, color=sys.stdout.isatty()))


def kpi_week(start: dt.date, figures: Any) -> Any:
    """One week of the KPI chart from that week's ``kpi_figures``."""
    from medbill_cli.reports.charts import KpiWeek

    return KpiWeek(start, figures.charges_cents, figures.payments_cents,
                   figures.net_collection_tenths)


def kpi(start: dt.date, end: dt.date, fmt: Format, chart: bool | None) -> None:
    """Draw ``report kpi``'s charges, payments and collection rate, week by week."""
    if not wanted(chart, fmt):
        return
    from medbill_cli.cli import _context
    from medbill_cli.reports.charts import kpi_chart, weeks
    from medbill_cli.services.kpis import kpi_figures

    with _context.session(write=False) as s:
        data = [kpi_week(a, kpi_figures(session=s, start=a, end=b))
                for a, b in weeks(start, end)]
    emit_text(kpi_chart(data, color=sys.stdout.isatty()))


def denials(start: dt.date, end: dt.date, fmt: Format, chart: bool | None) -> None:
    """Draw ``report denials`` by reason, week by week."""
    if not wanted(chart, fmt):
        return
    from medbill_cli.cli import _context
    from medbill_cli.reports.charts import DenialWeek, denials_chart, weeks
    from medbill_cli.services.denials import denial_report

    with _context.session(write=False) as s:
        data = [DenialWeek(a, denial_report(session=s, start=a, end=b))
                for a, b in weeks(start, end)]
    emit_text(denials_chart(data, color=sys.stdout.isatty()))
