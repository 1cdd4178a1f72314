"""Importing acknowledgments (TA1, 999, 277CA) and claim status answers (277), and listing them.

One file posts in one transaction, or nothing does. A file is refused when it was imported
before (same SHA-256, or same kind, sender and interchange control number), when a TA1 or
999 answers an interchange or group medbill never sent, or when it cannot be read.

What moves a claim (each move through ``status.check_transition``, each one audited):

- TA1 with TA104 R: every claim of the interchange is rejected, with the note code in words.
- 999: IK5 A or E: the transaction set's claims are accepted (E's errors are kept); R, M, W
  or X: they are rejected, and each IK3/IK4 is stored with its codes in words.
- 277CA / 277: per claim (TRN02 = CLM01): A1/A2 accepted (by the clearinghouse, or by the
  payer when the source is NM1*PR), A3/A6/A7/A8 rejected, A4 not found (no move). REF*1K is
  stored as the claim's payer claim number. Categories the transaction does not allow are kept
  and flagged, and move nothing.

A claim that has been adjudicated (paid, denied, crossed over), closed or rebuilt keeps its
status: the answer is recorded in its history only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from medbill_cli.db import tables as t
from medbill_cli.db.dialect import insert_many
from medbill_cli.db.models._base import utcnow
from medbill_cli.db.query import chunks
from medbill_cli.errors import DuplicateError, InputError, NotFoundError
from medbill_cli.services import audit
from medbill_cli.status import ClaimStatus, check_transition
from medbill_cli.x12 import ack as x
from medbill_cli.x12.ack_codes import status_words, words

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    Executor = Session | Connection

# What an STC category says of a claim. Categories not listed are flagged (277CA) or kept as
# information (277, whose F/P/R/E families are the payer's own progress).
CATEGORY_OUTCOME = {
    "A0": "forwarded", "A1": "accepted", "A2": "accepted", "A3": "rejected", "A4": "not_found",
    "A5": "info", "A6": "rejected", "A7": "rejected", "A8": "rejected",
}
STATUS_277_FAMILIES = {"D": "not_found", "E": "info", "F": "info", "P": "pending", "R": "pending"}
_RANK = ("rejected", "not_found", "accepted", "forwarded", "pending", "info", "unknown")
IK5_OUTCOME = {"A": "accepted", "E": "accepted", "R": "rejected", "M": "rejected",
               "W": "rejected", "X": "rejected"}
MOVES = {"accepted": ClaimStatus.ACCEPTED, "rejected": ClaimStatus.REJECTED}
# Statuses an acknowledgment may move a claim from.
ANSWERABLE = frozenset({ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, ClaimStatus.REJECTED})


@dataclass
class Event:
    """What the file says of one claim (or one of its lines)."""

    pcn: str
    source: str
    outcome: str
    message: str
    claim_id: int | None = None
    line: str | None = None
    category: str = ""
    status_code: str = ""
    entity_code: str = ""
    status_date: Any = None
    payer_claim_number: str = ""
    flagged: bool = False
    previous_status: str | None = None
    new_status: str | None = None


@dataclass
class ImportResult:
    ack_id: int
    kind: str
    events: list[Event]
    errors: list[dict[str, Any]]
    summary: str
    warnings: list[str] = field(default_factory=list)

    @property
    def claim_events(self) -> list[Event]:
        return [e for e in self.events if e.line is None]

    @property
    def unmatched(self) -> list[Event]:
        return [e for e in self.events if e.outcome == "unmatched"]

    @property
    def flagged(self) -> list[Event]:
        return [e for e in self.events if e.flagged]


@dataclass
class _Claim:
    id: int
    pcn: str
    status: str
    payer_claim_number: str | None


# --------------------------------------------------------------------------- matching


def _claims_by_pcn(session: Session, pcns: Sequence[str]) -> dict[str, _Claim]:
    c = t.claim.c
    out: dict[str, _Claim] = {}
    for part in chunks(sorted(set(pcns))):
        q = select(c.id, c.pcn, c.status, c.payer_claim_number).where(c.pcn.in_(list(part)))
        for cid, pcn, status, pcn_no in session.execute(q):
            out[pcn] = _Claim(cid, pcn, status, pcn_no)
    return out


def _claims_of_batch(session: Session, batch_id: int) -> list[_Claim]:
    c = t.claim.c
    q = (select(c.id, c.pcn, c.status, c.payer_claim_number).where(c.batch_id == batch_id)
         .order_by(c.id))
    return [_Claim(*row) for row in session.execute(q)]


def _batch_by(session: Session, column: str, value: int) -> Any | None:
    b = t.batch.c
    q = select(b.id, b.st_control, b.gs_control).where(b[column] == value, b.format == "x12")
    return session.execute(q).first()


def _number(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{what} '{value}' is not a control number medbill writes",
                         "Check the file answers a batch exported by medbill") from None


# --------------------------------------------------------------------------- per kind


def _ta1_events(session: Session, f: x.AckFile) -> tuple[list[Event], int | None]:
    events: list[Event] = []
    batch_id: int | None = None
    for ta in f.ta1:
        batch = _batch_by(session, "isa_control", ta.control)
        if batch is None:
            raise InputError(f"The TA1 answers interchange {ta.control}, which medbill never sent",
                             "Check the file is meant for this practice's database")
        batch_id = batch_id or batch.id
        if ta.code != "R":
            continue
        msg = f"TA1 {ta.code}: interchange rejected; note {words('ta1', ta.note)}"
        events += [Event(c.pcn, "ta1", "rejected", msg, claim_id=c.id, category=ta.code[:3],
                         status_code=ta.note[:8]) for c in _claims_of_batch(session, batch.id)]
    return events, batch_id


def _errors_words(tx: x.TransactionAck) -> list[str]:
    out: list[str] = []
    for se in tx.errors:
        where = f"{se.segment_id} at position {se.position}"
        where += f" in loop {se.loop}" if se.loop else ""
        text = f"{where}: {words('ik3', se.code)}"
        for el in se.elements:
            text += f"; element {el.position} ({el.reference}): {words('ik4', el.code)}"
            if el.value:
                text += f" '{el.value}'"
        out.append(text)
    return out


def _error_rows(tx: x.TransactionAck) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for se in tx.errors:
        base = {"st_control": tx.control[:9], "segment_id": se.segment_id[:3],
                "position": se.position[:10], "loop": se.loop[:6], "segment_code": se.code[:3]}
        seg_msg = words("ik3", se.code)
        for el in se.elements or (None,):
            row = dict(base, element="", element_ref="", element_code="", bad_value="",
                       message=seg_msg)
            if el is not None:
                row.update(element=el.position[:12], element_ref=el.reference[:6],
                           element_code=el.code[:3], bad_value=el.value,
                           message=f"{seg_msg}; {words('ik4', el.code)}")
            rows.append(row)
    return rows


def _tx_event_fields(tx: x.TransactionAck) -> tuple[str, str, bool]:
    outcome = IK5_OUTCOME.get(tx.code, "unknown")
    head = f"999 IK5 {words('ik5', tx.code)}"
    if tx.reasons:
        head += " (" + ", ".join(words("ik5", r) for r in tx.reasons) + ")"
    details = _errors_words(tx)
    return outcome, "; ".join([head, *details]) if details else head, outcome == "unknown"


def _999_events(session: Session, f: x.AckFile,
                ) -> tuple[list[Event], list[dict[str, Any]], int | None]:
    events: list[Event] = []
    errors: list[dict[str, Any]] = []
    batch_id: int | None = None
    for g in f.groups:
        batch = _batch_by(session, "gs_control", _number(g.group_control, "AK102"))
        if batch is None:
            raise InputError(f"The 999 answers group GS06 {g.group_control}, which medbill never "
                             "sent", "Check the file is meant for this practice's database")
        batch_id = batch_id or batch.id
        claims = _claims_of_batch(session, batch.id)
        txs = g.transactions or (x.TransactionAck("837", str(batch.st_control), g.code, ()),)
        for tx in txs:
            if _number(tx.control, "AK202") != batch.st_control:
                raise InputError(f"The 999 answers transaction set {tx.control} of group "
                                 f"{g.group_control}, which medbill never sent",
                                 "Check the file is meant for this practice's database")
            outcome, msg, flagged = _tx_event_fields(tx)
            errors += _error_rows(tx)
            events += [Event(c.pcn, "999", outcome, msg, claim_id=c.id, category=tx.code[:3],
                             status_code=" ".join(tx.reasons)[:8], flagged=flagged)
                       for c in claims]
    return events, errors, batch_id


def _outcome(kind: str, st: x.Status) -> tuple[str, bool]:
    """What one STC composite says, and whether the transaction allows its category."""
    cat = st.category
    if cat in CATEGORY_OUTCOME:
        return CATEGORY_OUTCOME[cat], False
    if kind == x.K277 and cat[:1] in STATUS_277_FAMILIES:
        return STATUS_277_FAMILIES[cat[:1]], False
    return "unknown", True


def _judge(kind: str, statuses: Sequence[x.Status]) -> tuple[str, x.Status | None, bool]:
    """The claim's outcome (the gravest of its composites), the composite that decided it, and
    whether any composite was flagged."""
    best: tuple[int, str, x.Status | None] = (len(_RANK), "unknown", None)
    flagged = False
    for st in statuses:
        outcome, flag = _outcome(kind, st)
        flagged = flagged or flag
        rank = _RANK.index(outcome)
        if rank < best[0]:
            best = (rank, outcome, st)
    return best[1], best[2], flagged or not statuses


def _statuses_words(statuses: Sequence[x.Status]) -> str:
    return " | ".join(status_words(s.category, s.code, s.entity) for s in statuses) or "no STC"


def _277_events(session: Session, f: x.AckFile) -> list[Event]:
    known = _claims_by_pcn(session, [c.trace for c in f.claims] +
                           [c.patient_control for c in f.claims])
    events: list[Event] = []
    for cs in f.claims:
        claim = known.get(cs.trace) or known.get(cs.patient_control)
        outcome, decisive, flagged = _judge(f.kind, cs.statuses)
        st = decisive or (cs.statuses[0] if cs.statuses else None)
        ev = Event(claim.pcn if claim else cs.trace, cs.source, outcome,
                   f"{f.kind} from the {cs.source}: {_statuses_words(cs.statuses)}",
                   claim_id=claim.id if claim else None,
                   category=st.category[:3] if st else "", status_code=st.code[:8] if st else "",
                   entity_code=st.entity[:3] if st else "", status_date=st.date if st else None,
                   payer_claim_number=cs.payer_claim_number[:50], flagged=flagged)
        if claim is None:
            ev.outcome = "unmatched"
            ev.message = f"no claim {cs.trace[:38]} in medbill; " + ev.message
        events.append(ev)
        for ln in cs.lines:
            lo, ldec, lflag = _judge(f.kind, ln.statuses)
            lst = ldec or (ln.statuses[0] if ln.statuses else None)
            events.append(Event(
                ev.pcn, cs.source, lo, f"line {ln.line_ref or '?'} {ln.procedure}: "
                f"{_statuses_words(ln.statuses)}", claim_id=ev.claim_id,
                line=(ln.line_ref or ln.procedure)[:30], category=lst.category[:3] if lst else "",
                status_code=lst.code[:8] if lst else "", entity_code=lst.entity[:3] if lst else "",
                status_date=lst.date if lst else None, flagged=lflag))
    return events


# --------------------------------------------------------------------------- posting


def _refuse_duplicate(session: Session, f: x.AckFile, sha: str) -> None:
    a = t.ack.c
    same = (a.kind == f.kind) & (a.sender_id == f.sender_id[:15]) & (a.isa_control == f.control)
    q = select(a.id).where((a.file_hash == sha) | same)
    row = session.execute(q).first()
    if row is not None:
        raise DuplicateError(f"This file was imported already (ack {row[0]}, interchange "
                             f"{f.control})",
                             "See medbill ack show " + str(row[0]))


def _plan_moves(session: Session, events: list[Event],
                warnings: list[str]) -> dict[int, tuple[str, str, Event]]:
    """claim id -> (old status, new status, deciding event) for the claims that move."""
    ids = sorted({e.claim_id for e in events if e.claim_id is not None})
    current: dict[int, str] = {}
    c = t.claim.c
    for part in chunks(ids):
        q = select(c.id, c.status).where(c.id.in_(list(part)))
        current.update({cid: status for cid, status in session.execute(q)})
    moves: dict[int, tuple[str, str, Event]] = {}
    status_now = dict(current)
    for e in events:
        if e.claim_id is None or e.line is not None:
            continue
        e.previous_status = status_now[e.claim_id]
        target = MOVES.get(e.outcome)
        if target is None or e.flagged:
            continue
        cur = ClaimStatus(status_now[e.claim_id])
        if cur not in ANSWERABLE:
            if cur not in (ClaimStatus.PAID, ClaimStatus.DENIED, ClaimStatus.CROSSED_OVER,
                           ClaimStatus.CLOSED, ClaimStatus.REBUILT):
                warnings.append(f"claim {e.pcn} is {cur.value}, not sent: its {e.outcome} answer "
                                "is recorded only")
            continue
        if cur == target:
            continue  # already there (a 277CA accepting what the 999 accepted): no move
        check_transition(cur, target, record=e.pcn)
        e.new_status = target.value
        status_now[e.claim_id] = target.value
        moves[e.claim_id] = (current[e.claim_id], target.value, e)
    return moves


def _ack_row(f: x.AckFile, sha: str, file_name: str | None, user: str, batch_id: int | None,
             events: list[Event], summary: str) -> dict[str, Any]:
    claim_level = [e for e in events if e.line is None]
    return {"kind": f.kind, "sender_id": f.sender_id[:15], "receiver_id": f.receiver_id[:15],
            "isa_control": f.control, "group_controls": " ".join(f.group_controls)[:200],
            "answers_batch_id": batch_id, "file_hash": sha, "file_name": file_name,
            "file_date": f.date, "claim_count": len(claim_level),
            "accepted_count": sum(e.outcome == "accepted" for e in claim_level),
            "rejected_count": sum(e.outcome == "rejected" for e in claim_level),
            "unmatched_count": sum(e.outcome == "unmatched" for e in claim_level),
            "flagged_count": sum(e.flagged for e in events), "summary": summary,
            "created_at": utcnow(), "created_by": user}


def _summary(f: x.AckFile, events: list[Event]) -> str:
    counts: dict[str, int] = {}
    for e in events:
        if e.line is None:
            counts[e.outcome] = counts.get(e.outcome, 0) + 1
    parts = [f"{n} {k}" for k, n in sorted(counts.items())]
    ta1 = [f"TA1 {ta.code} ({words('ta1', ta.note)})" for ta in f.ta1]
    groups = [f"AK9 {g.code} ({g.counts[2]} of {g.counts[0]} accepted)" for g in f.groups]
    return "; ".join(ta1 + groups + [", ".join(parts) or "no claims"])


def _payer_numbers(session: Session, events: list[Event]) -> dict[int, tuple[str | None, str]]:
    """Store each claim's REF*1K; returns claim id -> (old, new) for the numbers that changed."""
    c = t.claim.c
    latest: dict[int, Event] = {}
    for e in events:
        if e.claim_id is not None and e.line is None and e.payer_claim_number:
            latest[e.claim_id] = e
    if not latest:
        return {}
    old: dict[int, str | None] = {}
    for part in chunks(sorted(latest)):
        old.update(dict(session.execute(select(c.id, c.payer_claim_number)
                                        .where(c.id.in_(list(part)))).all()))
    changed = [(cid, e) for cid, e in latest.items() if old.get(cid) != e.payer_claim_number]
    if not changed:
        return {}
    stmt = (update(t.claim).where(c.id == bindparam("b_id"))
            .values(payer_claim_number=bindparam("b_number")))
    params = [{"b_id": cid, "b_number": e.payer_claim_number} for cid, e in changed]
    for batch in chunks(params, 2000):
        session.execute(stmt, list(batch))
    return {cid: (old.get(cid), e.payer_claim_number) for cid, e in changed}


