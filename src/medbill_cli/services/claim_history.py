"""A claim's story, oldest first, told from what the database already holds.

- the claim row: generated (when, by whom, total), and the claim it replaces;
- the audit trail of the claim: scrubbed (status and findings), exported (batch), status
  requested, payer claim number stored, closed, and whatever else was recorded of it;
- acknowledgments (``ack_claim``): what each TA1, 999, 277CA and 277 said, per claim and line;
  acks that answer the claim's interchange without a word about the claim (a TA1 accepting it);
- ERA postings (``era_claim``): paid, partial, denied, reversed, with the check's trace;
- later claims that replace or void it (``original_claim_id``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from medbill_cli.db import tables as t
from medbill_cli.errors import NotFoundError
from medbill_cli.money import fmt

if TYPE_CHECKING:
    from sqlmodel import Session

# Audit actions the other sources tell better (the claim row, ack_claim) are not repeated.
_SKIP_AUDIT = frozenset({"create", "ack"})
_AUDIT_EVENT = {"scrub": "scrubbed", "submit": "exported", "close": "closed",
                "status_request": "status requested", "update": "updated", "rebuild": "rebuilt"}


@dataclass(frozen=True)
class HistoryEvent:
    at: dt.datetime
    event: str
    source: str
    status: str | None  # the claim's status after the event, when it says
    detail: str
    user: str | None = None

    def public(self) -> dict[str, Any]:
        return {"at": self.at, "event": self.event, "source": self.source, "status": self.status,
                "detail": self.detail, "user": self.user}


def _aware(value: dt.datetime | dt.date | None) -> dt.datetime:
    if value is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def find_claim(session: Session, claim_id: str | int) -> Any:
    """A claim row by id or patient control number."""
    from medbill_cli.inputs import claim_ref

    c = t.claim.c
    ref = claim_ref(claim_id)
    row = session.execute(select(t.claim).where(
        c.id == ref if isinstance(ref, int) else c.pcn == ref)).first()
    if row is None:
        raise NotFoundError(f"No claim {claim_id}", "See medbill claim list")
    return row


def _audit_detail(action: str, after: dict[str, Any]) -> str:
    if action == "scrub":
        findings = after.get("findings") or []
        return f"{len(findings)} finding(s)" + (": " + ", ".join(findings) if findings else "")
    if action == "submit":
        return f"batch {after.get('batch_id')}"
    parts = [f"{k} {v}" for k, v in sorted(after.items()) if k not in ("status",) and v is not None]
    return "; ".join(parts)[:300]


def _from_audit(session: Session, pcn: str) -> list[HistoryEvent]:
    a = t.audit_log.c
    out: list[HistoryEvent] = []
    q = select(a.at, a.user, a.action, a.after).where(a.entity == "claim", a.entity_id == pcn)
    for at, user, action, after_text in session.execute(q.order_by(a.id)):
        after = json.loads(after_text) if after_text else {}
        if action == "ack" and isinstance(after, dict) and after.get("payer_claim_number"):
            out.append(HistoryEvent(_aware(at), "payer claim number stored", f"ack {after['ack']}",
                                    None, f"payer claim number {after['payer_claim_number']}",
                                    user))
            continue
        if action in _SKIP_AUDIT:
            continue
        status = after.get("status") if isinstance(after, dict) else None
        detail = _audit_detail(action, after) if isinstance(after, dict) else ""
        out.append(HistoryEvent(_aware(at), _AUDIT_EVENT.get(action, action), "medbill", status,
                                detail, user))
    return out


def _from_acks(session: Session, claim: Any) -> list[HistoryEvent]:
    ac, ak = t.ack_claim.c, t.ack.c
    out: list[HistoryEvent] = []
    seen: set[int] = set()
    q = (select(ac.ack_id, ac.line, ac.source, ac.outcome, ac.new_status, ac.message,
                ac.status_date, ak.kind, ak.created_at, ak.created_by)
         .join(t.ack, ak.id == ac.ack_id).where(ac.claim_id == claim.id).order_by(ac.id))
    for ack_id, line, source, outcome, new, msg, sdate, kind, at, user in session.execute(q):
        seen.add(ack_id)
        what = {"accepted": "accepted", "rejected": "rejected", "not_found": "not found"}.get(
            outcome, outcome)
        event = f"{'line ' + line + ' ' if line else ''}{what} ({kind} ack {ack_id})"
        dated = f"; dated {sdate.isoformat()}" if sdate else ""
        src = kind if source in ("999", "ta1") else f"{kind} {source}"
        out.append(HistoryEvent(_aware(at), event, src, new, msg + dated, user))
    if claim.batch_id is not None:
        q2 = select(ak.id, ak.kind, ak.summary, ak.created_at, ak.created_by).where(
            ak.answers_batch_id == claim.batch_id)
        for ack_id, kind, summary, at, user in session.execute(q2):
            if ack_id not in seen:
                out.append(HistoryEvent(_aware(at),
                                        f"interchange acknowledged ({kind} ack {ack_id})",
                                        kind, None, summary, user))
    return out


def _from_eras(session: Session, claim: Any) -> list[HistoryEvent]:
    ec, e = t.era_claim.c, t.era.c
    q = (select(ec.outcome, ec.status_code, ec.paid_cents, ec.charge_cents, ec.payer_claim_number,
                e.id, e.trace_number, e.posted_on, e.created_at, e.created_by)
         .join(t.era, e.id == ec.era_id).where(ec.claim_id == claim.id).order_by(ec.id))
    out: list[HistoryEvent] = []
    for outcome, code, paid, charge, icn, era_id, trace, posted, at, user in session.execute(q):
        detail = (f"CLP02 {code}, paid {fmt(paid)} of {fmt(charge)}, payer claim {icn or '-'}, "
                  f"ERA {era_id} trace {trace}, posted on {posted.isoformat()}")
        status = {"paid": "paid", "partial": "paid", "denied": "denied"}.get(outcome)
        out.append(HistoryEvent(_aware(at), f"{outcome} (835)", "835", status, detail, user))
    return out


def _resubmissions(session: Session, claim: Any) -> list[HistoryEvent]:
    c = t.claim.c
    out: list[HistoryEvent] = []
    q = select(c.id, c.pcn, c.frequency, c.created_at, c.created_by).where(
        c.original_claim_id == claim.id)
    for cid, pcn, freq, at, user in session.execute(q.order_by(c.id)):
        what = {"7": "replaced", "8": "voided"}.get(freq, "resubmitted")
        out.append(HistoryEvent(_aware(at), f"{what} by claim {cid}", "medbill", None,
                                f"claim {cid} ({pcn}), frequency {freq}", user))
    return out


def claim_history(*, session: Session,
                  claim_id: str | int) -> tuple[dict[str, Any], list[HistoryEvent]]:
    """The claim (id, pcn, status now) and every event of its story, oldest first.

    Raises:
        NotFoundError: no claim with that id or patient control number (exit 3).
    """
    claim = find_claim(session, claim_id)
    replaces = f"; replaces claim {claim.original_claim_id}" if claim.original_claim_id else ""
    events = [HistoryEvent(_aware(claim.created_at), "generated", "medbill", "draft",
                           f"total {fmt(claim.total_cents)}, frequency {claim.frequency}{replaces}",
                           claim.created_by)]
    events += _from_audit(session, claim.pcn)
    events += _from_acks(session, claim)
    events += _from_eras(session, claim)
    events += _resubmissions(session, claim)
    events.sort(key=lambda e: e.at)
    head = {"id": claim.id, "pcn": claim.pcn, "status": claim.status,
            "payer_claim_number": claim.payer_claim_number, "batch": claim.batch_id}
    return head, events
