"""Unbilled charges -> draft claims (the rules are in ``plan``; this loads and writes)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from medbill_cli.db import tables as t
from medbill_cli.db.dialect import for_update, insert_many
from medbill_cli.db.models._base import utcnow
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError
from medbill_cli.services import audit, counters, ledger
from medbill_cli.services.claims import cob, store
from medbill_cli.services.claims.plan import Plan, PlannedClaim, UnbilledCharge, plan_claims
from medbill_cli.status import ChargeStatus, ClaimStatus, check_transitions
from medbill_cli.x12.claim_map import ClaimRecord


@dataclass(frozen=True)
class GenerateResult:
    claims: tuple[ClaimRecord, ...]
    skipped_no_coverage: int = 0


def _unbilled(session: Session, through: dt.date | None,
              account: str | None) -> list[UnbilledCharge]:
    ch = t.charge.c
    q = select(ch.id, ch.encounter_id, ch.patient_id, ch.date_of_service, ch.provider_id, ch.pos,
               ch.amount_cents, ch.dx_pointers).where(ch.status == ChargeStatus.UNBILLED.value)
    if through is not None:
        q = q.where(ch.date_of_service <= through)
    if account is not None:
        q = q.where(ch.patient_id == store.patient_id_of(session, account))
    q = q.order_by(ch.patient_id, ch.date_of_service, ch.id)
    # Two billers generating at once: the second waits, then sees these charges billed.
    return [UnbilledCharge(*row) for row in session.execute(for_update(session, q))]


def _plan(session: Session, charges: Sequence[UnbilledCharge]) -> Plan:
    e, d = t.encounter.c, t.encounter_diagnosis.c
    encounter_ids = sorted({c.encounter_id for c in charges})
    enc_provider: dict[int, int | None] = {}
    enc_facility: dict[int, int | None] = {}
    enc_fields: dict[int, tuple[object, ...]] = {}
    dx_by_enc: dict[int, dict[int, str]] = defaultdict(dict)
    for part in chunks(encounter_ids):
        for enc_id, prov_id, fac_id, *fields in session.execute(
                select(e.id, e.provider_id, e.facility_id, *store.visit_columns())
                .where(e.id.in_(part))):
            enc_provider[enc_id] = prov_id
            enc_facility[enc_id] = fac_id
            enc_fields[enc_id] = tuple(fields)
        for enc_id, seq, code in session.execute(select(d.encounter_id, d.seq, d.code)
                                                 .where(d.encounter_id.in_(part))):
            dx_by_enc[enc_id][seq] = code
    covs = store.coverages_of(session, [c.patient_id for c in charges])
    return plan_claims(charges, coverages=covs, encounter_provider=enc_provider,
                       dx_by_encounter=dx_by_enc, encounter_facility=enc_facility,
                       encounter_fields=enc_fields)


def _claim_row(p: PlannedClaim, seq: int, user: str, created_at: dt.datetime) -> dict[str, Any]:
    return dict(
        pcn=store.pcn(seq), patient_id=p.patient_id, coverage_id=p.coverage.id,
        payer_id=p.coverage.payer_id, provider_id=p.provider_id, facility_id=p.facility_id,
        pos=p.pos,
        status=ClaimStatus.DRAFT.value, frequency="1", total_cents=p.total_cents,
        diagnoses=" ".join(p.diagnoses), first_dos=p.first_dos, last_dos=p.last_dos,
        created_at=created_at, created_by=user,
    )


def _write(session: Session, user: str, planned: Sequence[PlannedClaim],
           next_payer: bool = False) -> list[int]:
    """Insert the claims and their lines, bill the charges, audit; returns the claim ids.

    ``next_payer``: the claims bill already-billed charges to a later payer (their charges
    stay billed; the ledger moves only what no other payer holds, ``cob.ledger_lines``)."""
    first = counters.next_numbers(session, counters.PCN_KEY, len(planned))
    created_at = utcnow()
    # Plain rows, inserted in bulk: 10,000 ORM objects would cost seconds.
    rows = [_claim_row(p, first + n, user, created_at) for n, p in enumerate(planned)]
    ids = insert_many(session, t.claim, rows, ids=True)
    line_rows: list[dict[str, Any]] = []
    entries: list[audit.AuditEntry] = []
    for row, cid, p in zip(rows, ids, planned, strict=True):
        row["id"] = cid
        line_rows += [{"claim_id": cid, "line_number": i, "charge_id": c.id, "dx_pointers": ptrs}
                      for i, (c, ptrs) in enumerate(zip(p.charges, p.pointers, strict=True), 1)]
        snap = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
        # The claim's charges become billed with it: one entry records both.
        snap["charges_billed"] = [c.id for c in p.charges]
        entries.append(("create", "claim", row["pcn"], None, snap))
    insert_many(session, t.claim_line, line_rows)
    if next_payer:
        audit.record_many(session=session, user=user, entries=entries)
        _bill_ledger(session, user, cob.ledger_lines(session, planned))
        return ids
    billed = [c.id for p in planned for c in p.charges]
    check_transitions(((i, ChargeStatus.UNBILLED) for i in billed), ChargeStatus.BILLED)
    for part in chunks(billed):
        session.execute(update(t.charge).where(t.charge.c.id.in_(part))
                        .values(status=ChargeStatus.BILLED.value))
    audit.record_many(session=session, user=user, entries=entries)
    _bill_ledger(session, user, [(p.coverage.id, [c.id for c in p.charges]) for p in planned])
    return ids


def _bill_ledger(session: Session, user: str, claims: Sequence[tuple[int, list[int]]]) -> None:
    """Move each claim's lines to the coverage it is sent to, where another party holds them
    (a coverage added after charge entry, a later payer's claim). One read of the balances
    first: usually the lines are already with that coverage and nothing is written."""
    held = ledger.line_balances(session, [cid for _, ids in claims for cid in ids])
    for coverage_id, ids in claims:
        if ids and any(p.coverage_id != coverage_id for cid in ids for p in held.get(cid, {})):
            ledger.bill_to(session=session, user=user, charge_ids=ids, coverage_id=coverage_id)


SEQUENCES = ("primary", "secondary", "tertiary")


def generate_claims(
    *, session: Session, user: str, through: dt.date | None = None, account: str | None = None,
    sequence: str | None = None, after_claim: str | None = None,
) -> GenerateResult:
    """Turn unbilled charges into draft claims (their charges become ``billed``), and build
    the later payers' claims that are due (``cob``).

    One claim per patient, payer (the primary coverage on the date of service), rendering
    provider and place of service; at most 50 lines and 12 diagnoses per claim (split beyond).
    A later payer's claim is due once the payer before it has adjudicated a claim and the
    ledger moved a balance to it, unless that payer crossed the claim over.

    Args:
        session: the command's session.
        user: who acts.
        through: only charges with a date of service on or before this date.
        account: only this patient's charges.
        sequence: only claims to this payer sequence (primary, secondary, tertiary).
        after_claim: the next payer's claim (``sequence``, default the next one) for this
            prior claim's charges, checked: refused when that coverage is not in force on the
            date of service, the payer before it has not adjudicated, it crossed the claim
            over, or a claim to that payer exists.

    Returns:
        The new claims, and how many charges were left unbilled for lack of any coverage.
    """
    store.practice(session)
    seq = sequence.strip().lower() if sequence else None
    if seq is not None and seq not in SEQUENCES:
        raise InputError(f"Unknown payer sequence '{sequence}'",
                         "Use --sequence primary, secondary or tertiary")
    if after_claim is not None:
        if seq == "primary":
            raise InputError("--claim builds a later payer's claim, not a primary one",
                             "Use --sequence secondary or tertiary, or leave it out")
        prior = store.get_claim(session=session, claim_id=after_claim)
        planned = cob.plan_after_claim(session, claim=prior, priority=seq)
        ids = _write(session, user, [planned], next_payer=True)
        return GenerateResult(tuple(store.claims_by_ids(session, ids)))
    ids, skipped = [], 0
    if seq in (None, "primary"):
        charges = _unbilled(session, through, account)
        plan = _plan(session, charges) if charges else None
        if plan is not None:
            skipped = plan.skipped_no_coverage
            if plan.claims:
                ids += _write(session, user, plan.claims)
    if seq != "primary":
        later = cob.plan_next_payer(session, account=account,
                                    priorities=(seq,) if seq else SEQUENCES[1:])
        if later:
            ids += _write(session, user, later, next_payer=True)
    return GenerateResult(tuple(store.claims_by_ids(session, ids)), skipped)
