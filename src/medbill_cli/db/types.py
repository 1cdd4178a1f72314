"""Column types for the Core tables (``db/tables.py``), without importing SQLModel.

``UTCDateTime`` stores and returns exactly what SQLModel's type of the same name does (aware
datetimes, converted to UTC on the way in; UTC attached on the way out where the database keeps
no offset), so a row written through either layer reads back the same through the other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import types


class UTCDateTime(types.TypeDecorator[dt.datetime]):
    """Aware datetimes in, UTC datetimes out."""

    impl = types.DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("Datetime values must have timezone information")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
