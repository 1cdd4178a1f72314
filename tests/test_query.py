"""The "in force on a date" rule and its SQL twin agree; chunks cover a sequence once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from medbill_cli.dates import in_force, in_force_text
from medbill_cli.db.query import chunks, in_force_sql

DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2020, 3, 1))
_META = sa.MetaData()
_T = sa.Table("t", _META, sa.Column("effective", sa.Date), sa.Column("end_date", sa.Date))
_ENGINE = sa.create_engine("sqlite://")
_META.create_all(_ENGINE)


def test_in_force_ends_are_inclusive() -> None:
    d = dt.date(2026, 1, 15)
    assert in_force(d, d, d)
    assert in_force(None, None, d)
    assert not in_force(d + dt.timedelta(days=1), None, d)
    assert not in_force(None, d - dt.timedelta(days=1), d)


@given(st.none() | DAYS, st.none() | DAYS, DAYS)
def test_in_force_sql_agrees(effective: dt.date | None, end: dt.date | None, on: dt.date) -> None:
    with _ENGINE.begin() as c:
        c.execute(_T.delete())
        c.execute(_T.insert().values(effective=effective, end_date=end))
        n = c.execute(sa.select(sa.func.count()).select_from(_T)
                      .where(in_force_sql(_T.c.effective, _T.c.end_date, on))).scalar_one()
    assert bool(n) is in_force(effective, end, on)


@given(DAYS, st.none() | DAYS, DAYS)
def test_in_force_text_agrees(effective: dt.date, end: dt.date | None, on: dt.date) -> None:
    """The text twin that ``codes search`` runs on the bare driver (effective NOT NULL)."""
    with _ENGINE.begin() as c:
        c.execute(_T.delete())
        c.execute(_T.insert().values(effective=effective, end_date=end))
        n = c.execute(sa.text("SELECT count(*) FROM t WHERE "
                              + in_force_text("effective", "end_date", ":dos")),
                      {"dos": on}).scalar_one()
    assert bool(n) is in_force(effective, end, on)


@given(st.lists(st.integers(), max_size=50), st.integers(min_value=1, max_value=7))
def test_chunks_cover_once(items: list[int], n: int) -> None:
    parts = list(chunks(items, n))
    assert [x for p in parts for x in p] == items
    assert all(0 < len(p) <= n for p in parts)
