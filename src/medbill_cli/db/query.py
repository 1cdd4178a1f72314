"""Query helpers every service shares: chunked ``IN`` lists and the "in force on a date" clause."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")

# Rows per statement for ``IN (...)`` lists and executemany batches: under SQLite's 999-variable
# limit with room for the other parameters, and large enough that 10,000 rows are 20 round trips.
CHUNK = 500


def chunks(items: Sequence[T], n: int = CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of ``items``, each at most ``n`` long."""
    for i in range(0, len(items), n):
        yield items[i:i + n]


def in_force_sql(effective: Any, end: Any, on: dt.date | Any, *,
                 effective_nullable: bool = True) -> ColumnElement[bool]:
    """The SQL twin of ``dates.in_force``: ``effective <= on AND (end IS NULL OR on <= end)``.

    Args:
        effective: the row's first day (a column); NULL means "since always" when
            ``effective_nullable``.
        end: the row's last day (a column, inclusive); NULL means open. None: the table has
            no end column (an MUE, a fee), so the row is open-ended.
        on: the date of service (a date or a bound parameter).
        effective_nullable: whether ``effective`` may be NULL (say False for a NOT NULL column,
            so the clause stays index-friendly).
    """
    from sqlalchemy import and_, or_  # here: ``codes search`` imports this module without it

    starts: ColumnElement[bool] = effective <= on
    if effective_nullable:
        starts = or_(effective.is_(None), starts)
    if end is None:
        return starts
    return and_(starts, or_(end.is_(None), end >= on))
