"""Reports: day sheet, KPIs, denials."""

from __future__ import annotations

import typer

app = typer.Typer(help="Reports: day sheet, KPIs, denials.", no_args_is_help=True)

# Report commands live in their own modules and register on ``app``:
# report_day.py (daysheet) and report_remit.py (kpi, denials).
from medbill_cli.cli import report_day, report_remit  # noqa: E402,F401
