"""Report commands for ``medbill report`` (registered there): the day sheet."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import DateOpt, FormatOpt
from medbill_cli.cli._output import Format, emit_rows, emit_text, write_csv, write_json


class Basis(StrEnum):
    service = "service"
    entered = "entered"


BASIS_TEXT = {
    "service": "by date of service (payments by payment date, remittances by posting date)",
    "entered": "by the day entered",
}


def daysheet(
    date: DateOpt,
    basis: Annotated[Basis, typer.Option("--basis", help="Date basis: service or entered.",
                                         case_sensitive=False)] = Basis.service,
    fmt: FormatOpt = Format.table,
) -> None:
    """The day's charges, payments and adjustments by provider and by payment method, with totals.

    Example: medbill report daysheet --date yesterday --basis entered --format csv
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.reports.daysheet import CSV_COLUMNS
    from medbill_cli.services.daysheet import day_sheet

    day = parse_date(date)
    with _context.session(write=False) as s:
        sheet = day_sheet(session=s, date=day, basis=basis.value)
    if fmt is Format.json:
        write_json(sheet.as_json())
        return
    if fmt is Format.csv:
        write_csv(sheet.long_rows(), CSV_COLUMNS)
        return
    emit_text(f"Day sheet for {day.isoformat()}, {BASIS_TEXT[basis.value]}")
    t = sheet.totals
    if not sheet.by_provider and not sheet.by_method:
        emit_text("No charges, payments or adjustments on this day.")
        return
    emit_rows(sheet.by_provider, Format.table, title="By provider",
              columns=["provider", "name", "charges", "charge_amount", "voids", "void_amount",
                       "patient_payments", "insurance_payments", "adjustments"])
    if sheet.by_method:
        emit_rows(sheet.by_method, Format.table, title="Payments by method",
                  columns=["method", "payments", "amount"])
    if sheet.adjustments:
        emit_rows(sheet.adjustments, Format.table, title="Remittance adjustments by reason",
                  columns=["group", "carc", "count", "amount"])
    emit_text(f"Totals: charges {t['charges']} for {t['charge_amount']}; voids {t['voids']} for "
              f"{t['void_amount']}; payments {t['payments']} for {t['payment_amount']} "
              f"(patients {t['patient_payments']}, insurance {t['insurance_payments']}); "
              f"adjustments {t['adjustments']}; moved to patients {t['patient_responsibility']}.")
