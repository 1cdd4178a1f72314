"""Claims and batches for the commands that list and show them."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from medbill_cli.db import tables as t
from medbill_cli.db.models.claims import Batch
from medbill_cli.errors import InputError, NotFoundError
from medbill_cli.money import fmt
from medbill_cli.services.claims import store
from medbill_cli.status import ClaimStatus, parse_status
from medbill_cli.x12.claim_map import ClaimRecord

PAYER_SEQUENCES = ("primary", "secondary", "tertiary")


def list_claims(*, session: Session, status: str | None = None,
                limit: int | None = None, payer_sequence: str | None = None) -> list[ClaimRecord]:
    """Claims in id order, of one status (a ``ClaimStatus`` name) or all, and to one payer
    sequence (the priority of the claim's coverage) or any."""
    where: Any = t.claim.c.id.is_not(None)
    if status:
        where = t.claim.c.status == parse_status(ClaimStatus, status).value
    if payer_sequence:
        seq = payer_sequence.strip().lower()
        if seq not in PAYER_SEQUENCES:
            raise InputError(f"Unknown payer sequence '{payer_sequence}'",
                             "Use --payer-sequence primary, secondary or tertiary")
        where = where & t.claim.c.coverage_id.in_(
            select(t.coverage.c.id).where(t.coverage.c.priority == seq))
    return store.claims_where(session, where, limit=limit)


def claim_detail(*, session: Session, claim: ClaimRecord) -> dict[str, Any]:
    """A claim with its lines and findings, ready for output."""
    patient = store.patients(session, [claim.patient_id]).get(claim.patient_id)
    payer = store.payers(session, [claim.payer_id]).get(claim.payer_id or 0)
    prov = store.providers(session, [claim.provider_id]).get(claim.provider_id or 0)
    lines = store.load_lines(session, [claim.id]).get(claim.id, [])
    f = t.claim_finding.c
    findings = session.execute(select(f.edit, f.severity, f.line, f.message, f.fix)
                               .where(f.claim_id == claim.id).order_by(f.id))
    return {
        "id": claim.id, "pcn": claim.pcn, "status": claim.status.value,
        "patient": patient.account if patient else None,
        "payer": payer.payer_id if payer else None, "provider": prov.npi if prov else None,
        "pos": claim.pos, "frequency": claim.frequency, "original_claim": claim.original_claim_id,
        "payer_claim_number": claim.payer_claim_number, "total": fmt(claim.total_cents),
        "first_dos": claim.first_dos, "last_dos": claim.last_dos,
        "diagnoses": claim.diagnoses.split(), "batch": claim.batch_id,
        "submitted_at": claim.submitted_at,
        "lines": [{"line": ln.line_number, "charge": ln.charge_id, "date": ln.date_of_service,
                   "code": ln.code, "modifiers": ln.modifiers, "units": ln.units,
                   "amount": fmt(ln.amount_cents), "dx_pointers": ln.dx_pointers}
                  for ln in lines],
        "findings": [dict(r._mapping) for r in findings],
        "other_payers": _other_payers(session, claim),
    }


def _other_payers(session: Session, claim: ClaimRecord) -> list[dict[str, Any]]:
    """The other payers the claim carries (2320), with the adjudication of those that have
    answered its charges."""
    from medbill_cli.services.claims import cob

    lines = store.load_lines(session, [claim.id])
    return [cob.describe(o) for o in cob.other_payers(session, [claim], lines).get(claim.id, ())]


def claim_rows(*, session: Session, claims: Sequence[ClaimRecord]) -> list[dict[str, Any]]:
    """One listing row per claim; a rejected claim's reason, in words, from its latest
    acknowledgment (None for the others)."""
    from medbill_cli.services.acks import rejection_reasons

    pats = store.patients(session, (c.patient_id for c in claims))
    pays = store.payers(session, (c.payer_id for c in claims))
    why = rejection_reasons(session, [c.id for c in claims if c.status is ClaimStatus.REJECTED])
    return [{"id": c.id, "pcn": c.pcn, "status": c.status.value,
             "patient": pats[c.patient_id].account if c.patient_id in pats else None,
             "payer": pays[c.payer_id].payer_id if c.payer_id in pays else None,
             "first_dos": c.first_dos, "total": fmt(c.total_cents), "frequency": c.frequency,
             "batch": c.batch_id, "reason": why[c.id][0] if c.id in why else None}
            for c in claims]


def list_batches(*, session: Session) -> list[Batch]:
    return list(session.exec(orm_select(Batch).order_by(col(Batch.id))).all())


def get_batch(*, session: Session, batch_id: int) -> Batch:
    b = session.get(Batch, batch_id)
    if b is None:
        raise NotFoundError(f"No batch {batch_id}", "See medbill claim batch list")
    return b


def batch_bytes(batch: Batch) -> bytes:
    """The batch file exactly as it was written."""
    if batch.content is None:
        raise NotFoundError(f"Batch {batch.id} has no stored content",
                            "It was recorded without its file")
    data = (zlib.decompress(batch.content) if batch.content_encoding == "zlib"
            else bytes(batch.content))
    if hashlib.sha256(data).hexdigest() != batch.file_hash:
        raise InputError(f"Batch {batch.id} content does not match its recorded hash",
                         "The stored batch was altered; check medbill audit verify")
    return data


def batch_row(b: Batch) -> dict[str, Any]:
    return {"id": b.id, "format": b.format, "control_number": b.isa_control,
            "claims": b.claim_count, "total": fmt(b.total_cents), "size": b.size,
            "sha256": b.file_hash, "file": b.file_name, "created_at": b.created_at,
            "created_by": b.created_by}
