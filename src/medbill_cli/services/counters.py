"""Numbered counters kept in the ``setting`` table: interchange control numbers and claim numbers.

Every X12 file medbill writes (837P, 270, 276) takes its ISA13 from the one interchange counter,
so two files never share a control number. Core only, on a Session or a bare Connection, so
the commands that run without the ORM (``eligibility request``) use it too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from medbill_cli.db import tables as t
from medbill_cli.db.dialect import for_update, insert_ignore

CONTROL_KEY = "x12.control_number"  # ISA13 / GS06 of every interchange
PCN_KEY = "claim.pcn_seq"  # CLM01 of every claim


def next_numbers(executor: Any, key: str, n: int) -> int:
    """Reserve ``n`` numbers of counter ``key``; returns the first.

    Two writers at once on a new database would both create the counter: it is created if
    missing without conflict, then its row is locked until the caller's commit.
    """
    s = t.setting
    insert_ignore(executor, s, {"key": key, "value": "0"}, ["key"])
    current = executor.execute(for_update(executor, select(s.c.value).where(s.c.key == key)))
    first = int(current.scalar_one()) + 1
    executor.execute(update(s).where(s.c.key == key).values(value=str(first + n - 1)))
    return first


def reserve_control_number(executor: Any) -> int:
    """The next interchange control number; the caller commits it before writing the file."""
    return next_numbers(executor, CONTROL_KEY, 1)


def peek_control_number(executor: Any) -> int:
    """The control number the next interchange would get (a dry run reserves nothing)."""
    s = t.setting
    value = executor.execute(select(s.c.value).where(s.c.key == CONTROL_KEY)).scalar()
    return (int(value) if value is not None else 0) + 1
