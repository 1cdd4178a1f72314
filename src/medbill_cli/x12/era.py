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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

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
class Delimiters:
    element: str
    component: str
    segment: str
    repetition: str | None


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


def _decode(data: bytes | str) -> str:
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        text = data
    return text.lstrip("\ufeff \t\r\n")


def delimiters(text: str) -> Delimiters:
    """Read the delimiters from the ISA segment at the start of ``text``."""
    if not text.startswith("ISA") or len(text) < 106:
        raise EraParseError("Not an X12 interchange: the file does not start with an ISA segment")
    elem = text[3]
    if elem.isalnum() or elem.isspace():
        raise EraParseError(f"Not an X12 interchange: {elem!r} cannot be the element separator")
    # ISA has 16 elements; ISA16 (one character, the component separator) follows the 16th
    # separator and the segment terminator follows it. Counting separators copes with
    # files whose fixed-width ISA fields were padded wrongly.
    pos = 3  # the first separator
    for _ in range(15):
        pos = text.find(elem, pos + 1)
        if pos < 0:
            raise EraParseError("The ISA segment is cut short: fewer than 16 elements")
    if pos + 2 >= len(text):
        raise EraParseError("The ISA segment is cut short")
    component = text[pos + 1]
    terminator = text[pos + 2]
    isa = text[: pos + 1].split(elem)
    rep = isa[11] if len(isa) > 11 else ""
    repetition = (rep if len(rep) == 1 and not rep.isalnum() and rep not in (elem, component)
                  else None)
    if terminator.isalnum():
        raise EraParseError(f"Cannot read the segment terminator after ISA16 ({terminator!r})")
    return Delimiters(elem, component, terminator, repetition)


def segments(text: str, d: Delimiters) -> list[list[str]]:
    """The segments as lists of elements; line breaks around segments dropped."""
    out: list[list[str]] = []
    for raw in text.split(d.segment):
        s = raw.strip("\r\n").lstrip()
        if not s.strip():
            continue
        out.append(s.split(d.element))
    return out


# --------------------------------------------------------------------------- the parser


def _el(seg: list[str], i: int) -> str:
    return seg[i].strip() if len(seg) > i else ""


