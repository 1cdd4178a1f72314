"""Scrub: build each claim's view (what the edits in ``medbill_cli.scrub`` read), run the edits,
save the findings, and move the claim to ``held`` (an error) or ``ready``.

Reference data (codes, modifiers, MUE, PTP, each by date of service) come through
``services.lookup``, the lookup service charge entry uses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session

from medbill_cli.db import tables as t
from medbill_cli.db.dialect import insert_many
from medbill_cli.db.models._base import utcnow
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError, NotFoundError
from medbill_cli.scrub import checks
from medbill_cli.scrub.view import (
    AuthLine,
    ClaimView,
    CobLine,
    CobPayer,
    DxInfo,
    EligibilityNote,
    Finding,
    LineView,
    ProcInfo,
    PtpInfo,
)
from medbill_cli.services import audit
from medbill_cli.services.claims import auths, cob, store
from medbill_cli.services.claims.plan import find_duplicates, icd_ancestors, is_manifestation
from medbill_cli.services.lookup import PROCEDURE_SYSTEMS, Reference, load_reference
from medbill_cli.status import SCRUBBABLE, ClaimStatus, check_transition
from medbill_cli.x12.claim_map import (
    ClaimRecord,
    CoverageRecord,
    LineRecord,
    OtherPayerRecord,
    PatientRecord,
    PayerRecord,
    PracticeRecord,
    ProviderRecord,
)

_CPT_RE = re.compile(r"^\d{4}[0-9FTU]$")


@dataclass(frozen=True)
class ScrubResult:
    claim: ClaimRecord  # as it was before the scrub
    findings: tuple[Finding, ...]
    status: ClaimStatus  # held or ready


@dataclass(frozen=True)
class _Batch:
    """What the claims being scrubbed refer to, loaded once for all of them."""

    practice: PracticeRecord
    lines: Mapping[int, list[LineRecord]]
    patients: Mapping[int, PatientRecord]
    coverages: Mapping[int, CoverageRecord]
    payers: Mapping[int, PayerRecord]
    providers: Mapping[int, ProviderRecord]
    ref: Reference
    duplicates: Mapping[int, str]  # charge id -> PCN of the claim that already bills it
    auth_lines: Mapping[int, tuple[AuthLine, ...]] = field(default_factory=dict)  # by claim
    eligibility: Mapping[int, tuple[EligibilityNote, ...]] = field(default_factory=dict)
    other_payers: Mapping[int, tuple[OtherPayerRecord, ...]] = field(default_factory=dict)


def cob_view(others: Sequence[OtherPayerRecord], lines: Sequence[LineRecord],
             ) -> tuple[CobPayer, ...]:
    """What the balancing edits see of the claim's other payers."""
    out: list[CobPayer] = []
    for o in others:
        a = o.adjudication
        if a is None:
            out.append(CobPayer(o.payer.payer_id, o.coverage.priority))
            continue
        by_charge = {x.charge_id: x for x in a.lines}
        cob_lines = tuple(
            CobLine(ln.line_number, ln.amount_cents,
                    by_charge[ln.charge_id].paid_cents if ln.charge_id in by_charge else None,
                    tuple((x.group, x.carc, x.amount_cents)
                          for x in by_charge[ln.charge_id].adjustments)
                    if ln.charge_id in by_charge else ())
            for ln in lines)
        out.append(CobPayer(o.payer.payer_id, o.coverage.priority, True, a.paid_cents,
                            tuple((x.group, x.carc, x.amount_cents) for x in a.adjustments),
                            bool(a.lines), cob_lines))
    return tuple(out)


# --------------------------------------------------------------------------- reference data


def dx_info(ref: Reference, code: str, dos: dt.date) -> DxInfo:
    if "icd10cm" not in ref.loaded:
        return DxInfo(code)
    if not ref.versions(("icd10cm",), code):
        return DxInfo(code, known=False)
    row = ref.code_on(("icd10cm",), code, dos)
    if row is None:
        return DxInfo(code, valid_on_dos=False)
    return DxInfo(code, billable=row.billable, manifestation=_manifestation(ref, row, dos),
                  description=row.long_description)


