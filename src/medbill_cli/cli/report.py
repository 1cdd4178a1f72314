"""Reports: day sheet, KPIs, denials."""

from __future__ import annotations

import typer

from medbill_cli.cli import report_day, report_remit

app = typer.Typer(help="Reports: day sheet, KPIs, denials.", no_args_is_help=True)

# The commands live in their own modules, which know nothing of this group.
app.command("daysheet")(report_day.daysheet)
app.command("denials")(report_remit.denials)
app.command("kpi")(report_remit.kpi)
