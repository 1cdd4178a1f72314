"""The 835 (005010X221A1) remittance parser: X12 text in, frozen dataclasses out.

Written in our own code because the typed X12 libraries fail on real files (corrected-name
segments without a last name, CAS with six triplets, odd delimiters). The parser is lenient
where a file is merely untidy (a bad date becomes ``None`` plus a warning) and strict where
money is concerned (an amount that is not a number stops the parse with its segment index).

Layout read (loops of the implementation guide)::

    ISA GS
      ST*835 BPR TRN CUR REF DTM*405
        1000A N1*PR N3 N4 REF PER            payer
        1000B N1*PE N3 N4 REF RDM            payee
        2000  LX TS3 TS2                     header number
          2100 CLP CAS NM1 MIA MOA REF DTM PER AMT QTY
            2110 SVC DTM CAS REF AMT QTY LQ
      PLB
      SE
    GE IEA

Delimiters come from the ISA segment (element separator at ISA position 3, repetition
ISA11, component ISA16 and the segment terminator after it); line breaks between segments
(CRLF or LF) are ignored. Balancing is checked by :func:`balance_problems`, never assumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from medbill_cli.x12.tokens import Delimiters, decode, delimiters, segments

ZERO = Decimal("0")
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")

# CLP02 claim status codes (005010X221A1).
CLAIM_STATUS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to additional payer(s)",
    "20": "processed as secondary, forwarded to additional payer(s)",
    "21": "processed as tertiary, forwarded to additional payer(s)",
    "22": "reversal of previous payment",
    "23": "not our claim, forwarded to additional payer(s)",
    "25": "predetermination pricing only, no payment",
}


class EraParseError(ValueError):
    """The text is not a readable 835. ``segment`` is the 1-based segment index (ISA = 1)."""

    def __init__(self, message: str, segment: int = 0) -> None:
        super().__init__(message)
        self.segment = segment

    def __str__(self) -> str:
        msg = self.args[0]
        return f"{msg} (segment {self.segment})" if self.segment else msg


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Adjustment:
    """One CAS reason: group (CO/PR/OA/PI/CR), CARC, amount (negative on a reversal)."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True)
class Name:
    """An NM1: entity code (QC patient, IL insured, 74 corrected, 82 rendering ...)."""

    entity: str
    last: str
    first: str
    middle: str
    id_qualifier: str
    id: str