class _Builder:
    """Mutable state while reading; frozen dataclasses come out."""

    def __init__(self, d: Delimiters) -> None:
        self.d = d
        self.transactions: list[Remittance] = []
        self.warnings: list[str] = []
        self.gs_version = ""
        self.tx: dict[str, object] | None = None
        self.claims: list[ClaimPayment] = []
        self.claim: dict[str, object] | None = None
        self.line: dict[str, object] | None = None
        self.plbs: list[ProviderAdjustment] = []
        self.party: str = ""  # "payer" | "payee" | ""
        self.payer: dict[str, object] = {}
        self.payee: dict[str, object] = {}

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
        ln = self.line
        self.line = None
        lines = self.claim["lines"]
        assert isinstance(lines, list)
        lines.append(ServiceLine(
            qualifier=str(ln["qualifier"]), code=str(ln["code"]), modifiers=tuple(ln["modifiers"]),  # type: ignore[arg-type]
            charge=ln["charge"], paid=ln["paid"], revenue_code=str(ln["revenue_code"]),  # type: ignore[arg-type]
            units=ln["units"], original_code=str(ln["original_code"]),  # type: ignore[arg-type]
            original_units=ln["original_units"], service_date=ln["service_date"],  # type: ignore[arg-type]
            service_end=ln["service_end"], adjustments=tuple(ln["adjustments"]),  # type: ignore[arg-type]
            control_number=str(ln["control_number"]), allowed=ln["allowed"],  # type: ignore[arg-type]
            remarks=tuple(ln["remarks"]), segment=int(ln["segment"]),  # type: ignore[arg-type, call-overload]
        ))

    def close_claim(self) -> None:
        self.close_line()
        if self.claim is None:
            return
        c = self.claim
        self.claim = None
        self.claims.append(ClaimPayment(
            pcn=str(c["pcn"]), status=str(c["status"]), charge=c["charge"], paid=c["paid"],  # type: ignore[arg-type]
            patient_responsibility=c["patient_responsibility"],  # type: ignore[arg-type]
            filing_indicator=str(c["filing_indicator"]),
            payer_claim_number=str(c["payer_claim_number"]),
            facility_code=str(c["facility_code"]), frequency=str(c["frequency"]),
            adjustments=tuple(c["adjustments"]), names=tuple(c["names"]),  # type: ignore[arg-type]
            inpatient_remarks=tuple(c["mia"]), outpatient_remarks=tuple(c["moa"]),  # type: ignore[arg-type]
            references=tuple(c["refs"]), dates=tuple(c["dates"]),  # type: ignore[arg-type]
            amounts=tuple(c["amounts"]), lines=tuple(c["lines"]), segment=int(c["segment"]),  # type: ignore[arg-type, call-overload]
        ))

    def party_obj(self, p: dict[str, object]) -> Party:
        return Party(name=str(p.get("name", "")), id_qualifier=str(p.get("idq", "")),
                     id=str(p.get("id", "")), references=tuple(p.get("refs", [])))  # type: ignore[arg-type]

    def close_tx(self, idx: int) -> None:
        self.close_claim()
        if self.tx is None:
            return
        t = self.tx
        self.tx = None
        if "total" not in t:
            raise EraParseError("The 835 has no BPR segment (the payment)", int(t["segment"]))  # type: ignore[call-overload]
        if "trace" not in t:
            self.warnings.append(
                f"segment {t['segment']}: the 835 has no TRN segment (trace number)")
        warnings = tuple(self.warnings)
        self.warnings = []
        self.transactions.append(Remittance(
            control_number=str(t.get("control", "")), implementation=str(t.get("impl", "")),
            handling=str(t.get("handling", "")), total=t["total"],  # type: ignore[arg-type]
            credit_debit=str(t.get("cd", "")), method=str(t.get("method", "")),
            payment_date=t.get("payment_date"), trace_type=str(t.get("trace_type", "")),  # type: ignore[arg-type]
            trace_number=str(t.get("trace", "")), originator=str(t.get("originator", "")),
            production_date=t.get("production_date"),  # type: ignore[arg-type]
            payer=self.party_obj(self.payer), payee=self.party_obj(self.payee),
            claims=tuple(self.claims), provider_adjustments=tuple(self.plbs),
            warnings=warnings, segment=int(t["segment"]),  # type: ignore[call-overload]
        ))
        self.claims = []
        self.plbs = []
        self.payer = {}
        self.payee = {}
        self.party = ""

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
            amt = self.money(seg, base + 1, idx)
            assert amt is not None
            out.append(Adjustment(group, reason, amt, self.number(seg, base + 2, idx)))
        if not out:
            raise EraParseError("CAS has no reason code and amount", idx)
        return out

    # -- the segments
    def feed(self, seg: list[str], idx: int) -> None:  # noqa: C901 - one dispatch table
        sid = seg[0].strip().upper()
        if sid == "GS":
            self.gs_version = _el(seg, 8)
            if _el(seg, 1) and _el(seg, 1) != "HP":
                raise EraParseError(f"Not an 835: the functional group is {_el(seg, 1)} "
                                    "(an 835 is HP)", idx)
            return
        if sid == "ST":
            if _el(seg, 1) != "835":
                raise EraParseError(
                    f"Not an 835: the transaction set is {_el(seg, 1) or '(none)'}", idx)
            if self.tx is not None:
                self.close_tx(idx)
            impl = _el(seg, 3) or self.gs_version
            self.tx = {"control": _el(seg, 2), "impl": impl, "segment": idx}
            if impl and not impl.startswith("005010X221"):
                self.warnings.append(f"segment {idx}: implementation {impl} is not "
                                     "005010X221A1; read as if it were")
            return
        if sid in ("SE",):
            self.close_tx(idx)
            return
        if sid in ("GE", "IEA", "ISA", "TA1"):
            if self.tx is not None:
                self.close_tx(idx)
            return
        if self.tx is None:
            raise EraParseError(f"{sid} outside a transaction set (no ST*835 before it)", idx)
        t = self.tx
        if sid == "BPR":
            amt = self.money(seg, 2, idx)
            assert amt is not None
            cd = _el(seg, 3)
            t.update(handling=_el(seg, 1), total=-amt if cd == "D" else amt, cd=cd,
                     method=_el(seg, 4), payment_date=self.date(_el(seg, 16), idx, "BPR16"))
        elif sid == "TRN":
            if "trace" not in t:
                t.update(trace_type=_el(seg, 1), trace=_el(seg, 2), originator=_el(seg, 3))
        elif sid == "DTM" and self.claim is None:
            if _el(seg, 1) == "405":
                t["production_date"] = self.date(_el(seg, 2), idx, "DTM*405")
        elif sid == "N1":
            self.close_claim()
            code = _el(seg, 1)
            target = {"PR": self.payer, "PE": self.payee}.get(code)
            self.party = {"PR": "payer", "PE": "payee"}.get(code, "")
            if target is not None:
                target.update(name=_el(seg, 2), idq=_el(seg, 3), id=_el(seg, 4), refs=[])
        elif sid == "LX" or sid in ("TS3", "TS2"):
            self.close_claim()
            self.party = ""
        elif sid == "CLP":
            self.close_claim()
            self.party = ""
            charge = self.money(seg, 3, idx)
            paid = self.money(seg, 4, idx)
            pcn = _el(seg, 1)
            if not pcn:
                raise EraParseError("CLP01 (the patient control number) is missing", idx)
            self.claim = {
                "pcn": pcn, "status": _el(seg, 2), "charge": charge, "paid": paid,
                "patient_responsibility": self.money(seg, 5, idx, required=False),
                "filing_indicator": _el(seg, 6), "payer_claim_number": _el(seg, 7),
                "facility_code": _el(seg, 8), "frequency": _el(seg, 9),
                "adjustments": [], "names": [], "mia": [], "moa": [], "refs": [], "dates": [],
                "amounts": [], "lines": [], "segment": idx,
            }
            if _el(seg, 2) not in CLAIM_STATUS:
                self.warnings.append(
                    f"segment {idx}: CLP02 '{_el(seg, 2)}' is not a known claim status")
        elif sid == "SVC":
            if self.claim is None:
                raise EraParseError("SVC before any CLP", idx)
            self.close_line()
            proc = self.composite(_el(seg, 1), idx)
            orig = self.composite(_el(seg, 6), idx)
            charge = self.money(seg, 2, idx)
            paid = self.money(seg, 3, idx, required=False)
            self.line = {
                "qualifier": proc[0] if proc else "", "code": proc[1] if len(proc) > 1 else "",
                "modifiers": [m for m in proc[2:6] if m], "charge": charge,
                "paid": paid if paid is not None else ZERO, "revenue_code": _el(seg, 4),
                "units": self.number(seg, 5, idx),
                "original_code": orig[1] if len(orig) > 1 else "",
                "original_units": self.number(seg, 7, idx), "service_date": None,
                "service_end": None, "adjustments": [], "control_number": "", "allowed": None,
                "remarks": [], "segment": idx,
            }
        elif sid == "CAS":
            adj = self.cas(seg, idx)
            if self.line is not None:
                self.line["adjustments"].extend(adj)  # type: ignore[attr-defined]
            elif self.claim is not None:
                self.claim["adjustments"].extend(adj)  # type: ignore[attr-defined]
            else:
                raise EraParseError("CAS outside a claim", idx)
        elif sid == "NM1" and self.claim is not None:
            self.claim["names"].append(Name(  # type: ignore[attr-defined]
                entity=_el(seg, 1), last=_el(seg, 3), first=_el(seg, 4), middle=_el(seg, 5),
                id_qualifier=_el(seg, 8), id=_el(seg, 9)))
        elif sid == "MIA" and self.claim is not None:
            # MIA05, MIA20-MIA24 are remark codes.
            self.claim["mia"].extend(_el(seg, i) for i in (5, 20, 21, 22, 23, 24) if _el(seg, i))  # type: ignore[attr-defined]
        elif sid == "MOA" and self.claim is not None:
            self.claim["moa"].extend(_el(seg, i) for i in (3, 4, 5, 6, 7) if _el(seg, i))  # type: ignore[attr-defined]
        elif sid == "LQ":
            if self.line is not None and _el(seg, 2):
                self.line["remarks"].append(_el(seg, 2))  # type: ignore[attr-defined]
        elif sid == "REF":
            pair = (_el(seg, 1), _el(seg, 2))
            if self.line is not None:
                if pair[0] == "6R":
                    self.line["control_number"] = pair[1]
            elif self.claim is not None:
                self.claim["refs"].append(pair)  # type: ignore[attr-defined]
            elif self.party:
                target = self.payer if self.party == "payer" else self.payee
                target.setdefault("refs", []).append(pair)  # type: ignore[attr-defined]
        elif sid == "DTM":
            q = _el(seg, 1)
            d = self.date(_el(seg, 2), idx, f"DTM*{q}")
            if self.line is not None:
                if q in ("472", "150"):
                    self.line["service_date"] = d
                elif q == "151":
                    self.line["service_end"] = d
            elif self.claim is not None:
                self.claim["dates"].append((q, d))  # type: ignore[attr-defined]
        elif sid == "AMT":
            amt = self.number(seg, 2, idx)
            if amt is None:
                return
            if self.line is not None:
                if _el(seg, 1) == "B6":
                    self.line["allowed"] = amt
            elif self.claim is not None:
                self.claim["amounts"].append((_el(seg, 1), amt))  # type: ignore[attr-defined]
        elif sid == "PLB":
            self.close_claim()
            fiscal = self.date(_el(seg, 2), idx, "PLB02")
            for k in range(6):
                base = 3 + 2 * k
                comp = self.composite(_el(seg, base))
                if not comp or not comp[0]:
                    continue
                amt = self.money(seg, base + 1, idx)
                assert amt is not None
                self.plbs.append(ProviderAdjustment(
                    provider_id=_el(seg, 1), fiscal_date=fiscal, reason=comp[0],
                    reference=comp[1] if len(comp) > 1 else "", amount=amt, segment=idx))
        # Everything else (CUR, PER, N3, N4, RDM, QTY, TS3, TS2, ...) carries nothing we post.


def parse_835(data: bytes | str) -> Interchange:
    """Parse an 835 interchange.

    Args:
        data: the file's bytes (or text); any delimiters, with or without line breaks.

    Returns:
        The interchange with one :class:`Remittance` per ST*835 transaction set.

    Raises:
        EraParseError: not an 835, or an amount or structure that cannot be read.
    """
    text = _decode(data)
    d = delimiters(text)
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
