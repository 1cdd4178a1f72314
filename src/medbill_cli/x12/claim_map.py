"""From a claim as billed to what the 837P writer prints: plain records in, ``p837`` data out.

The records are what the claims service loads from the database (one frozen shape per record,
shared with the scrubber's view builder); this module knows no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from medbill_cli.status import ClaimStatus
from medbill_cli.x12 import p837


@dataclass(frozen=True, slots=True)
class PracticeRecord:
    """The billing provider and the interchange's submitter and receiver."""

    name: str
    npi: str
    tin: str
    taxonomy: str | None
    address: str
    address2: str | None
    city: str
    state: str
    zip: str
    phone: str | None
    submitter_id: str | None
    submitter_name: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    receiver_id: str | None
    receiver_name: str | None


@dataclass(frozen=True, slots=True)
class PatientRecord:
    id: int
    account: str | None
    first_name: str
    last_name: str
    middle_name: str | None
    dob: dt.date
    sex: str
    address: str | None
    address2: str | None
    city: str | None
    state: str | None
    zip: str | None
    release_of_info: str = "Y"  # CLM09
    signature_date: dt.date | None = None  # box 12 date

    @property
    def address_complete(self) -> bool:
        return bool(self.address and self.city and self.state and self.zip)


@dataclass(frozen=True, slots=True)
class CoverageRecord:
    id: int
    patient_id: int
    payer_id: int
    priority: str  # primary|secondary|tertiary
    member_id: str
    group_number: str | None
    relationship: str  # self|spouse|child|other
    subscriber_first_name: str | None
    subscriber_last_name: str | None
    subscriber_middle_name: str | None
    subscriber_dob: dt.date | None
    subscriber_sex: str | None
    effective: dt.date | None
    termination: dt.date | None
    benefits_assigned: bool = True  # CLM08
    insurance_type: str | None = None  # SBR05 when Medicare pays after another plan


@dataclass(frozen=True, slots=True)
class PayerRecord:
    id: int
    payer_id: str  # the EDI payer id
    name: str
    filing_indicator: str
    timely_filing_days: int
    accept_assignment: bool = True  # CLM07


@dataclass(frozen=True, slots=True)
class ProviderRecord:
    id: int
    npi: str
    first_name: str
    last_name: str
    middle_name: str | None
    taxonomy: str | None


@dataclass(frozen=True, slots=True)
class FacilityRecord:
    """A service location (2310C; CMS-1500 box 32)."""

    id: int
    name: str
    npi: str | None
    address: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """The claim-level fields of the claim's visit (its encounter)."""

    referring_npi: str | None = None
    referring_name: str | None = None  # LAST, FIRST
    onset_date: dt.date | None = None
    accident: str | None = None  # auto|employment|other
    accident_date: dt.date | None = None
    accident_state: str | None = None
    supervising_npi: str | None = None  # 2310D
    supervising_name: str | None = None  # LAST, FIRST


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    id: int
    pcn: str
    patient_id: int
    coverage_id: int | None
    payer_id: int | None
    provider_id: int | None
    facility_id: int | None
    pos: str
    status: ClaimStatus
    frequency: str
    original_claim_id: int | None
    payer_claim_number: str | None
    total_cents: int
    diagnoses: str  # space-separated, in HI order
    first_dos: dt.date | None
    last_dos: dt.date | None
    batch_id: int | None
    submitted_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class LineRecord:
    """A claim line with the charge it bills."""

    claim_id: int
    line_number: int
    charge_id: int
    dx_pointers: str  # 1-based into ClaimRecord.diagnoses
    code: str
    modifiers: str  # space-separated
    units: int
    amount_cents: int
    date_of_service: dt.date
    patient_id: int
    pos: str
    ndc: str | None
    ndc_unit: str | None
    ndc_quantity: str | None
    line_id: int | None = None  # the claim line's id: REF*6R, which the 835 echoes
    ordering_npi: str | None = None  # 2420E
    ordering_name: str | None = None  # LAST, FIRST


