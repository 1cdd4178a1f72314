"""Closed days: the closing snapshot of a balanced (or forced) day, and reopenings."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from medbill_cli.db.models._base import utcnow


class DayClose(SQLModel, table=True):
    """One close of a day. The day is closed while its latest row has ``reopened_at`` unset."""

    __tablename__ = "day_close"

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    closed_at: dt.datetime = Field(default_factory=utcnow)
    closed_by: str = Field(max_length=100)
    forced: bool = False
    reason: str | None = None
    snapshot: str  # JSON: counts and totals at close
    snapshot_hash: str = Field(max_length=64)  # SHA-256 over the day's rows
    reopened_at: dt.datetime | None = None
    reopened_by: str | None = Field(default=None, max_length=100)
    reopen_reason: str | None = None
