"""Dates as users type them: ``YYYY-MM-DD``, ``today``, ``yesterday``, nothing else."""

from __future__ import annotations

import datetime as dt
import re

_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def today() -> dt.date:
    """The local date; one place so tests and the audit trail agree."""
    return dt.date.today()


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
