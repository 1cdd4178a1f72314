"""Engine and session: one URL (SQLite path or SQLAlchemy URL), one transaction per command.

SQLite: foreign keys on, WAL, a busy timeout, and a new file created with mode 0600 before
SQLite ever opens it. Write sessions start with ``BEGIN IMMEDIATE`` so that two billers at
once queue on the busy timeout instead of failing a lock upgrade with "database is locked".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url

from medbill_cli.errors import EnvironmentProblem, SchemaBehindError

if TYPE_CHECKING:
    from sqlmodel import Session

BUSY_TIMEOUT_MS = 30_000


def normalize_url(target: str) -> str:
    """A path becomes an SQLite URL; an SQLAlchemy URL is kept (``postgresql://``: psycopg 3)."""
    if "://" not in target:
        return "sqlite:///" + str(Path(target).expanduser().resolve())
    if target.startswith("postgresql://") or target.startswith("postgres://"):
        return "postgresql+psycopg://" + target.split("://", 1)[1]
    return target


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.database in (None, "", ":memory:"):
        return None
    return Path(u.database)


def create_private_file(path: Path) -> None:
    """Create an empty database file readable by the owner only, and its folder."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(target: str, *, create: bool = False) -> Engine:
    """Open the database at ``target``.

    Args:
        target: a file path or an SQLAlchemy URL.
        create: create a missing SQLite file (mode 0600); otherwise a missing file is an error.

    Returns:
        The engine.
    """
    from medbill_cli.inputs import db_target

    url = normalize_url(db_target(target))
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None and not path.exists():
            if not create:
                raise EnvironmentProblem(
                    f"No medbill database at {path}", "Run medbill init first"
                )
            create_private_file(path)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_setup(engine)
        # WAL side files inherit the main file's mode from SQLite; nothing else to do.
        return engine
    kwargs: dict[str, Any] = {"pool_pre_ping": False}
    engine = create_engine(url, **kwargs)
    return engine


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction: commit at the end, roll back on any error.

    Args:
        engine: from ``make_engine``.
        write: whether the command writes (SQLite takes the write lock up front).
    """
    from sqlmodel import Session

    from medbill_cli.db.models import resolve_references

    resolve_references()  # every table a loaded model points at, before the first flush
    conn_opts = {"sqlite_begin": "IMMEDIATE" if write else "DEFERRED"}
    with engine.connect().execution_options(**conn_opts) as conn:
        with Session(bind=conn, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


@contextmanager
def connection_scope(engine: Engine, *, write: bool = True) -> Iterator[Connection]:
    """Like ``session_scope``, with a Core connection: for hot paths that use ``db.tables`` and
    need neither SQLModel nor the ORM (``charge add``)."""
    conn_opts = {"sqlite_begin": "IMMEDIATE" if write else "DEFERRED"}
    with engine.connect().execution_options(**conn_opts) as conn, conn.begin():
        yield conn


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, or None for an empty database."""
    from sqlalchemy.exc import DBAPIError

    with engine.connect() as conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError as exc:
            # No alembic_version table: an empty database (anything else is re-raised).
            msg = str(exc.orig).lower()
            if "alembic_version" in msg and ("no such table" in msg or "does not exist" in msg):
                return None
            raise
        return row[0] if row else None


def check_schema(engine: Engine, target: str) -> None:
    """Refuse to run against a database that is missing or behind this version of medbill."""
    from medbill_cli.db.migrations import HEAD_REVISION, REVISION_ORDER

    try:
        rev = current_revision(engine)
    except Exception as exc:  # connection refused, bad credentials, not a database
        raise EnvironmentProblem(
            f"Cannot open the database: {type(exc).__name__}",
            "Check --db or MEDBILL_DB",
        ) from None
    if rev is None:
        raise EnvironmentProblem(
            "The database has no medbill schema", "Run medbill init to create it"
        )
    if rev != HEAD_REVISION:
        if rev in REVISION_ORDER:
            raise SchemaBehindError(
                f"The database schema is at {rev}, this medbill needs {HEAD_REVISION}",
                "Run medbill db upgrade",
            )
        raise EnvironmentProblem(
            f"The database schema {rev} is newer than this medbill knows",
            "Upgrade medbill",
        )
