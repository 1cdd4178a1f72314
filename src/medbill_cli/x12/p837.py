"""The 837P (005010X222A1) writer: frozen dataclasses in, X12 segments out, streamed.

No library writes 005010X222A1 correctly, so the segments are written directly, following the
ASC X12 implementation guide's loop order:

    ISA GS ST BHT
      1000A NM1*41 PER          submitter
      1000B NM1*40              receiver
      2000A HL*..20 PRV         billing provider
        2010AA NM1*85 N3 N4 REF*EI
        2000B HL*..22 SBR       subscriber (one per claim)
          2010BA NM1*IL N3 N4 DMG
          2010BB NM1*PR
          2000C HL*..23 PAT     patient, when not the subscriber
            2010CA NM1*QC N3 N4 DMG
          2300 CLM REF*F8 HI
            2310A NM1*DN        referring provider
            2310B NM1*82 PRV    rendering provider, when it differs from the billing provider
            2310C NM1*77 N3 N4  service facility, when not the billing address
            2310D NM1*DQ        supervising provider, when not the rendering provider
            2320 SBR CAS AMT*D OI   each other payer (adjudication only once it has paid)
              2330A NM1*IL N3 N4    2330B NM1*PR DTP*573 REF*F8
            2400 LX SV1 DTP*472 REF (2410 LIN CTP) (2420E NM1*DK ordering provider)
              2430 SVD CAS DTP*573  each other payer's adjudication of the line
    SE GE IEA

Data are uppercased and stripped of the delimiter characters; amounts carry no trailing zeros.
The writer keeps only counters, so memory does not grow with the number of claims.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
SEGMENT = "~"
IMPLEMENTATION = "005010X222A1"
MAX_LINES = 50  # service lines per claim (2400 loop repeat)
MAX_DIAGNOSES = 12  # HI diagnosis codes per claim

_SPACES = re.compile(r" {2,}")

# SBR02 / PAT01 individual relationship codes.
RELATIONSHIP_CODES = {"self": "18", "spouse": "01", "child": "19", "other": "G8"}
PRIORITY_CODES = {"primary": "P", "secondary": "S", "tertiary": "T"}
# SBR05 insurance type codes, required when Medicare is a secondary payer (005010X222A1 2000B):
# why another plan pays first.
MEDICARE_SECONDARY_TYPES = {
    "12": "working aged (employer group health plan)", "13": "end-stage renal disease",
    "14": "no-fault insurance, including auto", "15": "workers' compensation",
    "16": "public health service or other federal agency", "41": "black lung",
    "42": "veterans affairs", "43": "disability (large employer group health plan)",
    "47": "other liability insurance",
}


_TRANS = str.maketrans({c: " " for c in "*:^~\r\n\t"})


def clean(value: object) -> str:
    """Uppercase ASCII text with no delimiter characters and single spaces."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.translate(_TRANS).upper()
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def amount(cents: int) -> str:
    """X12 decimal: ``12500`` -> ``125``, ``12550`` -> ``125.5``, ``12555`` -> ``125.55``."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:02d}".rstrip("0")


def dx_code(code: str) -> str:
    """ICD-10-CM as sent in HI: no dot."""
    return clean(code).replace(".", "")


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str
    zip: str
    line2: str | None = None


@dataclass(frozen=True)
class Envelope:
    """ISA/GS/ST/BHT values. One interchange, one group, one transaction per file."""

    sender_id: str
    receiver_id: str
    control_number: int  # ISA13, GS06 and ST02 (never repeated)
    created: dt.datetime
    usage: str = "P"  # ISA15: P production, T test
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    reference: str | None = None  # BHT03; defaults to the control number


@dataclass(frozen=True)
class Submitter:
    name: str
    id: str
    contact_name: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Receiver:
    name: str
    id: str


@dataclass(frozen=True)
class BillingProvider:
    name: str
    npi: str
    ein: str
    address: Address  # ZIP+4 required
    taxonomy: str | None = None


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    dob: dt.date | None
    sex: str  # M|F|U
    middle_name: str | None = None
    address: Address | None = None


@dataclass(frozen=True)
class PayerInfo:
    name: str
    payer_id: str


@dataclass(frozen=True)
class RenderingProvider:
    npi: str
    last_name: str
    first_name: str
    middle_name: str | None = None
    taxonomy: str | None = None


@dataclass(frozen=True)
class NamedProvider:
    """A provider known by NPI and name alone (need not be a practice member): the referring
    (2310A NM1*DN), supervising (2310D NM1*DQ) and ordering (2420E NM1*DK) providers."""

    npi: str
    last_name: str
    first_name: str



@dataclass(frozen=True)
class ServiceFacility:
    """Loop 2310C: where the services were rendered."""

    name: str
    address: Address
    npi: str | None = None


@dataclass(frozen=True)
class Cas:
    """One claim adjustment: group (CO, PR, OA, PI), reason (CARC), amount, quantity."""

    group: str
    reason: str
    amount_cents: int
    quantity: str | None = None


@dataclass(frozen=True)
class LineAdjudication:
    """Loop 2430: how another payer adjudicated a service line (from its 835 SVC)."""

    payer_id: str  # SVD01, equal to its 2330B NM109
    paid_cents: int  # SVD02
    code: str  # SVD03, the procedure as adjudicated
    date: dt.date  # DTP*573
    modifiers: tuple[str, ...] = ()
    units: str = "1"  # SVD05, paid units
    adjustments: tuple[Cas, ...] = ()


@dataclass(frozen=True)
class OtherPayer:
    """Loops 2320 (other subscriber information), 2330A (its subscriber), 2330B (its payer).

    ``paid_cents`` None: the payer has not adjudicated the claim (a known later payer), so no
    CAS, AMT*D, REF*F8 or DTP*573 are written.
    """

    priority: str  # that payer's primary|secondary|tertiary (SBR01)
    relationship: str  # the patient to that subscriber (SBR02)
    subscriber: Person
    member_id: str
    payer: PayerInfo
    filing_indicator: str = "CI"
    group_number: str | None = None
    paid_cents: int | None = None  # AMT*D (835 CLP04)
    adjustments: tuple[Cas, ...] = ()  # claim-level CAS
    claim_number: str | None = None  # 2330B REF*F8 (835 CLP07)
    adjudication_date: dt.date | None = None  # 2330B DTP*573, when no line has a 2430
    lines_adjudicated: bool = False  # the payer's adjudication is on the lines (2430)


@dataclass(frozen=True)
class ServiceLine:
    code: str
    amount_cents: int
    units: int
    date_of_service: dt.date
    dx_pointers: tuple[int, ...]
    modifiers: tuple[str, ...] = ()
    pos: str | None = None  # SV105, only when it differs from the claim's
    ndc: str | None = None
    ndc_unit: str | None = None
    ndc_quantity: str | None = None
    prior_auth: str | None = None  # 2400 REF*G1, when the claim's lines have different ones
    control_number: str | None = None  # REF*6R line item control number (unique per line)
    ordering: NamedProvider | None = None  # 2420E NM1*DK, when not the rendering provider
    adjudications: tuple[LineAdjudication, ...] = ()  # 2430, one per adjudicating payer


@dataclass(frozen=True)
class ClaimOut:
    pcn: str  # CLM01
    pos: str
    diagnoses: tuple[str, ...]
    subscriber: Person
    member_id: str
    payer: PayerInfo
    lines: tuple[ServiceLine, ...]
    relationship: str = "self"  # self|spouse|child|other
    patient: Person | None = None  # None: the patient is the subscriber
    priority: str = "primary"
    group_number: str | None = None
    filing_indicator: str = "CI"
    insurance_type: str | None = None  # SBR05: Medicare as a secondary payer only
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    payer_claim_number: str | None = None  # REF*F8, for 7 and 8
    rendering: RenderingProvider | None = None
    # CLM06-09, which the CMS-1500 prints as boxes 31, 27, 13 and 12 (one source for both).
    provider_signature: str = "Y"  # CLM06: the provider's signature is on file
    assignment: str = "A"  # CLM07: A the provider accepts assignment, C not assigned
    benefits_assigned: str = "Y"  # CLM08: Y the insured assigned benefits to the provider, N not
    release: str = "Y"  # CLM09: Y signed release on file, I informed consent only
    signature_date: dt.date | None = None  # when the patient signed (box 12 date; not in 837)
    prior_auth: str | None = None  # 2300 REF*G1, when every line has this one
    referral: str | None = None  # 2300 REF*9F
    facility: ServiceFacility | None = None  # 2310C, written when not the billing address
    referring: NamedProvider | None = None  # 2310A NM1*DN
    supervising: NamedProvider | None = None  # 2310D NM1*DQ, when not the rendering provider
    onset_date: dt.date | None = None  # DTP*431
    related_causes: tuple[str, ...] = ()  # CLM11-1/2: AA auto, EM employment, OA other
    accident_state: str | None = None  # CLM11-4, for an auto accident
    accident_date: dt.date | None = None  # DTP*439
    other_payers: tuple[OtherPayer, ...] = ()  # 2320/2330, in payer order

    @property
    def total_cents(self) -> int:
        return sum(ln.amount_cents for ln in self.lines)


@dataclass
class Stats:
    """What the writer wrote: counts that SE/GE/IEA carry and the totals."""

    segments: int = 0  # ST..SE inclusive
    claims: int = 0
    lines: int = 0
    total_cents: int = 0
    hl: int = 0


# --------------------------------------------------------------------------- the writer


def segment(*elements: object) -> str:
    """One segment; trailing empty elements are dropped."""
    parts = [e if e.__class__ is str else ("" if e is None else str(e)) for e in elements]
    while parts and not parts[-1]:
        parts.pop()
    return ELEMENT.join(parts) + SEGMENT + "\n"


def _composite(*parts: str) -> str:
    items = list(parts)
    while items and items[-1] == "":
        items.pop()
    return COMPONENT.join(items)


@functools.lru_cache(maxsize=512)
def _d8(day: dt.date) -> str:
    """CCYYMMDD (a batch repeats a few adjudication dates thousands of times)."""
    return day.strftime("%Y%m%d")


def _zip(z: str) -> str:
    return re.sub(r"\D", "", z or "")


def _phone(p: str | None) -> str:
    return re.sub(r"\D", "", p or "")


def _same_place(a: Address, b: Address) -> bool:
    """The same street address (case, spacing and punctuation aside; the 5-digit ZIP)."""
    def key(x: Address) -> tuple[str, ...]:
        return (*(re.sub(r"[^A-Z0-9]", "", clean(v).upper())
                  for v in (x.line1, x.line2 or "", x.city, x.state)), _zip(x.zip)[:5])
    return key(a) == key(b)


class Writer837P:
    """Writes one interchange through ``write``; call ``begin``, ``claim`` per claim, ``end``."""

    def __init__(
        self,
        write: Callable[[str], object],
        *,
        envelope: Envelope,
        submitter: Submitter,
        receiver: Receiver,
        billing: BillingProvider,
        newlines: bool = True,
    ) -> None:
        # Without newlines the interchange is one line: segments end at the terminator alone.
        self._write = write if newlines else (
            lambda text: write(text.replace(SEGMENT + "\n", SEGMENT)))
        self.env = envelope
        self.submitter = submitter
        self.receiver = receiver
        self.billing = billing
        self.stats = Stats()
        self._billing_hl = 0

    def _seg(self, *elements: object) -> None:
        self._write(segment(*elements))
        self.stats.segments += 1

    def begin(self) -> None:
        e = self.env
        created = e.created
        ctl = f"{e.control_number:09d}"
        # ISA is fixed width; it does not count toward SE01.
        self._write(segment(
            "ISA", "00", " " * 10, "00", " " * 10,
            e.sender_qualifier, clean(e.sender_id).ljust(15)[:15],
            e.receiver_qualifier, clean(e.receiver_id).ljust(15)[:15],
            created.strftime("%y%m%d"), created.strftime("%H%M"), REPETITION, "00501", ctl, "0",
            e.usage, COMPONENT,
        ))
        self._write(segment("GS", "HC", clean(e.sender_id), clean(e.receiver_id),
                            created.strftime("%Y%m%d"), created.strftime("%H%M"),
                            str(e.control_number), "X", IMPLEMENTATION))
        self._seg("ST", "837", self.st_control, IMPLEMENTATION)
        self._seg("BHT", "0019", "00", clean(e.reference or f"B{e.control_number}"),
                  created.strftime("%Y%m%d"), created.strftime("%H%M"), "CH")
        s = self.submitter
        self._seg("NM1", "41", "2", clean(s.name), "", "", "", "", "46", clean(s.id))
        per: list[str] = ["PER", "IC", clean(s.contact_name)]
        if s.phone:
            per += ["TE", _phone(s.phone)]
        if s.email:
            per += ["EM", clean(s.email)]
        if len(per) == 3:
            raise ValueError("the submitter contact needs a phone or an email (1000A PER04)")
        self._seg(*per)
        r = self.receiver
        self._seg("NM1", "40", "2", clean(r.name), "", "", "", "", "46", clean(r.id))
        b = self.billing
        self.stats.hl += 1
        self._billing_hl = self.stats.hl
        self._seg("HL", self._billing_hl, "", "20", "1")
        if b.taxonomy:
            self._seg("PRV", "BI", "PXC", clean(b.taxonomy))
        self._seg("NM1", "85", "2", clean(b.name), "", "", "", "", "XX", b.npi)
        self._address(b.address)
        self._seg("REF", "EI", re.sub(r"\D", "", b.ein))

    @property
    def st_control(self) -> str:
        return f"{self.env.control_number:04d}"

    def _address(self, a: Address) -> None:
        self._seg("N3", clean(a.line1), clean(a.line2))
        self._seg("N4", clean(a.city), clean(a.state), _zip(a.zip))

    def _person(self, p: Person) -> None:
        if p.dob is not None:
            self._seg("DMG", "D8", p.dob.strftime("%Y%m%d"), clean(p.sex) or "U")

    def claim(self, c: ClaimOut) -> None:
        """Write one claim: its 2000B (and 2000C) hierarchy, 2300, 2310B and 2400 loops."""
        if not c.lines:
            raise ValueError(f"claim {c.pcn} has no service lines")
        if len(c.lines) > MAX_LINES:
            raise ValueError(f"claim {c.pcn} has {len(c.lines)} lines; at most {MAX_LINES}")
        dependent = c.patient is not None and c.relationship != "self"
        self.stats.hl += 1
        sub_hl = self.stats.hl
        self._seg("HL", sub_hl, self._billing_hl, "22", "1" if dependent else "0")
        self._seg("SBR", PRIORITY_CODES.get(c.priority, "P"), "" if dependent else "18",
                  clean(c.group_number), "", clean(c.insurance_type), "", "", "",
                  clean(c.filing_indicator) or "CI")
        s = c.subscriber
        self._seg("NM1", "IL", "1", clean(s.last_name), clean(s.first_name), clean(s.middle_name),
                  "", "", "MI", clean(c.member_id))
        if not dependent:
            # Subscriber address and demographics are required when the patient is the subscriber.
            if s.address is not None:
                self._address(s.address)
            self._person(s)
        self._seg("NM1", "PR", "2", clean(c.payer.name), "", "", "", "", "PI",
                  clean(c.payer.payer_id))
        if dependent:
            assert c.patient is not None
            self.stats.hl += 1
            self._seg("HL", self.stats.hl, sub_hl, "23", "0")
            self._seg("PAT", RELATIONSHIP_CODES.get(c.relationship, "G8"))
            p = c.patient
            self._seg("NM1", "QC", "1", clean(p.last_name), clean(p.first_name),
                      clean(p.middle_name))
            if p.address is not None:
                self._address(p.address)
            self._person(p)
        total = c.total_cents
        rc = (*c.related_causes[:2], "", "")[:3]
        causes = _composite(*rc, clean(c.accident_state)) if c.related_causes else ""
        self._seg("CLM", clean(c.pcn), amount(total), "", "",
                  _composite(clean(c.pos), "B", c.frequency), c.provider_signature,
                  c.assignment, c.benefits_assigned, c.release, "", causes)
        if c.onset_date is not None:
            self._seg("DTP", "431", "D8", c.onset_date.strftime("%Y%m%d"))
        if c.related_causes and c.accident_date is not None:
            self._seg("DTP", "439", "D8", c.accident_date.strftime("%Y%m%d"))
        if c.referral:
            self._seg("REF", "9F", clean(c.referral))
        if c.prior_auth:
            self._seg("REF", "G1", clean(c.prior_auth))
        if c.frequency in ("7", "8") and c.payer_claim_number:
            self._seg("REF", "F8", clean(c.payer_claim_number))
        hi = ["HI"]
        for i, code in enumerate(c.diagnoses[:MAX_DIAGNOSES]):
            hi.append(_composite("ABK" if i == 0 else "ABF", dx_code(code)))
        self._seg(*hi)
        self._named("DN", c.referring)
        self._rendering(c.rendering)
        self._facility(c.facility)
        rendering_npi = c.rendering.npi if c.rendering is not None else self.billing.npi
        self._supervising(c.supervising, rendering_npi)
        self._other_payers(c)
        for n, ln in enumerate(c.lines, start=1):
            self._service_line(n, ln, c.pos, rendering_npi)
        self.stats.claims += 1
        self.stats.total_cents += total

    def _named(self, qualifier: str, p: NamedProvider | None) -> None:
        """NM1 of a provider known by NPI and name (2310A DN, 2310D DQ, 2420E DK)."""
        if p is not None:
            self._seg("NM1", qualifier, "1", clean(p.last_name), clean(p.first_name), "", "",
                      "", "XX", clean(p.npi))

    def _supervising(self, p: NamedProvider | None, rendering_npi: str) -> None:
        """Loop 2310D; the guide: not sent when the supervising provider is the rendering one
        (a provider does not supervise themselves)."""
        if p is not None and p.npi != rendering_npi:
            self._named("DQ", p)

    def _ordering(self, p: NamedProvider | None, rendering_npi: str) -> None:
        """Loop 2420E, after 2410; the guide: required when the service was ordered by a
        provider other than the line's rendering provider, and not sent otherwise."""
        if p is not None and p.npi != rendering_npi:
            self._named("DK", p)

    def _rendering(self, r: RenderingProvider | None) -> None:
        """Loop 2310B, when the rendering provider is not the billing provider."""
        if r is not None and r.npi != self.billing.npi:
            self._seg("NM1", "82", "1", clean(r.last_name), clean(r.first_name),
                      clean(r.middle_name), "", "", "XX", r.npi)
            if r.taxonomy:
                self._seg("PRV", "PE", "PXC", clean(r.taxonomy))

    def _facility(self, f: ServiceFacility | None) -> None:
        """Loop 2310C, when the service location differs from the billing provider's address
        (the guide: required then, and not sent when it is the same place)."""
        if f is None or _same_place(f.address, self.billing.address):
            return
        if f.npi:
            self._seg("NM1", "77", "2", clean(f.name), "", "", "", "", "XX", clean(f.npi))
        else:
            self._seg("NM1", "77", "2", clean(f.name))
        self._address(f.address)

    def _service_line(self, n: int, ln: ServiceLine, claim_pos: str, rendering_npi: str
                      ) -> None:
        """Loop 2400 (2410 for a drug, 2420E ordering provider, 2430 other payers' answers)."""
        self._seg("LX", n)
        proc = _composite("HC", clean(ln.code), *(clean(m) for m in ln.modifiers[:4]))
        pos = clean(ln.pos) if ln.pos and ln.pos != claim_pos else ""
        pointers = _composite(*(str(p) for p in ln.dx_pointers[:4]))
        self._seg("SV1", proc, amount(ln.amount_cents), "UN", ln.units, pos, "", pointers)
        self._seg("DTP", "472", "D8", ln.date_of_service.strftime("%Y%m%d"))
        if ln.prior_auth:
            self._seg("REF", "G1", clean(ln.prior_auth))
        if ln.control_number:
            self._seg("REF", "6R", clean(ln.control_number))
        if ln.ndc:
            self._seg("LIN", "", "N4", re.sub(r"\D", "", ln.ndc))
            self._seg("CTP", "", "", "", clean(ln.ndc_quantity) or str(ln.units),
                      clean(ln.ndc_unit) or "UN")
        self._ordering(ln.ordering, rendering_npi)
        self._line_adjudications(ln)
        self.stats.lines += 1

    # ----------------------------------------------------------------- coordination of benefits

    def _cas(self, adjustments: Iterable[Cas]) -> None:
        """CAS: one segment per group code, at most six reason/amount/quantity triplets each
        (a seventh reason of the same group starts another segment of that group)."""
        by_group: dict[str, list[Cas]] = {}
        for a in adjustments:
            by_group.setdefault(clean(a.group), []).append(a)
        for group, items in by_group.items():
            for i in range(0, len(items), 6):
                parts: list[object] = ["CAS", group]
                for a in items[i:i + 6]:
                    parts += [clean(a.reason), amount(a.amount_cents), clean(a.quantity)]
                self._seg(*parts)

    def _other_payers(self, c: ClaimOut) -> None:
        """Loops 2320/2330A/2330B, one set per other payer."""
        for o in c.other_payers:
            self._seg("SBR", PRIORITY_CODES.get(o.priority, "P"),
                      RELATIONSHIP_CODES.get(o.relationship, "G8"), clean(o.group_number),
                      "", "", "", "", "", clean(o.filing_indicator) or "CI")
            adjudicated = o.paid_cents is not None
            if adjudicated:
                self._cas(o.adjustments)
                self._seg("AMT", "D", amount(o.paid_cents or 0))
            self._seg("OI", "", "", c.benefits_assigned, "", "", c.release)
            s = o.subscriber
            self._seg("NM1", "IL", "1", clean(s.last_name), clean(s.first_name),
                      clean(s.middle_name), "", "", "MI", clean(o.member_id))
            if s.address is not None:
                self._address(s.address)
            self._seg("NM1", "PR", "2", clean(o.payer.name), "", "", "", "", "PI",
                      clean(o.payer.payer_id))
            if adjudicated and not o.lines_adjudicated and o.adjudication_date is not None:
                self._seg("DTP", "573", "D8", o.adjudication_date.strftime("%Y%m%d"))
            if adjudicated and o.claim_number:
                self._seg("REF", "F8", clean(o.claim_number))

    def _line_adjudications(self, ln: ServiceLine) -> None:
        """Loop 2430 for each payer that adjudicated the line."""
        for a in ln.adjudications:
            proc = _composite("HC", clean(a.code), *(clean(m) for m in a.modifiers[:4]))
            self._seg("SVD", clean(a.payer_id), amount(a.paid_cents), proc, "",
                      clean(a.units) or "1")
            self._cas(a.adjustments)
            self._seg("DTP", "573", "D8", _d8(a.date))

    def end(self) -> Stats:
        self._seg("SE", self.stats.segments + 1, self.st_control)
        self._write(segment("GE", "1", str(self.env.control_number)))
        self._write(segment("IEA", "1", f"{self.env.control_number:09d}"))
        return self.stats


def write_837p(
    write: Callable[[str], object],
    claims: Iterable[ClaimOut],
    *,
    envelope: Envelope,
    submitter: Submitter,
    receiver: Receiver,
    billing: BillingProvider,
    newlines: bool = True,
) -> Stats:
    """Write one 837P interchange of ``claims`` (any iterable; consumed once, streamed).

    Args:
        write: called with each segment's text (e.g. a file's ``write``).
        claims: the claims, at most 50 lines each.
        envelope: control number, sender/receiver ids and the creation time.
        submitter: loop 1000A.
        receiver: loop 1000B.
        billing: loop 2000A/2010AA.
        newlines: end each segment with a newline after its terminator (False: one line).

    Returns:
        Segment, claim and line counts and the total charge.
    """
    w = Writer837P(write, envelope=envelope, submitter=submitter, receiver=receiver,
                   billing=billing, newlines=newlines)
    w.begin()
    for c in claims:
        w.claim(c)
    return w.end()
