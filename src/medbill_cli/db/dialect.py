"""What differs between SQLite and PostgreSQL, in one place.

Services never ask which database they are on: they call these. SQLite serializes writers
(every write command starts with ``BEGIN IMMEDIATE``), so its row and advisory locks are no-ops;
PostgreSQL needs real ones when two billers work at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, Table, func, insert, select, text

from medbill_cli.db.query import chunks

SelectT = TypeVar("SelectT", bound=Select[Any])

# Rows per executemany for bulk inserts.
BULK = 5000


def name(executor: Any) -> str:
    """``sqlite`` or ``postgresql`` for a Session, Connection or Engine."""
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    return str(bind.dialect.name)


def is_postgresql(executor: Any) -> bool:
    return name(executor) == "postgresql"


def for_update(executor: Any, query: SelectT) -> SelectT:
    """Lock the selected rows until commit where the database has row locks."""
    return query.with_for_update() if is_postgresql(executor) else query


def advisory_lock(executor: Any, key: int) -> None:
    """Hold a transaction-scoped lock on ``key`` (a no-op on SQLite, whose writers queue)."""
    if is_postgresql(executor):
        executor.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def insert_ignore(executor: Any, table: Table, values: dict[str, Any],
                  index: Sequence[str]) -> None:
    """Insert a row unless one with the same ``index`` columns exists (no error, no race)."""
    if is_postgresql(executor):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    executor.execute(stmt.values(**values).on_conflict_do_nothing(index_elements=list(index)))


def fill_defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with the table's Python-side defaults added for the columns it lacks (not the
    primary key), as an INSERT would fill them."""
    for c in table.c:
        if c.name in row or c.primary_key:
            continue
        d: Any = c.default
        row[c.name] = None if d is None else (d.arg(None) if d.is_callable else d.arg)
    return row


def insert_many(executor: Any, table: Table, rows: list[dict[str, Any]], *,
                ids: bool = False) -> list[int]:
    """Insert ``rows`` in batches; with ``ids``, return their new ids in order.

    SQLite (one writer at a time) numbers the rows itself from the table's current maximum
    and inserts with executemany; PostgreSQL takes the ids from the table's sequence and loads
    the rows with COPY (the table's Python-side defaults filled in first; no other
    conversion is applied, so give values of the column's type).
    """
    if not rows:
        return []
    if is_postgresql(executor):
        # COPY: a multi-row INSERT of thousands of rows costs psycopg more to parse than the
        # server takes to write them. The ids come from the table's sequence, one query.
        for r in rows:
            fill_defaults(table, r)
        got: list[int] = []
        if ids:
            got = sorted(int(i) for i in executor.execute(
                text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                     "FROM generate_series(1, :n)"), {"t": table.name, "n": len(rows)}).scalars())
            for i, r in zip(got, rows, strict=True):
                r["id"] = i
        copy_rows(_connection(executor), table, rows)
        return got
    if not ids:
        for part in chunks(rows, BULK):
            executor.execute(insert(table), list(part))
        return []
    top = executor.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    start = int(top) + 1
    out = list(range(start, start + len(rows)))
    for i, r in zip(out, rows, strict=True):
        r["id"] = i
    for part in chunks(rows, BULK):
        executor.execute(insert(table), list(part))
    return out


def _connection(executor: Any) -> Any:
    """The Core connection of a Session (its transaction's), or the connection itself."""
    return executor.connection() if callable(getattr(executor, "connection", None)) else executor


def copy_rows(connection: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """Bulk-load rows: COPY on PostgreSQL (several times faster than INSERT for 100,000 rows
    with a full-text index), executemany elsewhere. ``connection`` is a SQLAlchemy Connection."""
    if not rows:
        return
    if not is_postgresql(connection):
        connection.execute(insert(table), rows)
        return
    cols = list(rows[0].keys())
    raw = connection.connection.driver_connection
    collist = ", ".join(f'"{c}"' for c in cols)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({collist}) FROM STDIN') as cp:
        for r in rows:
            cp.write_row([r[c] for c in cols])


def refresh_text_index(executor: Any, *, fts_table: str, gin_index: str) -> None:
    """Bring a full-text index up to date after a bulk load.

    SQLite: rebuild the FTS5 table ``fts_table`` from its content table. PostgreSQL: merge the
    GIN index's pending list, which every search would otherwise scan linearly (35 ms instead
    of 0.2 ms after 100,000 new rows).
    """
    if is_postgresql(executor):
        executor.execute(text("SELECT gin_clean_pending_list(:ix)"), {"ix": gin_index})
    else:
        executor.execute(text(f"INSERT INTO {fts_table}({fts_table}) VALUES ('rebuild')"))


def analyze(executor: Any, *tables: str) -> None:
    """Give PostgreSQL's planner fresh statistics after a bulk load (SQLite: nothing to do)."""
    if is_postgresql(executor):
        for t in tables:
            executor.execute(text(f"ANALYZE {t}"))
