"""Per-invocation state from the global options, and the one way commands open the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

    from medbill_cli.config import Settings

T = TypeVar("T")


@dataclass
class State:
    db: str | None = None
    user: str | None = None

    def settings(self) -> Settings:
        from medbill_cli.config import Settings

        s = Settings()
        if self.db:
            s.db = self.db
        if self.user:
            s.user = self.user
        return s

    def target(self) -> str:
        return str(self.settings().db_target())

    def actor(self) -> str:
        return str(self.settings().actor())


state = State()


def engine(*, create: bool = False, check: bool = True) -> Engine:
    from medbill_cli.db.engine import check_schema, make_engine

    target = state.target()
    eng = make_engine(target, create=create)
    if check:
        check_schema(eng, target)
    return eng


@contextmanager
def _transaction(scope: Callable[..., AbstractContextManager[T]], write: bool) -> Iterator[T]:
    eng = engine()
    try:
        with scope(eng, write=write) as handle:
            yield handle
    finally:
        eng.dispose()


def session(*, write: bool = True) -> AbstractContextManager[Session]:
    """The command's one transaction, against a database whose schema is current."""
    from medbill_cli.db.engine import session_scope

    return _transaction(session_scope, write)


def connection(*, write: bool = True) -> AbstractContextManager[Connection]:
    """The command's one transaction as a Core connection (hot paths that skip the ORM)."""
    from medbill_cli.db.engine import connection_scope

    return _transaction(connection_scope, write)