def _claim_audit(ack_id: int, events: list[Event], moves: dict[int, tuple[str, str, Event]],
                 numbers: dict[int, tuple[str | None, str]]) -> list[audit.AuditEntry]:
    """One audit row per claim the file changed: its status, its payer claim number, or both."""
    pcns = {e.claim_id: e.pcn for e in events if e.claim_id is not None}
    out: list[audit.AuditEntry] = []
    for cid in sorted(set(moves) | set(numbers)):
        before: dict[str, Any] = {}
        after: dict[str, Any] = {"ack": ack_id}
        if cid in moves:
            old, new, e = moves[cid]
            before["status"] = old
            after.update(status=new, source=e.source, reason=e.message[:500])
        if cid in numbers:
            before["payer_claim_number"], after["payer_claim_number"] = numbers[cid]
        out.append(("ack", "claim", pcns[cid], before, after))
    return out


def import_ack(*, session: Session, user: str, data: bytes,
               file_name: str | None = None) -> ImportResult:
    """Read an acknowledgment file and post what it says, in the caller's transaction.

    Args:
        session: the command's session (committed by the caller).
        user: who imports, for the audit trail.
        data: the file's bytes.
        file_name: its name, for the record.

    Returns:
        The new ack's id, every event (per claim and per line), the 999 errors and a summary.

    Raises:
        InputError: unreadable, truncated, a duplicate, or answering a batch never sent (exit 3).
    """
    f = x.read_ack(data)
    sha = hashlib.sha256(data).hexdigest()
    _refuse_duplicate(session, f, sha)
    ta1_events, batch_id = _ta1_events(session, f)
    errors: list[dict[str, Any]] = []
    events: list[Event] = []
    if f.kind == x.K999:
        events, errors, b999 = _999_events(session, f)
        batch_id = batch_id or b999
    elif f.kind in (x.K277CA, x.K277):
        events = _277_events(session, f)
    # A TA1 rejecting the interchange has the last word over a 999 in the same file.
    events += ta1_events
    warnings: list[str] = []
    moves = _plan_moves(session, events, warnings)
    summary = _summary(f, events)
    row = _ack_row(f, sha, file_name, user, batch_id, events, summary)
    ack_id = insert_many(session, t.ack, [row], ids=True)[0]
    now = row["created_at"]
    insert_many(session, t.ack_claim, [
        {"ack_id": ack_id, "claim_id": e.claim_id, "pcn": e.pcn[:38], "line": e.line,
         "source": e.source, "category": e.category, "status_code": e.status_code,
         "entity_code": e.entity_code, "outcome": e.outcome, "message": e.message,
         "status_date": e.status_date, "payer_claim_number": e.payer_claim_number,
         "flagged": e.flagged, "previous_status": e.previous_status, "new_status": e.new_status,
         "created_at": now} for e in events])
    insert_many(session, t.ack_error, [dict(r, ack_id=ack_id) for r in errors])
    by_new: dict[str, list[int]] = {}
    for cid, (_old, new, _e) in moves.items():
        by_new.setdefault(new, []).append(cid)
    c = t.claim.c
    for new, ids in by_new.items():
        for part in chunks(ids):
            session.execute(update(t.claim).where(c.id.in_(list(part))).values(status=new))
    entries: list[audit.AuditEntry] = [("import", "ack", ack_id, None, {
        k: v for k, v in row.items() if k not in ("created_at",)})]
    entries += _claim_audit(ack_id, events, moves, _payer_numbers(session, events))
    audit.record_many(session=session, user=user, entries=entries)
    return ImportResult(ack_id, f.kind, events, errors, summary, warnings)


