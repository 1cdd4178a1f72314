"""The audit trail: every write, in the same transaction, chained by SHA-256.

Each row's hash covers the previous row's hash and the row's own fields, so
``verify_audit`` finds the first row that was edited, removed or moved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import func, insert, select, update

from medbill_cli.db import dialect
from medbill_cli.db import tables as t
from medbill_cli.db.models._base import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, CursorResult
    from sqlmodel import Session

    from medbill_cli.db.models import AuditLog

    Executor = Session | Connection  # the trail is written with Core: either will do

GENESIS = "0" * 64
HEAD_KEY = "audit.head"  # "<id>:<hash>" of the newest row: a removed last row shows too
_PG_AUDIT_LOCK = 724_001  # pg_advisory_xact_lock key: one writer at a time extends the chain


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


class Record(Protocol):
    """What the trail records: a row with its column values.

    A model instance is one; so is each frozen record that a Core path builds (``ChargeRecord``,
    ``EncounterRecord``, ...), which mirrors the model's ``model_dump``.
    """

    def model_dump(self) -> dict[str, Any]: ...


def snapshot(record: Record | None) -> dict[str, Any] | None:
    """The column values of a record as JSON-ready data (None stays None)."""
    if record is None:
        return None
    return {k: _jsonable(v) for k, v in record.model_dump().items()}


def _dumps(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(
    prev_hash: str,
    at: dt.datetime,
    user: str,
    action: str,
    entity: str,
    entity_id: str,
    before: str | None,
    after: str | None,
) -> str:
    at_utc = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    payload = json.dumps(
        [prev_hash, at_utc.astimezone(dt.UTC).isoformat(), user, action, entity, entity_id,
         before, after],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def lock_chain(session: Executor) -> None:
    """Take the chain's lock for the rest of the transaction (one writer extends it at a time).

    Every write takes it when it records, so a service may take it early to serialize a
    read-then-write (charge entry, closing a day) at no extra cost. SQLite: write sessions hold
    the database write lock (BEGIN IMMEDIATE) already.
    """
    dialect.advisory_lock(session, _PG_AUDIT_LOCK)


def record(
    *,
    session: Executor,
    user: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one audit row in the caller's transaction.

    Args:
        session: the command's session or Core connection (not committed here).
        user: who acted.
        action: what was done (create, update, void, ...).
        entity: the table or domain object name.
        entity_id: the record's id (account number, charge id, ...).
        before: the values before the change, or None for a new record.
        after: the values after the change, or None for a removal.
    """
    record_many(session=session, user=user, entries=[(action, entity, entity_id, before, after)])


def update_record(*, session: Session, user: str, obj: Any, changes: dict[str, Any],
                  entity: str, entity_id: object, reason: str | None = None) -> None:
    """Set ``changes`` on an ORM record and audit it (before/after, and the reason when one
    was asked for), in the caller's transaction."""
    before = snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    session.add(obj)
    session.flush()
    after = snapshot(obj)
    record(session=session, user=user, action="update", entity=entity, entity_id=entity_id,
           before=before, after=after if reason is None else (after or {}) | {"reason": reason})


AuditEntry = tuple[str, str, object, "dict[str, Any] | None", "dict[str, Any] | None"]


def record_many(*, session: Executor, user: str, entries: list[AuditEntry]) -> int:
    """Append audit rows (action, entity, entity_id, before, after) with one executemany.

    Rows are written with Core whatever the caller holds (thousands of ORM objects would cost
    about a millisecond each). The first call in a transaction takes the chain's lock and reads
    its head; the head is kept in ``session.info`` for later calls. Returns how many rows.
    """
    if not entries:
        return 0
    if hasattr(session, "flush"):
        session.flush()  # the caller's pending rows first: the trail describes them
    prev = session.info.get("audit_head")
    if prev is None:
        lock_chain(session)
        last = session.execute(
            select(t.audit_log.c.hash).order_by(t.audit_log.c.id.desc()).limit(1)).first()
        prev = last[0] if last else GENESIS
    at = utcnow()
    rows: list[dict[str, Any]] = []
    for action, entity, entity_id, before, after in entries:
        b, a = _dumps(before), _dumps(after)
        h = row_hash(prev, at, user, action, entity, str(entity_id), b, a)
        rows.append({"at": at, "user": user, "action": action, "entity": entity,
                     "entity_id": str(entity_id), "before": b, "after": a, "prev_hash": prev,
                     "hash": h})
        prev = h
    dialect.insert_many(session, t.audit_log, rows)
    # The chain is locked for this transaction, so the newest row is the last one just written.
    last_id = session.execute(select(func.max(t.audit_log.c.id))).scalar_one()
    session.info["audit_head"] = prev
    value = f"{last_id}:{prev}"
    moved = cast("CursorResult[Any]", session.execute(
        update(t.setting).where(t.setting.c.key == HEAD_KEY).values(value=value)))
    if moved.rowcount == 0:
        session.execute(insert(t.setting).values(key=HEAD_KEY, value=value))
    return len(rows)


def list_audit(
    *, session: Session, entity: str | None = None, entity_id: str | None = None,
    user: str | None = None, limit: int | None = None,
) -> list[AuditLog]:
    from sqlmodel import col, select

    from medbill_cli.db.models import AuditLog

    q = select(AuditLog)
    if entity:
        q = q.where(AuditLog.entity == entity)
    if entity_id:
        q = q.where(AuditLog.entity_id == entity_id)
    if user:
        q = q.where(AuditLog.user == user)
    q = q.order_by(col(AuditLog.id))
    if limit:
        q = q.limit(limit)
    return list(session.exec(q).all())


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    first_bad_id: int | None = None
    problem: str | None = None


def verify_audit(*, session: Session) -> VerifyResult:
    """Walk the chain from the first row; report the first row that does not fit."""
    from sqlmodel import col, select

    from medbill_cli.db.models import AuditLog, Setting

    prev = GENESIS
    n = 0
    last_id = 0
    for row in session.exec(select(AuditLog).order_by(col(AuditLog.id))):
        n += 1
        assert row.id is not None
        if row.prev_hash != prev:
            what = "removed or reordered" if row.id != last_id + 1 else "altered"
            return VerifyResult(False, n, row.id,
                                f"does not follow the row before it (a row was {what})")
        expect = row_hash(prev, row.at, row.user, row.action, row.entity, row.entity_id,
                          row.before, row.after)
        if expect != row.hash:
            return VerifyResult(False, n, row.id, "its contents were altered")
        prev = row.hash
        last_id = row.id
    head = session.get(Setting, HEAD_KEY)
    if head is not None:
        head_id, _, head_hash = head.value.partition(":")
        if int(head_id) != last_id or head_hash != prev:
            bad = last_id + 1 if int(head_id) > last_id else int(head_id)
            return VerifyResult(False, n, bad,
                                "is missing (the newest entries were removed or altered)")
    elif n:
        return VerifyResult(False, n, last_id,
                            "has no recorded head (the chain's head was removed)")
    return VerifyResult(True, n)