def _manifestation(ref: Reference, row: Any, dos: dt.date) -> bool:
    """The code's own title and notes, then its categories' (M14.61 under M14)."""
    rows = [row] + [ref.code_on(("icd10cm",), a, dos) for a in icd_ancestors(str(row.code))]
    return any(r is not None and is_manifestation(r.notes, r.long_description) for r in rows)


def proc_info(ref: Reference, code: str, dos: dt.date) -> ProcInfo | None:
    loaded = ("cpt" if _CPT_RE.match(code) else "hcpcs") in ref.loaded
    if not ref.versions(PROCEDURE_SYSTEMS, code):
        return ProcInfo(code, known=False) if loaded else None
    return ProcInfo(code, valid_on_dos=ref.code_on(PROCEDURE_SYSTEMS, code, dos) is not None)


def unknown_modifiers(ref: Reference, mods: tuple[str, ...], dos: dt.date) -> tuple[str, ...]:
    if "modifier" not in ref.loaded:
        return ()
    return tuple(m for m in mods if ref.code_on(("modifier",), m, dos) is None)


# --------------------------------------------------------------------------- the view


def _line_view(ref: Reference, ln: LineRecord, duplicates: Mapping[int, str]) -> LineView:
    mods = tuple(ln.modifiers.split())
    dos = ln.date_of_service
    mue = ref.mue_on(ln.code, dos)
    return LineView(
        number=ln.line_number, code=ln.code, units=ln.units, amount_cents=ln.amount_cents,
        dos=dos, dx_pointers=tuple(int(p) for p in ln.dx_pointers.split() if p.isdigit()),
        modifiers=mods, proc=proc_info(ref, ln.code, dos),
        unknown_modifiers=unknown_modifiers(ref, mods, dos),
        mue=mue.mue if mue else None, mai=mue.mai if mue else None,
        duplicate_of=duplicates.get(ln.charge_id))


def _subscriber_complete(cov: CoverageRecord | None) -> bool:
    if cov is None or cov.relationship == "self":
        return True
    return bool(cov.subscriber_first_name and cov.subscriber_last_name and cov.subscriber_dob
                and cov.subscriber_sex)


def claim_view(claim: ClaimRecord, b: _Batch, today: dt.date) -> ClaimView:
    """What the edits see of one claim."""
    patient = b.patients[claim.patient_id]
    cov = b.coverages.get(claim.coverage_id) if claim.coverage_id else None
    payer = b.payers.get(claim.payer_id) if claim.payer_id else None
    prov = b.providers.get(claim.provider_id) if claim.provider_id else None
    lines = b.lines.get(claim.id, [])
    first = min((ln.date_of_service for ln in lines), default=claim.first_dos or today)
    return ClaimView(
        claim_id=claim.id, pcn=claim.pcn, today=today, practice_npi=b.practice.npi,
        practice_ein=b.practice.tin, practice_zip=b.practice.zip,
        patient_account=patient.account or str(patient.id), patient_sex=patient.sex,
        patient_dob=patient.dob, patient_has_name=bool(patient.first_name and patient.last_name),
        patient_has_address=patient.address_complete, has_coverage=cov is not None,
        member_id=cov.member_id if cov else None, payer_code=payer.payer_id if payer else None,
        timely_filing_days=payer.timely_filing_days if payer else None,
        coverage_effective=cov.effective if cov else None,
        coverage_termination=cov.termination if cov else None,
        subscriber_is_patient=cov is None or cov.relationship == "self",
        subscriber_complete=_subscriber_complete(cov),
        rendering_npi=prov.npi if prov else None,
        diagnoses=tuple(dx_info(b.ref, d, first) for d in claim.diagnoses.split()),
        lines=tuple(_line_view(b.ref, ln, b.duplicates) for ln in lines),
        ptp=tuple(PtpInfo(e.column1, e.column2, e.modifier_indicator) for e in b.ref.ptp_on(
            {ln.code for ln in lines}, {ln.date_of_service for ln in lines})),
        frequency=claim.frequency, payer_claim_number=claim.payer_claim_number,
        auth_lines=b.auth_lines.get(claim.id, ()), eligibility=b.eligibility.get(claim.id, ()),
        claim_priority=cov.priority if cov else "primary",
        cob=cob_view(b.other_payers.get(claim.id, ()), lines),
        filing_indicator=payer.filing_indicator if payer else None,
        insurance_type=cov.insurance_type if cov else None,
    )


