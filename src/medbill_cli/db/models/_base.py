"""Column helpers shared by every model module."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC, to the second (SQLModel stores aware datetimes); the pinned
    simulated time inside ``dates.pinned_today`` (the demo)."""
    from medbill_cli.dates import pinned_now

    return (pinned_now() or dt.datetime.now(dt.UTC)).replace(microsecond=0)
