"""Dates as users type them: ``YYYY-MM-DD``, ``today``, ``yesterday``, nothing else."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# A simulated clock (``medbill demo`` replays a month day by day); None: the real clock.
_pinned: ContextVar[dt.datetime | None] = ContextVar("medbill_pinned_now", default=None)


def today() -> dt.date:
    """The local date; one place so tests and the audit trail agree."""
    now = _pinned.get()
    return now.date() if now is not None else dt.date.today()


def pinned_now() -> dt.datetime | None:
    """The simulated time (UTC) when one is pinned, else None."""
    return _pinned.get()


@contextmanager
def pinned_today(day: dt.date, at: dt.time = dt.time(12, 0)) -> Iterator[None]:
    """Within the block, ``today()`` is ``day`` and record timestamps (``utcnow``) are ``day``
    at ``at`` UTC: the demo's simulated business day, so that its data carries no wall clock."""
    token = _pinned.set(dt.datetime.combine(day, at, tzinfo=dt.UTC))
    try:
        yield
    finally:
        _pinned.reset(token)


def parse_date(text: str, *, what: str = "date") -> dt.date:
    """Parse a user date.

    Args:
        text: ``YYYY-MM-DD``, ``today`` or ``yesterday``.
        what: the name used in the error message (for example "date of birth").

    Returns:
        The date.
    """
    from medbill_cli.errors import InputError

    s = text.strip().lower()
    if s == "today":
        return today()
    if s == "yesterday":
        return today() - dt.timedelta(days=1)
    if _ISO_RE.match(s):
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            pass
    raise InputError(f"'{text}' is not a valid {what}", "Use YYYY-MM-DD, today or yesterday")


def age_on(dob: dt.date, on: dt.date) -> int:
    """Whole years of age on a date."""
    years = on.year - dob.year
    if (on.month, on.day) < (dob.month, dob.day):
        years -= 1
    return years


def in_force(effective: dt.date | None, end: dt.date | None, on: dt.date) -> bool:
    """Whether a dated row (a code, fee, coverage or edit) applies on ``on``.

    The one rule for every table with effective and end dates: both ends are inclusive, and a
    missing end means open. A missing effective date means "since always" (a coverage with no
    effective date covers any date of service until it is ended). ``db.query.in_force_sql`` is
    its SQL twin.
    """
    return (effective is None or effective <= on) and (end is None or on <= end)


def in_force_text(effective: str, end: str, on: str) -> str:
    """The SQL text twin of ``in_force`` (``db.query.in_force_sql`` builds the same clause with
    SQLAlchemy), for the raw queries of ``codes search``, which runs on the bare driver.
    ``effective`` and ``end`` are column names (``effective`` NOT NULL), ``on`` a bound
    parameter such as ``:dos``."""
    return f"{effective} <= {on} AND ({end} IS NULL OR {end} >= {on})"
