"""Shell completion of the values a biller types most: account numbers, claim ids and code
systems (``medbill --install-completion`` installs the shell's side).

Each completer runs while the user presses Tab, so it reads the database cheaply (one indexed
query on a bare read-only driver connection, at most ``LIMIT`` values) and never raises: any
error (no database, schema behind, server down) completes nothing. Completion offers
identifiers only, never a patient's name.
"""

from __future__ import annotations

from typing import Any

LIMIT = 50


def _target(ctx: Any) -> str:
    """The database of the line being completed: its --db, else MEDBILL_DB or the default."""
    from medbill_cli.cli._context import State

    db = None
    root = ctx.find_root() if ctx is not None else None
    if root is not None:
        db = root.params.get("db_")
    return State(db=db).target()


def _query(ctx: Any, sql: str, params: dict[str, Any]) -> list[str]:
    from medbill_cli.db.readonly import open_readonly

    with open_readonly(_target(ctx)) as db:
        return [str(r[0]) for r in db.all(sql, params)]


def accounts(ctx: Any, incomplete: str) -> list[str]:
    """Patient account numbers that start with what is typed (case-insensitive)."""
    try:
        typed = incomplete.strip().upper()
        if typed and not (typed.isascii() and typed.isalnum()):  # no LIKE wildcards
            return []
        return _query(ctx, "SELECT account FROM patient WHERE account LIKE :p ORDER BY account"
                           f" LIMIT {LIMIT}", {"p": typed + "%"})
    except Exception:  # completion must never fail the shell
        return []


def claim_ids(ctx: Any, incomplete: str) -> list[str]:
    """Claim ids that start with what is typed, newest first."""
    try:
        digits = incomplete.strip()
        if digits and not (digits.isascii() and digits.isdigit()):
            return []
        return _query(ctx, "SELECT id FROM claim WHERE CAST(id AS TEXT) LIKE :p ORDER BY id DESC"
                           f" LIMIT {LIMIT}", {"p": digits + "%"})
    except Exception:
        return []


def _systems(names: tuple[str, ...], incomplete: str) -> list[str]:
    low = incomplete.strip().lower()
    return [n for n in names if n.startswith(low)]


def search_systems(incomplete: str) -> list[str]:
    """The code systems ``codes search`` and ``codes show`` look in."""
    try:
        from medbill_cli.codesets.search import SYSTEMS

        return _systems(tuple(SYSTEMS), incomplete)
    except Exception:
        return []


def import_systems(incomplete: str) -> list[str]:
    """The code systems ``codes import`` reads."""
    try:
        from medbill_cli.services.codes import IMPORT_SYSTEMS

        return _systems(tuple(IMPORT_SYSTEMS), incomplete)
    except Exception:
        return []
