"""The day sheet: charges from the day's charge lines, payments and adjustments from the
ledger (``ledger_reports.day_money``), totalled by ``reports/daysheet.py``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from medbill_cli.services.ledger_reports import day_money

if TYPE_CHECKING:
    from sqlmodel import Session

    from medbill_cli.reports.daysheet import DaySheet


def day_sheet(*, session: Session, date: dt.date, basis: str = "service") -> DaySheet:
    """The day sheet of ``date`` on the ``service`` or ``entered`` basis.

    Args:
        session: the command's session (read only).
        date: the day.
        basis: ``service`` (entries dated the day) or ``entered`` (written that local day).

    Returns:
        The day sheet.
    """
    from medbill_cli.reports.daysheet import build_daysheet, local_day

    if basis == "entered":
        start, end = local_day(date)
        money = day_money(session, start=start, end=end)
    else:
        money = day_money(session, day=date)
    return build_daysheet(session=session, date=date, money=money, basis=basis)
