"""A read-only database connection on the driver alone, for commands typed all day.

``codes search`` is typed all day: loading SQLAlchemy and SQLModel would cost more than the
whole 250 ms budget of the command, so the CLI opens the database with the driver alone and
hands the search a ``DbapiRunner`` (``codesets.search.Runner``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_PG_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class DbapiRunner:
    """Runs SQL with ``:name`` parameters on a bare DB-API connection (sqlite3 or psycopg)."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect

    def all(self, sql: str, params: dict[str, Any]) -> list[Any]:
        if self.dialect == "sqlite":
            p = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items()}
            rows: list[Any] = self.conn.execute(sql, p).fetchall()
            return rows
        cur = self.conn.cursor()
        try:
            cur.execute(_PG_PARAM.sub(r"%(\1)s", sql.replace("%", "%%")), params)
            rows = cur.fetchall()
            return rows
        finally:
            cur.close()


def _connect(target: str) -> tuple[Any, str]:
    from pathlib import Path

    from medbill_cli.errors import EnvironmentProblem

    if "://" not in target or target.startswith("sqlite"):
        import sqlite3

        raw = target.split(":///", 1)[1] if target.startswith("sqlite") else target
        path = Path(raw).expanduser().resolve()
        if not path.exists():
            raise EnvironmentProblem(f"No medbill database at {path}", "Run medbill init first")
        return sqlite3.connect(str(path), timeout=30), "sqlite"
    import psycopg

    url = "postgresql://" + target.split("://", 1)[1]
    try:
        return psycopg.connect(url, autocommit=True), "postgresql"
    except Exception as exc:
        raise EnvironmentProblem(f"Cannot open the database: {type(exc).__name__}",
                                 "Check --db or MEDBILL_DB") from None


def _check_schema(runner: DbapiRunner) -> None:
    from medbill_cli.db.migrations import HEAD_REVISION, REVISION_ORDER
    from medbill_cli.errors import EnvironmentProblem, SchemaBehindError

    try:
        rev = runner.all("SELECT version_num FROM alembic_version", {})
    except Exception:
        rev = []
    if not rev:
        raise EnvironmentProblem("The database has no medbill schema",
                                 "Run medbill init to create it")
    if rev[0][0] != HEAD_REVISION:
        if rev[0][0] in REVISION_ORDER:
            raise SchemaBehindError(
                f"The database schema is at {rev[0][0]}, this medbill needs {HEAD_REVISION}",
                "Run medbill db upgrade")
        raise EnvironmentProblem(
            f"The database schema {rev[0][0]} is newer than this medbill knows", "Upgrade medbill")


@contextmanager
def open_readonly(target: str) -> Iterator[DbapiRunner]:
    """A read-only connection to the medbill database at ``target`` (path or URL), with the
    same checks as every command: the file exists and its schema is current."""
    conn, dialect = _connect(target)
    try:
        runner = DbapiRunner(conn, dialect)
        _check_schema(runner)
        yield runner
    finally:
        conn.close()


class SessionRunner:
    """Runs the search's SQL in a SQLAlchemy session (charge entry, tests)."""

    def __init__(self, session: Any) -> None:
        from medbill_cli.db import dialect  # SQLAlchemy: only when a session is given

        self.session = session
        self.dialect = dialect.name(session)

    def all(self, sql: str, params: dict[str, Any]) -> list[Any]:
        from sqlalchemy import text

        return list(self.session.execute(text(sql), params).all())