@dataclass(frozen=True)
class ServiceLine:
    """Loop 2110: one SVC with its dates, adjustments, references, amounts and remarks."""

    qualifier: str  # SVC01-1: HC, AD, ER, IV, N4, NU ...
    code: str
    modifiers: tuple[str, ...]
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    revenue_code: str
    units: Decimal | None  # SVC05, units paid
    original_code: str  # SVC06-2 when the payer changed the code
    original_units: Decimal | None  # SVC07
    service_date: dt.date | None  # DTM*472, or DTM*150 (period start)
    service_end: dt.date | None  # DTM*151
    adjustments: tuple[Adjustment, ...]
    control_number: str  # REF*6R, our line item control number when we sent one
    allowed: Decimal | None  # AMT*B6
    remarks: tuple[str, ...]  # LQ*HE remark codes (RARC)
    segment: int = 0

    @property
    def adjusted(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


@dataclass(frozen=True)
class ClaimPayment:
    """Loop 2100: CLP and everything under it."""

    pcn: str  # CLP01, our patient control number (CLM01)
    status: str  # CLP02
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    filing_indicator: str  # CLP06
    payer_claim_number: str  # CLP07
    facility_code: str  # CLP08
    frequency: str  # CLP09
    adjustments: tuple[Adjustment, ...]  # claim-level CAS
    names: tuple[Name, ...]
    inpatient_remarks: tuple[str, ...]  # MIA remark codes
    outpatient_remarks: tuple[str, ...]  # MOA03-MOA07
    references: tuple[tuple[str, str], ...]  # REF qualifier, value
    dates: tuple[tuple[str, dt.date | None], ...]  # DTM qualifier, date
    amounts: tuple[tuple[str, Decimal], ...]  # AMT qualifier, amount
    lines: tuple[ServiceLine, ...]
    segment: int = 0

    def name(self, entity: str) -> Name | None:
        return next((n for n in self.names if n.entity == entity), None)

    @property
    def patient(self) -> Name | None:
        return self.name("QC")

    @property
    def corrected_name(self) -> Name | None:
        """NM1*74: the insured's name as the payer corrected it (may lack a last name)."""
        return self.name("74")

    @property
    def remarks(self) -> tuple[str, ...]:
        return self.inpatient_remarks + self.outpatient_remarks

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"

    @property
    def is_denied(self) -> bool:
        return self.status == "4"

    @property
    def payer_sequence(self) -> int:
        """1 primary, 2 secondary, 3 tertiary; 0 when CLP02 says neither."""
        return {"1": 1, "19": 1, "2": 2, "20": 2, "3": 3, "21": 3}.get(self.status, 0)

    def all_adjustments(self) -> tuple[Adjustment, ...]:
        out = list(self.adjustments)
        for ln in self.lines:
            out.extend(ln.adjustments)
        return tuple(out)

    @property
    def adjusted(self) -> Decimal:
        return sum((a.amount for a in self.all_adjustments()), ZERO)

    def date(self, qualifier: str) -> dt.date | None:
        return next((d for q, d in self.dates if q == qualifier), None)


@dataclass(frozen=True)
class ProviderAdjustment:
    """One PLB adjustment pair: reason (WO, L6, FB, 72 ...), reference and amount.

    A positive amount reduces the payment; a negative amount increases it.
    """

    provider_id: str  # PLB01
    fiscal_date: dt.date | None  # PLB02
    reason: str  # PLBnn-1
    reference: str  # PLBnn-2
    amount: Decimal
    segment: int = 0


@dataclass(frozen=True)
class Party:
    """N1 loop 1000A (payer) or 1000B (payee)."""

    name: str = ""
    id_qualifier: str = ""
    id: str = ""
    references: tuple[tuple[str, str], ...] = ()

    def ref(self, qualifier: str) -> str:
        return next((v for q, v in self.references if q == qualifier), "")


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction set (ST..SE): one payment (BPR) with its trace (TRN)."""

    control_number: str  # ST02
    implementation: str  # ST03 or GS08
    handling: str  # BPR01: I remittance+payment, H notification only, C, D, P, U, X
    total: Decimal  # BPR02, signed: negative when BPR03 is D (debit)
    credit_debit: str  # BPR03
    method: str  # BPR04: ACH, CHK, BOP, FWT, NON
    payment_date: dt.date | None  # BPR16
    trace_type: str  # TRN01
    trace_number: str  # TRN02: check or EFT trace number
    originator: str  # TRN03: payer's identifier (1 + EIN usually)
    production_date: dt.date | None  # DTM*405
    payer: Party
    payee: Party
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]
    warnings: tuple[str, ...]
    segment: int = 0  # ST's index

    @property
    def payer_key(self) -> str:
        """Who paid, for duplicate detection: TRN03, else the payer's id, else its name."""
        return (self.originator or self.payer.ref("2U") or self.payer.id or self.payer.name).strip()

    @property
    def plb_total(self) -> Decimal:
        return sum((p.amount for p in self.provider_adjustments), ZERO)


@dataclass(frozen=True)
class Interchange:
    sender: str
    receiver: str
    control_number: str
    date: dt.date | None
    usage: str
    delimiters: Delimiters
    transactions: tuple[Remittance, ...]
    segment_count: int = 0


# --------------------------------------------------------------------------- tokenizing


# --------------------------------------------------------------------------- the parser


def _el(seg: list[str], i: int) -> str:
    return seg[i].strip() if len(seg) > i else ""


# --------------------------------------------------------------------------- drafts
# Filled loop by loop while reading, then frozen into the dataclasses above.


@dataclass
class _LineDraft:
    qualifier: str
    code: str
    modifiers: list[str]
    charge: Decimal
    paid: Decimal
    revenue_code: str
    units: Decimal | None
    original_code: str
    original_units: Decimal | None
    segment: int
    service_date: dt.date | None = None
    service_end: dt.date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    control_number: str = ""
    allowed: Decimal | None = None
    remarks: list[str] = field(default_factory=list)

    def freeze(self) -> ServiceLine:
        return ServiceLine(
            qualifier=self.qualifier, code=self.code, modifiers=tuple(self.modifiers),
            charge=self.charge, paid=self.paid, revenue_code=self.revenue_code,
            units=self.units, original_code=self.original_code,
            original_units=self.original_units, service_date=self.service_date,
            service_end=self.service_end, adjustments=tuple(self.adjustments),
            control_number=self.control_number, allowed=self.allowed,
            remarks=tuple(self.remarks), segment=self.segment)


@dataclass
class _ClaimDraft:
    pcn: str
    status: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal | None
    filing_indicator: str
    payer_claim_number: str
    facility_code: str
    frequency: str
    segment: int
    adjustments: list[Adjustment] = field(default_factory=list)
    names: list[Name] = field(default_factory=list)
    mia: list[str] = field(default_factory=list)
    moa: list[str] = field(default_factory=list)
    refs: list[tuple[str, str]] = field(default_factory=list)
    dates: list[tuple[str, dt.date | None]] = field(default_factory=list)
    amounts: list[tuple[str, Decimal]] = field(default_factory=list)
    lines: list[ServiceLine] = field(default_factory=list)

    def freeze(self) -> ClaimPayment:
        return ClaimPayment(
            pcn=self.pcn, status=self.status, charge=self.charge, paid=self.paid,
            patient_responsibility=self.patient_responsibility,
            filing_indicator=self.filing_indicator, payer_claim_number=self.payer_claim_number,
            facility_code=self.facility_code, frequency=self.frequency,
            adjustments=tuple(self.adjustments), names=tuple(self.names),
            inpatient_remarks=tuple(self.mia), outpatient_remarks=tuple(self.moa),
            references=tuple(self.refs), dates=tuple(self.dates), amounts=tuple(self.amounts),
            lines=tuple(self.lines), segment=self.segment)


@dataclass
class _PartyDraft:
    name: str = ""
    id_qualifier: str = ""
    id: str = ""
    refs: list[tuple[str, str]] = field(default_factory=list)

    def freeze(self) -> Party:
        return Party(name=self.name, id_qualifier=self.id_qualifier, id=self.id,
                     references=tuple(self.refs))


@dataclass
class _TxDraft:
    control: str
    implementation: str
    segment: int
    handling: str = ""
    total: Decimal | None = None  # None until BPR
    credit_debit: str = ""
    method: str = ""
    payment_date: dt.date | None = None
    trace_type: str = ""
    trace: str | None = None  # None until TRN
    originator: str = ""
    production_date: dt.date | None = None


Handler = Callable[["_Builder", list[str], int], None]


class _Builder:
    """Reading state: the open transaction set, claim and line as drafts; frozen dataclasses
    come out as each loop closes."""

    def __init__(self, d: Delimiters) -> None:
        self.d = d
        self.transactions: list[Remittance] = []
        self.warnings: list[str] = []
        self.gs_version = ""
        self.tx: _TxDraft | None = None
        self.claims: list[ClaimPayment] = []
        self.claim: _ClaimDraft | None = None
        self.line: _LineDraft | None = None
        self.plbs: list[ProviderAdjustment] = []
        self.party: _PartyDraft | None = None  # the N1 loop being read (payer or payee)
        self.payer = _PartyDraft()
        self.payee = _PartyDraft()

    # -- values
    def money(self, seg: list[str], i: int, idx: int, *, required: bool = True) -> Decimal | None:
        raw = _el(seg, i)
        if not raw:
            if required:
                raise EraParseError(f"{seg[0]}{i:02d} (an amount) is missing", idx)
            return None
        try:
            val = Decimal(raw)
        except InvalidOperation:
            raise EraParseError(f"{seg[0]}{i:02d} '{raw}' is not an amount", idx) from None
        if not val.is_finite():
            raise EraParseError(f"{seg[0]}{i:02d} '{raw}' is not an amount", idx)
        return val

    def amount(self, seg: list[str], i: int, idx: int) -> Decimal:
        """A required amount."""
        val = self.money(seg, i, idx)
        assert val is not None
        return val

    def number(self, seg: list[str], i: int, idx: int) -> Decimal | None:
        raw = _el(seg, i)
        if not raw:
            return None
        try:
            val = Decimal(raw)
        except InvalidOperation:
            self.warnings.append(f"segment {idx} {seg[0]}{i:02d}: '{raw}' is not a number; ignored")
            return None
        return val if val.is_finite() else None

    def date(self, raw: str, idx: int, what: str) -> dt.date | None:
        raw = raw.strip()
        if not raw:
            return None
        try:
            if len(raw) == 8 and raw.isdigit():
                return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            pass
        self.warnings.append(f"segment {idx} {what}: '{raw}' is not a date (CCYYMMDD); ignored")
        return None

    def composite(self, raw: str, idx: int = 0) -> list[str]:
        if not raw:
            return []
        parts = raw.split(self.d.component)
        if len(parts) == 1:
            # Some senders use another component separator than the one ISA16 declares
            # ("HC>99213" under ISA16 ':'): read it, and say so.
            for other in (">", ":", "^", "\\", "|"):
                if other != self.d.component and other in raw and raw.split(other)[0].isalnum():
                    self.warnings.append(f"segment {idx}: '{raw}' uses '{other}' as the component "
                                         f"separator, not '{self.d.component}' (ISA16)")
                    return raw.split(other)
        return parts

    # -- loops
    def close_line(self) -> None:
        if self.line is None or self.claim is None:
            return
        self.claim.lines.append(self.line.freeze())
        self.line = None

    def close_claim(self) -> None:
        self.close_line()
        if self.claim is None:
            return
        self.claims.append(self.claim.freeze())
        self.claim = None

    def close_tx(self, idx: int) -> None:
        self.close_claim()
        if self.tx is None:
            return
        t = self.tx
        self.tx = None
        if t.total is None:
            raise EraParseError("The 835 has no BPR segment (the payment)", t.segment)
        if t.trace is None:
            self.warnings.append(
                f"segment {t.segment}: the 835 has no TRN segment (trace number)")
        warnings = tuple(self.warnings)
        self.warnings = []
        self.transactions.append(Remittance(
            control_number=t.control, implementation=t.implementation, handling=t.handling,
            total=t.total, credit_debit=t.credit_debit, method=t.method,
            payment_date=t.payment_date, trace_type=t.trace_type, trace_number=t.trace or "",
            originator=t.originator, production_date=t.production_date,
            payer=self.payer.freeze(), payee=self.payee.freeze(),
            claims=tuple(self.claims), provider_adjustments=tuple(self.plbs),
            warnings=warnings, segment=t.segment,
        ))
        self.claims = []
        self.plbs = []
        self.payer = _PartyDraft()
        self.payee = _PartyDraft()
        self.party = None

    def cas(self, seg: list[str], idx: int) -> list[Adjustment]:
        group = _el(seg, 1)
        if group not in GROUP_CODES:
            raise EraParseError(f"CAS01 '{group}' is not a claim adjustment group code "
                                f"({', '.join(GROUP_CODES)})", idx)
        out: list[Adjustment] = []
        for k in range(6):
            base = 2 + 3 * k
            reason = _el(seg, base)
            if not reason:
                if _el(seg, base + 1):
                    raise EraParseError(f"CAS{base:02d} (the reason code) is missing", idx)
                continue
            out.append(Adjustment(group, reason, self.amount(seg, base + 1, idx),
                                  self.number(seg, base + 2, idx)))
        if not out:
            raise EraParseError("CAS has no reason code and amount", idx)
        return out

    # -- the envelope
    def feed(self, seg: list[str], idx: int) -> None:
        sid = seg[0].strip().upper()
        envelope = _ENVELOPE.get(sid)
        if envelope is not None:
            envelope(self, seg, idx)
            return
        if self.tx is None:
            raise EraParseError(f"{sid} outside a transaction set (no ST*835 before it)", idx)
        handler = _SEGMENTS.get(sid)
        if handler is not None:
            handler(self, seg, idx)
        # Everything else (CUR, PER, N3, N4, RDM, QTY, ...) carries nothing we post.

    def on_gs(self, seg: list[str], idx: int) -> None:
        self.gs_version = _el(seg, 8)
        if _el(seg, 1) and _el(seg, 1) != "HP":
            raise EraParseError(f"Not an 835: the functional group is {_el(seg, 1)} "
                                "(an 835 is HP)", idx)

    def on_st(self, seg: list[str], idx: int) -> None:
        if _el(seg, 1) != "835":
            raise EraParseError(
                f"Not an 835: the transaction set is {_el(seg, 1) or '(none)'}", idx)
        if self.tx is not None:
            self.close_tx(idx)
        impl = _el(seg, 3) or self.gs_version
        self.tx = _TxDraft(_el(seg, 2), impl, idx)
        if impl and not impl.startswith("005010X221"):
            self.warnings.append(f"segment {idx}: implementation {impl} is not "
                                 "005010X221A1; read as if it were")

    def on_se(self, seg: list[str], idx: int) -> None:
        self.close_tx(idx)

    def on_end(self, seg: list[str], idx: int) -> None:
        if self.tx is not None:
            self.close_tx(idx)

    # -- the header
    def on_bpr(self, seg: list[str], idx: int) -> None:
        assert self.tx is not None
        t = self.tx
        amt = self.amount(seg, 2, idx)
        t.credit_debit = _el(seg, 3)
        t.handling, t.method = _el(seg, 1), _el(seg, 4)
        t.total = -amt if t.credit_debit == "D" else amt
        t.payment_date = self.date(_el(seg, 16), idx, "BPR16")

    def on_trn(self, seg: list[str], idx: int) -> None:
        assert self.tx is not None
        if self.tx.trace is None:
            self.tx.trace_type, self.tx.trace = _el(seg, 1), _el(seg, 2)
            self.tx.originator = _el(seg, 3)

    def on_n1(self, seg: list[str], idx: int) -> None:
        self.close_claim()
        code = _el(seg, 1)
        self.party = {"PR": self.payer, "PE": self.payee}.get(code)
        if self.party is not None:
            self.party.name, self.party.id_qualifier = _el(seg, 2), _el(seg, 3)
            self.party.id, self.party.refs = _el(seg, 4), []

    def on_lx(self, seg: list[str], idx: int) -> None:
        self.close_claim()
        self.party = None

    # -- claims and lines
    def on_clp(self, seg: list[str], idx: int) -> None:
        self.close_claim()
        self.party = None
        charge = self.amount(seg, 3, idx)
        paid = self.amount(seg, 4, idx)
        pcn = _el(seg, 1)
        if not pcn:
            raise EraParseError("CLP01 (the patient control number) is missing", idx)
        self.claim = _ClaimDraft(
            pcn=pcn, status=_el(seg, 2), charge=charge, paid=paid,
            patient_responsibility=self.money(seg, 5, idx, required=False),
            filing_indicator=_el(seg, 6), payer_claim_number=_el(seg, 7),
            facility_code=_el(seg, 8), frequency=_el(seg, 9), segment=idx)
        if _el(seg, 2) not in CLAIM_STATUS:
            self.warnings.append(
                f"segment {idx}: CLP02 '{_el(seg, 2)}' is not a known claim status")

    def on_svc(self, seg: list[str], idx: int) -> None:
        if self.claim is None:
            raise EraParseError("SVC before any CLP", idx)
        self.close_line()
        proc = self.composite(_el(seg, 1), idx)
        orig = self.composite(_el(seg, 6), idx)
        charge = self.amount(seg, 2, idx)
        paid = self.money(seg, 3, idx, required=False)
        self.line = _LineDraft(
            qualifier=proc[0] if proc else "", code=proc[1] if len(proc) > 1 else "",
            modifiers=[m for m in proc[2:6] if m], charge=charge,
            paid=paid if paid is not None else ZERO, revenue_code=_el(seg, 4),
            units=self.number(seg, 5, idx), original_code=orig[1] if len(orig) > 1 else "",
            original_units=self.number(seg, 7, idx), segment=idx)

    def on_cas(self, seg: list[str], idx: int) -> None:
        adj = self.cas(seg, idx)
        if self.line is not None:
            self.line.adjustments.extend(adj)
        elif self.claim is not None:
            self.claim.adjustments.extend(adj)
        else:
            raise EraParseError("CAS outside a claim", idx)

    def on_nm1(self, seg: list[str], idx: int) -> None:
        if self.claim is not None:
            self.claim.names.append(Name(
                entity=_el(seg, 1), last=_el(seg, 3), first=_el(seg, 4), middle=_el(seg, 5),
                id_qualifier=_el(seg, 8), id=_el(seg, 9)))

    def on_mia(self, seg: list[str], idx: int) -> None:
        # MIA05, MIA20-MIA24 are remark codes.
        if self.claim is not None:
            self.claim.mia.extend(_el(seg, i) for i in (5, 20, 21, 22, 23, 24) if _el(seg, i))

    def on_moa(self, seg: list[str], idx: int) -> None:
        if self.claim is not None:
            self.claim.moa.extend(_el(seg, i) for i in (3, 4, 5, 6, 7) if _el(seg, i))

    def on_lq(self, seg: list[str], idx: int) -> None:
        if self.line is not None and _el(seg, 2):
            self.line.remarks.append(_el(seg, 2))

    def on_ref(self, seg: list[str], idx: int) -> None:
        pair = (_el(seg, 1), _el(seg, 2))
        if self.line is not None:
            if pair[0] == "6R":
                self.line.control_number = pair[1]
        elif self.claim is not None:
            self.claim.refs.append(pair)
        elif self.party is not None:
            self.party.refs.append(pair)

    def on_dtm(self, seg: list[str], idx: int) -> None:
        q = _el(seg, 1)
        if self.claim is None:
            if q == "405":
                assert self.tx is not None
                self.tx.production_date = self.date(_el(seg, 2), idx, "DTM*405")
            return
        d = self.date(_el(seg, 2), idx, f"DTM*{q}")
        if self.line is not None:
            if q in ("472", "150"):
                self.line.service_date = d
            elif q == "151":
                self.line.service_end = d
        else:
            self.claim.dates.append((q, d))

    def on_amt(self, seg: list[str], idx: int) -> None:
        amt = self.number(seg, 2, idx)
        if amt is None:
            return
        if self.line is not None:
            if _el(seg, 1) == "B6":
                self.line.allowed = amt
        elif self.claim is not None:
            self.claim.amounts.append((_el(seg, 1), amt))

    def on_plb(self, seg: list[str], idx: int) -> None:
        self.close_claim()
        fiscal = self.date(_el(seg, 2), idx, "PLB02")
        for k in range(6):
            base = 3 + 2 * k
            comp = self.composite(_el(seg, base))
            if not comp or not comp[0]:
                continue
            self.plbs.append(ProviderAdjustment(
                provider_id=_el(seg, 1), fiscal_date=fiscal, reason=comp[0],
                reference=comp[1] if len(comp) > 1 else "",
                amount=self.amount(seg, base + 1, idx), segment=idx))


_ENVELOPE: dict[str, Handler] = {
    "GS": _Builder.on_gs, "ST": _Builder.on_st, "SE": _Builder.on_se,
    "GE": _Builder.on_end, "IEA": _Builder.on_end, "ISA": _Builder.on_end, "TA1": _Builder.on_end,
}
_SEGMENTS: dict[str, Handler] = {
    "BPR": _Builder.on_bpr, "TRN": _Builder.on_trn, "N1": _Builder.on_n1,
    "LX": _Builder.on_lx, "TS3": _Builder.on_lx, "TS2": _Builder.on_lx,
    "CLP": _Builder.on_clp, "SVC": _Builder.on_svc, "CAS": _Builder.on_cas,
    "NM1": _Builder.on_nm1, "MIA": _Builder.on_mia, "MOA": _Builder.on_moa,
    "LQ": _Builder.on_lq, "REF": _Builder.on_ref, "DTM": _Builder.on_dtm,
    "AMT": _Builder.on_amt, "PLB": _Builder.on_plb,
}


def parse_835(data: bytes | str) -> Interchange:
    """Parse an 835 interchange.

    Args:
        data: the file's bytes (or text); any delimiters, with or without line breaks.

    Returns:
        The interchange with one :class:`Remittance` per ST*835 transaction set.

    Raises:
        EraParseError: not an 835, or an amount or structure that cannot be read.
    """
    text = decode(data)
    d = delimiters(text, EraParseError)
    segs = segments(text, d)
    isa = segs[0]
    b = _Builder(d)
    for i, seg in enumerate(segs[1:], start=2):
        b.feed(seg, i)
    if b.tx is not None:
        b.warnings.append("the file ends without SE")
        b.close_tx(len(segs))
    if not b.transactions:
        raise EraParseError("The file holds no 835 transaction set (no ST*835)")
    return Interchange(
        sender=_el(isa, 6), receiver=_el(isa, 8), control_number=_el(isa, 13),
        date=b.date("20" + _el(isa, 9), 1, "ISA09") if len(_el(isa, 9)) == 6 else None,
        usage=_el(isa, 15), delimiters=d, transactions=tuple(b.transactions),
        segment_count=len(segs),
    )


# --------------------------------------------------------------------------- balancing


@dataclass(frozen=True)
class Problem:
    """Something that does not add up: where (claim pcn or ``file``), what, and the segment."""

    where: str
    message: str
    segment: int = 0


def claim_problems(c: ClaimPayment) -> list[Problem]:
    """A claim balances when CLP03 - CLP04 equals all its CAS amounts (claim and lines), and
    each line's SVC02 - SVC03 equals that line's CAS amounts."""
    out: list[Problem] = []
    adj = c.adjusted
    if c.charge - c.paid != adj:
        diff = c.charge - c.paid - adj
        out.append(Problem(c.pcn, f"charge {c.charge:.2f} != paid {c.paid:.2f} + adjustments "
                           f"{adj:.2f} (off by {diff:.2f})", c.segment))
    for n, ln in enumerate(c.lines, start=1):
        if ln.charge - ln.paid != ln.adjusted:
            diff = ln.charge - ln.paid - ln.adjusted
            out.append(Problem(c.pcn, f"line {n} ({ln.code}): charge {ln.charge:.2f} != paid "
                               f"{ln.paid:.2f} + adjustments {ln.adjusted:.2f} (off by {diff:.2f})",
                               ln.segment))
    return out


def balance_problems(r: Remittance) -> list[Problem]:
    """Everything in one transaction set that does not balance (empty when it all does).

    BPR02 (signed by BPR03) must equal the sum of CLP04 minus the PLB amounts, and every
    claim and line must balance (:func:`claim_problems`).
    """
    out: list[Problem] = []
    paid = sum((c.paid for c in r.claims), ZERO)
    expected = paid - r.plb_total
    if expected != r.total:
        out.append(Problem("file", f"BPR02 {r.total:.2f} != claims paid {paid:.2f} - PLB "
                           f"{r.plb_total:.2f} = {expected:.2f} (off by {r.total - expected:.2f})",
                           r.segment))
    for c in r.claims:
        out.extend(claim_problems(c))
    return out
