"""Column helpers shared by every model module."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC, to the second (SQLModel stores aware datetimes)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