@dataclass(frozen=True, slots=True)
class AdjustmentRecord:
    """One posted CAS reason (835 or paper EOB)."""

    group: str
    carc: str
    amount_cents: int
    quantity: str | None = None


@dataclass(frozen=True, slots=True)
class LineAdjudicationRecord:
    """One posted service line (835 SVC) matched to our charge line."""

    charge_id: int
    code: str  # as adjudicated
    modifiers: str  # space-separated
    charge_cents: int
    paid_cents: int
    units: str | None
    adjustments: tuple[AdjustmentRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class AdjudicationRecord:
    """A payer's posted answer to a claim (its latest 835 CLP or paper EOB, not reversed)."""

    era_claim_id: int
    claim_id: int  # the claim it answered
    status_code: str  # CLP02
    charge_cents: int
    paid_cents: int  # CLP04
    payer_claim_number: str  # CLP07
    date: dt.date  # BPR16, else DTM*405, else the day it was posted
    crossover: bool = False
    adjustments: tuple[AdjustmentRecord, ...] = ()  # claim level
    lines: tuple[LineAdjudicationRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class OtherPayerRecord:
    """Another coverage in force for the claim, with its adjudication when it has one."""

    coverage: CoverageRecord
    payer: PayerRecord
    adjudication: AdjudicationRecord | None = None


@dataclass(frozen=True, slots=True)
class ClaimBundle:
    """A claim with everything the 837P prints about it."""

    claim: ClaimRecord
    patient: PatientRecord
    coverage: CoverageRecord
    payer: PayerRecord
    provider: ProviderRecord | None
    lines: tuple[LineRecord, ...]
    prior_auths: tuple[str | None, ...] = ()  # each line's authorization number (REF*G1)
    referral: str | None = None  # the referral number (REF*9F)
    facility: FacilityRecord | None = None
    visit: VisitRecord | None = None
    other_payers: tuple[OtherPayerRecord, ...] = ()  # 2320/2330, in payer order


@dataclass(frozen=True, slots=True)
class Interchange:
    """The writer's keyword arguments besides the claims."""

    envelope: p837.Envelope
    submitter: p837.Submitter
    receiver: p837.Receiver
    billing: p837.BillingProvider


def _person(first: str | None, last: str | None, middle: str | None, dob: dt.date | None,
            sex: str | None, addr: p837.Address | None) -> p837.Person:
    return p837.Person(last_name=last or "", first_name=first or "", middle_name=middle, dob=dob,
                       sex=sex or "U", address=addr)


def _patient_address(p: PatientRecord) -> p837.Address | None:
    if not (p.address and p.city and p.state and p.zip):
        return None
    return p837.Address(line1=p.address, line2=p.address2, city=p.city, state=p.state, zip=p.zip)


def _service_line(ln: LineRecord, prior_auth: str | None = None,
                  adjudications: tuple[p837.LineAdjudication, ...] = ()) -> p837.ServiceLine:
    return p837.ServiceLine(
        code=ln.code, amount_cents=ln.amount_cents, units=ln.units,
        date_of_service=ln.date_of_service,
        dx_pointers=tuple(int(p) for p in ln.dx_pointers.split()),
        modifiers=tuple(ln.modifiers.split()), pos=ln.pos, ndc=ln.ndc, ndc_unit=ln.ndc_unit,
        ndc_quantity=ln.ndc_quantity, prior_auth=prior_auth,
        control_number=str(ln.line_id) if ln.line_id is not None else None,
        ordering=named_provider(ln.ordering_npi, ln.ordering_name),
        adjudications=adjudications)


def _prior_auths(b: ClaimBundle) -> tuple[str | None, tuple[str | None, ...]]:
    """REF*G1 at claim level when every line has the same number, else on the lines."""
    per_line = tuple(b.prior_auths[:len(b.lines)]) + (None,) * (len(b.lines) - len(b.prior_auths))
    shared = set(per_line)
    if len(shared) == 1:
        return per_line[0] if per_line else None, (None,) * len(b.lines)
    return None, per_line


def _rendering(prov: ProviderRecord | None) -> p837.RenderingProvider | None:
    if prov is None:
        return None
    return p837.RenderingProvider(npi=prov.npi, last_name=prov.last_name,
                                  first_name=prov.first_name, middle_name=prov.middle_name,
                                  taxonomy=prov.taxonomy)


def _facility(f: FacilityRecord | None) -> p837.ServiceFacility | None:
    if f is None:
        return None
    return p837.ServiceFacility(name=f.name, npi=f.npi, address=p837.Address(
        line1=f.address, city=f.city, state=f.state, zip=f.zip))


RELATED_CAUSES = {"auto": "AA", "employment": "EM", "other": "OA"}


def named_provider(npi: str | None, name: str | None) -> p837.NamedProvider | None:
    """A provider recorded by NPI and "LAST, FIRST" (referring, supervising, ordering)."""
    if not (npi and name):
        return None
    last, _, first = (p.strip() for p in name.partition(","))
    return p837.NamedProvider(npi=npi, last_name=last, first_name=first)


def _with_visit(co: p837.ClaimOut, v: VisitRecord | None) -> p837.ClaimOut:
    """The visit's referring (2310A) and supervising (2310D) providers, onset (DTP*431) and
    accident (CLM11, DTP*439)."""
    if v is None:
        return co
    return replace(co, referring=named_provider(v.referring_npi, v.referring_name),
                   supervising=named_provider(v.supervising_npi, v.supervising_name),
                   onset_date=v.onset_date,
                   related_causes=(RELATED_CAUSES[v.accident],) if v.accident else (),
                   accident_date=v.accident_date, accident_state=v.accident_state)


def _with_signatures(co: p837.ClaimOut, b: ClaimBundle) -> p837.ClaimOut:
    """CLM07 from the payer (the practice accepts assignment with it), CLM08 from the
    coverage (benefits assigned), CLM09 and the box 12 date from the patient."""
    return replace(co, assignment="A" if b.payer.accept_assignment else "C",
                   benefits_assigned="Y" if b.coverage.benefits_assigned else "N",
                   release=b.patient.release_of_info or "Y",
                   signature_date=b.patient.signature_date)


def claim_out(b: ClaimBundle) -> p837.ClaimOut:
    """The writer's view of one claim: subscriber, patient (when not the subscriber), lines."""
    pat, cov, c = b.patient, b.coverage, b.claim
    addr = _patient_address(pat)
    claim_auth, line_auths = _prior_auths(b)
    pat_person = _person(pat.first_name, pat.last_name, pat.middle_name, pat.dob, pat.sex, addr)
    patient: p837.Person | None
    if cov.relationship == "self":
        subscriber, patient = pat_person, None
    else:
        subscriber = _person(cov.subscriber_first_name, cov.subscriber_last_name,
                             cov.subscriber_middle_name, cov.subscriber_dob, cov.subscriber_sex,
                             addr)
        patient = pat_person
    return _with_cob(b, _with_signatures(_with_visit(p837.ClaimOut(
        pcn=c.pcn, pos=c.pos, diagnoses=tuple(c.diagnoses.split()), subscriber=subscriber,
        member_id=cov.member_id, payer=p837.PayerInfo(b.payer.name, b.payer.payer_id),
        lines=tuple(_service_line(ln, a, line_adjudications(b, ln))
                    for ln, a in zip(b.lines, line_auths, strict=True)),
        relationship=cov.relationship,
        patient=patient, priority=cov.priority, group_number=cov.group_number,
        filing_indicator=b.payer.filing_indicator, insurance_type=_insurance_type(b),
        frequency=c.frequency,
        payer_claim_number=c.payer_claim_number, rendering=_rendering(b.provider),
        prior_auth=claim_auth, referral=b.referral, facility=_facility(b.facility)), b.visit), b))


# --------------------------------------------------------------------------- other payers


def _insurance_type(b: ClaimBundle) -> str | None:
    """SBR05: only on a claim to Medicare (filing indicator MB) as a secondary or tertiary payer;
    the 837P leaves it empty otherwise."""
    if b.payer.filing_indicator != "MB" or b.coverage.priority == "primary":
        return None
    return b.coverage.insurance_type or None


def _cas(adjs: tuple[AdjustmentRecord, ...]) -> tuple[p837.Cas, ...]:
    return tuple(p837.Cas(a.group, a.carc, a.amount_cents, a.quantity) for a in adjs)


def _other_subscriber(b: ClaimBundle, cov: CoverageRecord) -> p837.Person:
    pat = b.patient
    addr = _patient_address(pat)
    if cov.relationship == "self":
        return _person(pat.first_name, pat.last_name, pat.middle_name, pat.dob, pat.sex, addr)
    return _person(cov.subscriber_first_name, cov.subscriber_last_name,
                   cov.subscriber_middle_name, cov.subscriber_dob, cov.subscriber_sex, addr)


def _other_payer(b: ClaimBundle, o: OtherPayerRecord) -> p837.OtherPayer:
    a = o.adjudication
    base = p837.OtherPayer(
        priority=o.coverage.priority, relationship=o.coverage.relationship,
        subscriber=_other_subscriber(b, o.coverage), member_id=o.coverage.member_id,
        payer=p837.PayerInfo(o.payer.name, o.payer.payer_id),
        filing_indicator=o.payer.filing_indicator, group_number=o.coverage.group_number)
    if a is None:
        return base
    return replace(base, paid_cents=a.paid_cents, adjustments=_cas(a.adjustments),
                   claim_number=a.payer_claim_number or None, adjudication_date=a.date,
                   lines_adjudicated=bool(a.lines))


def line_adjudications(b: ClaimBundle, ln: LineRecord) -> tuple[p837.LineAdjudication, ...]:
    """Each other payer's 2430 for one of the claim's lines (none where it has no line)."""
    if not b.other_payers:
        return ()
    out: list[p837.LineAdjudication] = []
    for o in b.other_payers:
        a = o.adjudication
        got = next((x for x in a.lines if x.charge_id == ln.charge_id), None) if a else None
        if a is None or got is None:
            continue
        out.append(p837.LineAdjudication(
            payer_id=o.payer.payer_id, paid_cents=got.paid_cents, code=got.code or ln.code,
            date=a.date, modifiers=tuple(got.modifiers.split()),
            units=got.units or str(ln.units), adjustments=_cas(got.adjustments)))
    return tuple(out)


def _with_cob(b: ClaimBundle, co: p837.ClaimOut) -> p837.ClaimOut:
    """The other payers (2320/2330); each line's adjudications by them (2430) are set where
    the lines are built (``line_adjudications``)."""
    if not b.other_payers:
        return co
    return replace(co, other_payers=tuple(_other_payer(b, o) for o in b.other_payers))


def interchange(practice: PracticeRecord, control: int, now: dt.datetime,
                usage: str) -> Interchange:
    """Envelope, submitter (1000A), receiver (1000B) and billing provider (2010AA)."""
    sender = practice.submitter_id or practice.tin
    receiver = practice.receiver_id or "RECEIVER"
    return Interchange(
        envelope=p837.Envelope(sender_id=sender, receiver_id=receiver, control_number=control,
                               created=now, usage=usage),
        submitter=p837.Submitter(name=practice.submitter_name or practice.name, id=sender,
                                 contact_name=practice.contact_name or practice.name,
                                 phone=practice.contact_phone or practice.phone,
                                 email=practice.contact_email),
        receiver=p837.Receiver(name=practice.receiver_name or receiver, id=receiver),
        billing=p837.BillingProvider(
            name=practice.name, npi=practice.npi, ein=practice.tin, taxonomy=practice.taxonomy,
            address=p837.Address(line1=practice.address, line2=practice.address2,
                                 city=practice.city, state=practice.state, zip=practice.zip)),
    )
