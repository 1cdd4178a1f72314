"""Closed days: close a reconciled day, reopen it, list closes; refuse changes dated a closed day.

A day is closed while its latest ``DayClose`` row has no ``reopened_at``. Closing and the
checks made by charge entry, voids and payments (``ensure_open``) take the same lock on
PostgreSQL (the audit chain's, which every write takes anyway), so a charge cannot slip into
a day between its reconciliation and its close. SQLite write transactions are serialized by
``BEGIN IMMEDIATE`` already.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from medbill_cli import validate as v
from medbill_cli.db.models._base import utcnow
from medbill_cli.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from medbill_cli.db.models import DayClose
    from medbill_cli.services.reconcile import Reconciliation

REASON_MAX = 500


def lock_days(session: Session | Connection) -> None:
    """Serialize closing against writes dated a day (PostgreSQL; SQLite already is).

    The day lock is the audit chain's, which every write takes anyway.
    """
    from medbill_cli.services import audit

    audit.lock_chain(session)


def closing(*, session: Session, date: dt.date) -> DayClose | None:
    """The close in force for a date (its latest close, unless reopened), or None."""
    from sqlmodel import col, select

    from medbill_cli.db.models import DayClose

    row = session.exec(
        select(DayClose).where(DayClose.date == date).order_by(col(DayClose.id).desc()).limit(1)
    ).first()
    if row is None or row.reopened_at is not None:
        return None
    return row


def is_closed(*, session: Session | Connection, date: dt.date) -> bool:
    """Whether a day is closed now (Core: usable on the charge entry hot path)."""
    from sqlalchemy import select

    from medbill_cli.db.tables import day_close

    row = session.execute(
        select(day_close.c.reopened_at).where(day_close.c.date == date)
        .order_by(day_close.c.id.desc()).limit(1)
    ).first()
    return row is not None and row[0] is None


def ensure_open(*, session: Session | Connection, date: dt.date, what: str = "change") -> None:
    """Refuse a change dated a closed day.

    Args:
        session: the command's session.
        date: the day the change is dated (date of service, or payment date).
        what: what was attempted, for the message ("charge", "void", "payment").
    """
    lock_days(session)
    if is_closed(session=session, date=date):
        raise InputError(
            f"The day {date.isoformat()} is closed; no {what} can be dated that day",
            f"Reopen it with medbill day reopen {date.isoformat()} --reason TEXT",
        )


def close_day(
    *, session: Session, user: str, result: Reconciliation, force: bool = False,
    reason: str | None = None,
) -> DayClose:
    """Close a reconciled day: store its snapshot and the hash over its rows; audited.

    Args:
        session: the command's session; ``result`` must have been read in it with ``lock=True``.
        user: who closes.
        result: the day's reconciliation.
        force: close although the day is out of balance (needs ``reason``).
        reason: why, recorded with the close (required with ``force``).

    Returns:
        The new close.
    """
    from medbill_cli.db.models import DayClose
    from medbill_cli.services import audit

    date = result.date
    current = closing(session=session, date=date)
    if current is not None:
        raise InputError(
            f"The day {date.isoformat()} is already closed (by {current.closed_by} at "
            f"{current.closed_at:%Y-%m-%d %H:%M} UTC)",
            f"Reopen it first with medbill day reopen {date.isoformat()} --reason TEXT",
        )
    why: str | None
    if force:
        why = v.reason(reason, max_len=REASON_MAX, needed_for="Closing with --force")
    else:
        why = (v.reason(reason, max_len=REASON_MAX, needed_for="Closing")
               if reason is not None else None)
    if not result.balanced and not force:
        n = len(result.discrepancies)
        raise InputError(
            f"The day {date.isoformat()} is out of balance "
            f"({n} discrepanc{'y' if n == 1 else 'ies'}); "
            "it was not closed",
            "Fix the discrepancies, or close it anyway with --close --force --reason TEXT",
        )
    row = DayClose(date=date, closed_by=user, forced=not result.balanced, reason=why,
                   snapshot=json.dumps(result.snapshot(), sort_keys=True, separators=(",", ":")),
                   snapshot_hash=result.rows_hash())
    session.add(row)
    session.flush()
    audit.record(session=session, user=user, action="close", entity="day",
                 entity_id=date.isoformat(), after=audit.snapshot(row))
    return row


def reopen_day(*, session: Session, user: str, date: dt.date, reason: str | None) -> DayClose:
    """Reopen a closed day so that its charges and payments can be changed again; audited.

    Args:
        session: the command's session.
        user: who reopens.
        date: the closed day.
        reason: why (required).

    Returns:
        The close, now marked reopened.
    """
    from medbill_cli.services import audit

    why = v.reason(reason, max_len=REASON_MAX, needed_for="Reopening a day")
    lock_days(session)
    row = closing(session=session, date=date)
    if row is None:
        raise InputError(f"The day {date.isoformat()} is not closed",
                         "See closed days with medbill day list")
    before = audit.snapshot(row)
    row.reopened_at = utcnow()
    row.reopened_by = user
    row.reopen_reason = why
    session.add(row)
    session.flush()
    audit.record(session=session, user=user, action="reopen", entity="day",
                 entity_id=date.isoformat(), before=before, after=audit.snapshot(row))
    return row


def list_closes(
    *, session: Session, closed_only: bool = False, since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[DayClose]:
    """Every close, newest day first (a day closed twice shows twice).

    Args:
        session: the command's session.
        closed_only: only closes still in force.
        since: the first day to list.
        until: the last day to list.

    Returns:
        The closes.
    """
    from sqlmodel import col, select

    from medbill_cli.db.models import DayClose

    q = select(DayClose)
    if since:
        q = q.where(DayClose.date >= since)
    if until:
        q = q.where(DayClose.date <= until)
    q = q.order_by(col(DayClose.date).desc(), col(DayClose.id).desc())
    rows = list(session.exec(q).all())
    if closed_only:
        rows = [r for r in rows if r.reopened_at is None]
    return rows
