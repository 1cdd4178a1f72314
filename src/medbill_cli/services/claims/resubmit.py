"""Replacement (frequency 7) and void (8) claims: the original becomes ``closed``."""

from __future__ import annotations

from sqlmodel import Session

from medbill_cli.db.models.claims import Claim, ClaimLine
from medbill_cli.errors import InputError
from medbill_cli.services import audit, counters
from medbill_cli.services.claims import store
from medbill_cli.status import ClaimStatus, check_transition
from medbill_cli.x12.claim_map import ClaimRecord


def resubmit_claim(
    *, session: Session, user: str, claim_id: str | int, frequency: str,
    payer_claim_number: str | None = None,
) -> ClaimRecord:
    """A replacement (7) or void (8) of a sent claim: a new claim with the same lines.

    The new claim carries CLM05-3 and REF*F8 (the payer's claim number: the one given, else
    the latest posted 835's CLP07, else the 277CA's REF*1K) and starts as ``draft``
    (scrub it, then export). The original becomes ``closed``.

    Raises:
        InputError: a bad frequency, no payer claim number, or a claim that was never sent or
            is closed already (``status.TransitionError``, naming both statuses).
    """
    if frequency not in ("7", "8"):
        raise InputError(f"Frequency '{frequency}' is not 7 (replacement) or 8 (void)",
                         "Use --frequency 7 or 8")
    rec = store.get_claim(session=session, claim_id=claim_id)
    if rec.status is ClaimStatus.CLOSED:
        raise InputError(f"Claim {rec.id} is closed already; it was replaced or voided",
                         "Resubmit the claim that replaced it")
    check_transition(rec.status, ClaimStatus.CLOSED, record=rec.id)
    from medbill_cli.services.corrections import payer_claim_number as known_number

    number = payer_claim_number or known_number(session, rec.id)
    if not number:
        raise InputError(f"Claim {rec.pcn} has no payer claim number: no posted 835 (CLP07) or "
                         "277CA (REF*1K) gives one",
                         "Give --payer-claim-number from the payer's remittance or claim status")
    orig = session.get(Claim, rec.id)
    assert orig is not None
    lines = store.load_lines(session, [rec.id]).get(rec.id, [])
    seq = counters.next_numbers(session, counters.PCN_KEY, 1)
    new = Claim(pcn=store.pcn(seq), patient_id=orig.patient_id, coverage_id=orig.coverage_id,
                payer_id=orig.payer_id, provider_id=orig.provider_id,
                facility_id=orig.facility_id, pos=orig.pos, status=ClaimStatus.DRAFT.value,
                frequency=frequency, original_claim_id=orig.id,
                payer_claim_number=number.strip().upper(), total_cents=orig.total_cents,
                diagnoses=orig.diagnoses, first_dos=orig.first_dos, last_dos=orig.last_dos,
                created_by=user)
    session.add(new)
    session.flush()
    assert new.id is not None
    session.add_all([ClaimLine(claim_id=new.id, line_number=ln.line_number,
                               charge_id=ln.charge_id, dx_pointers=ln.dx_pointers)
                     for ln in lines])
    before = audit.snapshot(orig)
    orig.status = ClaimStatus.CLOSED.value
    session.add(orig)
    session.flush()
    audit.record_many(session=session, user=user, entries=[
        ("create", "claim", new.pcn, None, audit.snapshot(new)),
        ("close", "claim", orig.pcn, before, audit.snapshot(orig)),
    ])
    return store.claim_record(session, new.id)
