"""Whether a day is closed: charges, voids and payments dated a closed day are refused."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from medbill_cli.db.models import DayClose
from medbill_cli.errors import InputError


def closing(*, session: Session, date: dt.date) -> DayClose | None:
    """The close in force for a date (its latest close, unless reopened), or None."""
    row = session.exec(
        select(DayClose).where(DayClose.date == date).order_by(col(DayClose.id).desc()).limit(1)
    ).first()
    if row is None or row.reopened_at is not None:
        return None
    return row


def ensure_open(*, session: Session, date: dt.date, what: str = "change") -> None:
    """Refuse a change dated a closed day.

    Args:
        session: the command's session.
        date: the day the change is dated (date of service, or payment date).
        what: what was attempted, for the message ("charge", "void", "payment").
    """
    if closing(session=session, date=date) is not None:
        raise InputError(
            f"The day {date.isoformat()} is closed; no {what} can be dated that day",
            f"Reopen it with medbill day reopen {date.isoformat()} --reason TEXT",
        )
