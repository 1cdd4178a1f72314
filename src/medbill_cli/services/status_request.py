"""Claim status requests: a 276 (005010X212) for chosen claims, or every claim sent and not
answered by an 835 for N days. The 277 answer is read by ``services.acks``.

The interchange control number comes from the same counter as the 837P batches, so no two
interchanges medbill sends share an ISA13. Each claim asked about is audited
(``status_request``), which puts the request in its history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError
from medbill_cli.services import audit
from medbill_cli.services.claim_history import find_claim
from medbill_cli.services.counters import reserve_control_number
from medbill_cli.x12 import p276

if TYPE_CHECKING:
    from sqlmodel import Session

ASKABLE = ("submitted", "accepted")  # sent, and not yet answered by an 835 or a rejection


@dataclass(frozen=True)
class StatusRequest:
    text: str
    control: int
    pcns: tuple[str, ...]


def _pick(session: Session, claim_ids: list[str], older_than: int | None,
          today: dt.date) -> list[Any]:
    c = t.claim.c
    if claim_ids:
        rows = [find_claim(session, cid) for cid in claim_ids]
        for r in rows:
            if r.status not in ASKABLE:
                raise InputError(f"Claim {r.id} is {r.status}; only a submitted or accepted claim "
                                 "can be asked about", "Leave it out, or see medbill claim history")
    else:
        rows = list(session.execute(select(t.claim).where(c.status.in_(ASKABLE)).order_by(c.id)))
    if older_than is not None:
        cutoff = today - dt.timedelta(days=older_than)
        rows = [r for r in rows if r.submitted_at is not None and r.submitted_at.date() <= cutoff]
    return rows


def _queries(session: Session, rows: list[Any]) -> list[p276.StatusQuery]:
    p, cov, pay = t.patient.c, t.coverage.c, t.payer.c
    out: list[p276.StatusQuery] = []
    by_id = {r.id: r for r in rows}
    for part in chunks(sorted(by_id)):
        q = (select(t.claim.c.id, p.first_name, p.last_name, p.dob, p.sex, cov.member_id,
                    cov.relationship, cov.subscriber_first_name, cov.subscriber_last_name,
                    cov.subscriber_dob, cov.subscriber_sex, pay.name, pay.payer_id)
             .join(t.patient, p.id == t.claim.c.patient_id)
             .join(t.coverage, cov.id == t.claim.c.coverage_id)
             .join(t.payer, pay.id == t.claim.c.payer_id)
             .where(t.claim.c.id.in_(list(part))))
        for row in session.execute(q):
            cid, first, last, dob, sex, member, rel, sf, sl, sdob, ssex, pname, pid = row
            r = by_id[cid]
            self_ = rel == "self" or not sl
            out.append(p276.StatusQuery(
                pcn=r.pcn, payer_name=pname, payer_id=pid, member_id=member,
                last_name=last if self_ else sl, first_name=first if self_ else (sf or ""),
                dob=dob if self_ else sdob, sex=(sex if self_ else ssex) or "U",
                total_cents=r.total_cents, first_dos=r.first_dos or r.created_at.date(),
                last_dos=r.last_dos or r.first_dos or r.created_at.date(),
                payer_claim_number=r.payer_claim_number))
    found = {q.pcn for q in out}
    missing = [r.id for r in rows if r.pcn not in found]
    if missing:
        raise InputError(f"Claim {missing[0]} has no coverage or payer to ask",
                         "Leave it out of the request")
    return out


def build_status_request(
    *, session: Session, user: str, claim_ids: list[str], older_than: int | None,
    file_name: str, today: dt.date | None = None, now: dt.datetime | None = None,
) -> StatusRequest:
    """The 276 for the chosen claims (or every submitted or accepted claim), recorded.

    Args:
        session: the command's session (committed by the caller after the file is written).
        user: who asks.
        claim_ids: ids or patient control numbers; empty means every claim still waiting.
        older_than: only claims submitted at least this many days ago.
        file_name: where the request goes, for the audit trail.

    Raises:
        InputError: a claim that was not sent or is already answered; no claim to ask about;
            no practice set up (exit 3).
    """
    if older_than is not None and older_than < 0:
        raise InputError(f"--older-than {older_than} is negative",
                         "Give a number of days, 0 or more")
    day = today or dt.date.today()
    rows = _pick(session, claim_ids, older_than, day)
    if not rows:
        raise InputError("No submitted or accepted claim to ask about",
                         "See medbill worklist no-response")
    practice = session.execute(select(t.practice)).first()
    if practice is None:
        raise InputError("The practice is not set up", "Run medbill practice set first")
    queries = _queries(session, rows)
    control = reserve_control_number(session)
    req = p276.Requester(sender_id=practice.submitter_id or practice.tin,
                         receiver_id=practice.receiver_id or "RECEIVER", name=practice.name,
                         npi=practice.npi, control=control,
                         created=(now or dt.datetime.now()).replace(second=0, microsecond=0))
    text = p276.write_276(req, queries)
    audit.record_many(session=session, user=user, entries=[
        ("status_request", "claim", q.pcn, None, {"file": file_name, "control": control})
        for q in sorted(queries, key=lambda q: q.pcn)])
    return StatusRequest(text, control, tuple(q.pcn for q in queries))