def _load_batch(session: Session, claims: Sequence[ClaimRecord]) -> _Batch:
    lines = store.load_lines(session, [c.id for c in claims])
    all_lines = [ln for lst in lines.values() for ln in lst]
    ref = load_reference(
        session=session, diagnoses={a for c in claims for d in c.diagnoses.split()
                                    for a in (d, *icd_ancestors(d))},
        procedures={ln.code for ln in all_lines},
        modifiers={m for ln in all_lines for m in ln.modifiers.split()})
    billed = store.billed_services(session, [c.patient_id for c in claims])
    return _Batch(
        practice=store.practice(session), lines=lines,
        patients=store.patients(session, (c.patient_id for c in claims)),
        coverages=store.coverages(session, (c.coverage_id for c in claims)),
        payers=store.payers(session, (c.payer_id for c in claims)),
        providers=store.providers(session, (c.provider_id for c in claims)),
        ref=ref, duplicates=find_duplicates(claims, lines, billed),
        auth_lines=auths.auth_lines(session, claims, lines),
        eligibility=auths.eligibility_notes(session, claims, lines),
        other_payers=cob.other_payers(session, claims, lines))


# --------------------------------------------------------------------------- scrub


def _claims_to_scrub(session: Session, claim_ids: Sequence[int] | None) -> list[ClaimRecord]:
    if not claim_ids:
        return store.claims_where(session, t.claim.c.status.in_([s.value for s in SCRUBBABLE]))
    claims = store.claims_by_ids(session, claim_ids)
    found = {c.id for c in claims}
    missing = [i for i in claim_ids if i not in found]
    if missing:
        raise NotFoundError(f"No claim {missing[0]}", "See medbill claim list")
    done = [c for c in claims if c.status not in SCRUBBABLE]
    if done:
        raise InputError(f"Claim {done[0].id} is {done[0].status.value}; only draft, held and "
                         "ready claims are scrubbed",
                         "Use medbill claim resubmit to correct a submitted claim")
    return claims


def scrub_claims(
    *, session: Session, user: str, claim_ids: Sequence[int] | None = None,
    today: dt.date | None = None,
) -> list[ScrubResult]:
    """Run every edit on the claims; clean ones become ``ready``, others ``held`` with findings.

    Args:
        session: the command's session.
        user: who acts.
        claim_ids: these claims (draft, held or ready); None: every claim not yet submitted.
        today: the date for timely filing (default: today).

    Returns:
        Each claim with its findings and new status.
    """
    from medbill_cli.dates import today as _today

    day = today or _today()
    claims = _claims_to_scrub(session, claim_ids)
    if not claims:
        return []
    batch = _load_batch(session, claims)
    results = []
    for claim in claims:
        findings = tuple(checks.scrub(claim_view(claim, batch, day)))
        held = any(f.severity == checks.ERROR for f in findings)
        new = check_transition(claim.status, ClaimStatus.HELD if held else ClaimStatus.READY,
                               record=claim.id)
        results.append(ScrubResult(claim, findings, new))
    save_findings(session, user, results)
    return results


def save_findings(session: Session, user: str, results: Sequence[ScrubResult]) -> None:
    """Replace each claim's findings, write its new status, and audit the scrub."""
    ids = [r.claim.id for r in results]
    for part in chunks(ids):
        session.execute(delete(t.claim_finding).where(t.claim_finding.c.claim_id.in_(part)))
    rows: list[dict[str, Any]] = []
    entries: list[audit.AuditEntry] = []
    by_status: dict[ClaimStatus, list[int]] = defaultdict(list)
    now = utcnow()
    for r in results:
        rows += [{"claim_id": r.claim.id, "edit": f.edit, "severity": f.severity, "line": f.line,
                  "message": f.message, "fix": f.fix, "created_at": now} for f in r.findings]
        found = [f"{f.severity}:{f.edit}:{f.line or ''}" for f in r.findings]
        entries.append(("scrub", "claim", r.claim.pcn, {"status": r.claim.status.value},
                        {"status": r.status.value, "findings": found}))
        by_status[r.status].append(r.claim.id)
    for status, claim_ids in by_status.items():
        store.set_status(session, claim_ids, status)
    insert_many(session, t.claim_finding, rows)
    audit.record_many(session=session, user=user, entries=entries)