# --------------------------------------------------------------------------- reading


def ack_public(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "sender": row.sender_id, "control": row.isa_control,
            "batch": row.answers_batch_id, "claims": row.claim_count,
            "accepted": row.accepted_count, "rejected": row.rejected_count,
            "unmatched": row.unmatched_count, "flagged": row.flagged_count,
            "summary": row.summary, "file": row.file_name, "file_date": row.file_date,
            "imported_at": row.created_at, "imported_by": row.created_by}


def list_acks(*, session: Session, limit: int | None = None) -> list[dict[str, Any]]:
    q = select(t.ack).order_by(t.ack.c.id.desc())
    if limit:
        q = q.limit(limit)
    return [ack_public(r) for r in session.execute(q)]


def event_public(r: Any) -> dict[str, Any]:
    return {"claim": r.claim_id, "pcn": r.pcn, "line": r.line, "source": r.source,
            "category": r.category, "status_code": r.status_code, "entity": r.entity_code,
            "outcome": r.outcome, "flagged": r.flagged, "status_date": r.status_date,
            "payer_claim_number": r.payer_claim_number or None,
            "previous_status": r.previous_status, "new_status": r.new_status,
            "message": r.message}


def get_ack(*, session: Session, ack_id: int) -> dict[str, Any]:
    """One ack with what it said of each claim and line, and its 999 errors."""
    row = session.execute(select(t.ack).where(t.ack.c.id == ack_id)).first()
    if row is None:
        raise NotFoundError(f"No ack {ack_id}", "See medbill ack list")
    rec = ack_public(row)
    ac = t.ack_claim.c
    rec["claim_answers"] = [event_public(r) for r in session.execute(
        select(t.ack_claim).where(ac.ack_id == ack_id).order_by(ac.id))]
    ae = t.ack_error.c
    rec["errors"] = [{"st_control": r.st_control, "segment": r.segment_id, "position": r.position,
                      "loop": r.loop, "segment_code": r.segment_code, "element": r.element,
                      "element_ref": r.element_ref, "element_code": r.element_code,
                      "bad_value": r.bad_value, "message": r.message}
                     for r in session.execute(select(t.ack_error).where(ae.ack_id == ack_id)
                                              .order_by(ae.id))]
    return rec


def rejection_reasons(session: Executor, claim_ids: Sequence[int]) -> dict[int, tuple[str, Any]]:
    """Each claim's latest rejection: (the reason in words, when it was imported)."""
    ac, ak = t.ack_claim.c, t.ack.c
    out: dict[int, tuple[str, Any]] = {}
    for part in chunks(list(claim_ids)):
        q = (select(ac.claim_id, ac.message, ak.created_at).join(t.ack, ak.id == ac.ack_id)
             .where(ac.claim_id.in_(list(part)), ac.outcome == "rejected", ac.line.is_(None))
             .order_by(ac.id))
        for cid, msg, at in session.execute(q):
            out[cid] = (msg, at)
    return out
