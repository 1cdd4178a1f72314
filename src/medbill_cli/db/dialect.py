"""What differs between SQLite and PostgreSQL, in one place.

Services never ask which database they are on: they call these. SQLite serializes writers
(every write command starts with ``BEGIN IMMEDIATE``), so its row and advisory locks are no-ops;
PostgreSQL needs real ones when two billers work at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from operator import itemgetter
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
    and inserts with the driver's executemany (``_executemany``); PostgreSQL takes the ids
    from the table's sequence and loads the rows with COPY (the table's Python-side defaults
    filled in first; no other conversion is applied, so give values of the column's type).
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
    out: list[int] = []
    if ids:
        top = executor.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        start = int(top) + 1
        out = list(range(start, start + len(rows)))
        for i, r in zip(out, rows, strict=True):
            r["id"] = i
    _executemany(_connection(executor), table, rows)
    return out


def _executemany(connection: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` with the driver's executemany, as plain tuples.

    SQLAlchemy's own executemany spends some 60-90 us a row building and processing each
    row's parameters; here each column's bind processor (the same one SQLAlchemy applies:
    dates as ISO text, ``UTCDateTime`` in UTC) runs only on the columns that have one, so a
    row reads back exactly as after ``insert(table)``. Python-side defaults are filled for
    the columns a row lacks, as an INSERT would.
    """
    first = rows[0]
    unknown = set(first) - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column {sorted(unknown)[0]}")
    keys = set(first)  # later rows with the same keys get the same defaults, unchecked
    fill_defaults(table, first)
    missing = [c for c in table.c if c.name not in keys and c.name in first]
    for r in rows[1:]:
        if r.keys() != keys:
            fill_defaults(table, r)
            continue
        for c in missing:
            d: Any = c.default
            r[c.name] = None if d is None else (d.arg(None) if d.is_callable else d.arg)
    cols = [c for c in table.c if c.name in first]
    names = [c.name for c in cols]
    dialect = connection.dialect
    procs = [(i, p) for i, c in enumerate(cols)
             if (p := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    collist = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{table.name}" ({collist}) VALUES ({", ".join("?" for _ in names)})'
    get = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
    # A bulk load repeats the same few dates and timestamps: convert each value once.
    seen: list[dict[Any, Any]] = [{} for _ in procs]
    for part in chunks(rows, BULK):
        if not procs:
            connection.exec_driver_sql(sql, [get(r) for r in part])
            continue
        params: list[Any] = []
        for r in part:
            values = list(get(r))
            for (i, proc), memo in zip(procs, seen, strict=True):
                v = values[i]
                if v.__class__ in _MEMO_TYPES:
                    values[i] = memo[v] if v in memo else memo.setdefault(v, proc(v))
                else:
                    values[i] = proc(v)
            params.append(tuple(values))
        connection.exec_driver_sql(sql, params)


_MEMO_TYPES = frozenset({dt.date, dt.datetime})


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
