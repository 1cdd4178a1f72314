"""What the clearinghouse and the payers send back for an exported 837P batch, as X12 text:
999 (005010X231A1), 277CA (005010X214) and 835 (005010X221A1).

Pure (no database): the simulated payer reads only the batch file it received (``read_837``),
as a real one would, and states what it decided; these functions write the envelopes, counts
and balancing amounts. Every file imports through the same services ``ack import`` and
``era import`` use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from medbill_cli.x12 import tokens

ZERO = Decimal("0")


def amt(value: Decimal | str | int) -> str:
    """An X12 amount: no trailing zeros (``125``, ``12.5``, ``-60``)."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d:.2f}".rstrip("0")


# --------------------------------------------------------------------------- the batch sent


@dataclass(frozen=True)
class SentLine:
    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    units: str
    dos: dt.date
    control: str | None  # REF*6R, the line's id in medbill
    # The last earlier payer's line adjustments (2430 CAS), on a secondary or tertiary claim.
    prior: tuple[tuple[str, str, Decimal], ...] = ()


@dataclass(frozen=True)
class SentClaim:
    pcn: str  # CLM01
    charge: Decimal  # CLM02
    payer_id: str  # 2010BB NM109
    member_id: str  # 2010BA NM109
    last_name: str
    first_name: str
    lines: tuple[SentLine, ...]
    sequence: str = "P"  # 2000B SBR01: P primary, S secondary, T tertiary


@dataclass(frozen=True)
class SentBatch:
    isa: str  # ISA13
    gs: str  # GS06
    st: str  # ST02
    sender: str  # ISA06
    receiver: str  # ISA08
    billing_name: str
    billing_npi: str
    claims: tuple[SentClaim, ...]


class _Unreadable(ValueError):
    pass


def _d8(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def read_837(data: bytes | str) -> SentBatch:
    """The control numbers, billing provider and claims of an 837P batch (what a payer reads).

    Args:
        data: the batch file as exported.

    Returns:
        The batch.
    """
    text = tokens.decode(data)
    d = tokens.delimiters(text, _Unreadable)
    segs = tokens.segments(text, d)
    isa = segs[0]
    gs = next(s for s in segs if s[0] == "GS")
    st = next(s for s in segs if s[0] == "ST")
    billing = next(s for s in segs if s[0] == "NM1" and s[1] == "85")
    claims: list[SentClaim] = []
    member = ("", "", "")
    payer = ""
    sequence = "P"
    pending: dict[str, object] | None = None
    lines: list[SentLine] = []
    line: dict[str, object] | None = None

    def flush_line() -> None:
        nonlocal line
        if line is not None:
            lines.append(SentLine(**line))  # type: ignore[arg-type]
        line = None

    def flush_claim() -> None:
        nonlocal pending, lines
        flush_line()
        if pending is not None:
            claims.append(SentClaim(lines=tuple(lines), **pending))  # type: ignore[arg-type]
        pending, lines = None, []

    for s in segs:
        tag = s[0]
        if tag == "HL":
            flush_claim()
        elif tag == "NM1" and s[1] == "IL":
            member = (s[9] if len(s) > 9 else "", s[3], s[4] if len(s) > 4 else "")
        elif tag == "NM1" and s[1] == "PR":
            payer = s[9] if len(s) > 9 else ""
        elif tag == "SBR" and pending is None:
            sequence = s[1]  # 2000B; the 2320 SBRs come after CLM
        elif tag == "CLM":
            flush_claim()
            pending = {"pcn": s[1], "charge": Decimal(s[2]), "payer_id": payer,
                       "member_id": member[0], "last_name": member[1], "first_name": member[2],
                       "sequence": sequence}
        elif tag == "SV1":
            flush_line()
            proc = s[1].split(d.component)
            line = {"code": proc[1], "modifiers": tuple(m for m in proc[2:] if m),
                    "charge": Decimal(s[2]), "units": s[4] if len(s) > 4 else "1",
                    "dos": dt.date(1900, 1, 1), "control": None, "prior": ()}
        elif tag == "DTP" and s[1] == "472" and line is not None:
            line["dos"] = _d8(s[3][:8])
        elif tag == "REF" and s[1] == "6R" and line is not None:
            line["control"] = s[2]
        elif tag == "SVD" and line is not None:
            line["prior"] = ()  # each payer's 2430 in turn; the last one is the one before us
        elif tag == "CAS" and line is not None:  # 2430 (2320 CAS come before any line)
            got = list(line["prior"])  # type: ignore[call-overload]
            for i in range(2, len(s) - 1, 3):
                if s[i]:
                    got.append((s[1], s[i], Decimal(s[i + 1])))
            line["prior"] = tuple(got)
    flush_claim()
    return SentBatch(isa=isa[13], gs=gs[6], st=st[2], sender=isa[6].strip(),
                     receiver=isa[8].strip(), billing_name=billing[3],
                     billing_npi=billing[9] if len(billing) > 9 else "", claims=tuple(claims))


# --------------------------------------------------------------------------- envelopes


def _envelope(*, sender: str, receiver: str, control: int, when: dt.datetime, gs_id: str,
              version: str, st_id: str, body: Sequence[str], st_version: str | None = None) -> str:
    st = f"{control % 10000:04d}"
    segs = [
        f"ISA*00*          *00*          *ZZ*{sender[:15]:<15}*ZZ*{receiver[:15]:<15}*"
        f"{when:%y%m%d}*{when:%H%M}*^*00501*{control:09d}*0*P*:",
        f"GS*{gs_id}*{sender}*{receiver}*{when:%Y%m%d}*{when:%H%M}*{control}*X*{version}",
        f"ST*{st_id}*{st}" + (f"*{st_version}" if st_version else ""),
        *body,
        f"SE*{len(body) + 2}*{st}",
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    return "~\n".join(segs) + "~\n"


def ack_999(batch: SentBatch, *, control: int, when: dt.datetime) -> str:
    """The clearinghouse's 999 accepting the batch's one transaction set."""
    body = [f"AK1*HC*{batch.gs}*005010X222A1", f"AK2*837*{batch.st}*005010X222A1", "IK5*A",
            "AK9*A*1*1*1"]
    return _envelope(sender=batch.receiver, receiver=batch.sender, control=control, when=when,
                     gs_id="FA", version="005010X231A1", st_id="999", body=body,
                     st_version="005010X231A1")


@dataclass(frozen=True)
class Answer:
    """One claim's answer in a 277CA: ``A2:20:PR`` accepted, ``A7:...`` rejected."""

    claim: SentClaim
    stc: str
    payer_claim_number: str | None = None

    @property
    def accepted(self) -> bool:
        return self.stc[:2] in ("A1", "A2")


def ack_277ca(batch: SentBatch, answers: Sequence[Answer], *, control: int, when: dt.datetime,
              source_name: str, source_id: str) -> str:
    """The 277CA claim acknowledgment: every claim accepted into adjudication or rejected."""
    total = sum((a.claim.charge for a in answers), ZERO)
    ok = sum(1 for a in answers if a.accepted)
    bad = len(answers) - ok
    day = f"{when:%Y%m%d}"
    body = [f"BHT*0085*08*R{control}*{day}*{when:%H%M}*TH",
            "HL*1**20*1", f"NM1*AY*2*{source_name}*****46*{source_id}", f"TRN*1*T{control}",
            f"DTP*050*D8*{day}", f"DTP*009*D8*{day}",
            "HL*2*1*21*1", f"NM1*41*2*{batch.billing_name}*****46*{batch.sender}",
            f"TRN*2*{batch.gs}", f"STC*A1:19:PR*{day}*WQ*{amt(total)}",
            f"QTY*90*{ok}", f"QTY*AA*{bad}",
            "HL*3*2*19*1", f"NM1*85*2*{batch.billing_name}*****XX*{batch.billing_npi}",
            f"TRN*1*P{control}", f"STC*A1:19:PR**WQ*{amt(total)}",
            f"QTY*QA*{ok}", f"QTY*QC*{bad}"]
    for hl, a in enumerate(answers, start=4):
        c = a.claim
        action = "WQ" if a.accepted else "U"
        name = f"NM1*QC*1*{c.last_name}*{c.first_name}****MI*{c.member_id}"
        body += [f"HL*{hl}*3*PT", name, f"TRN*2*{c.pcn}",
                 f"STC*{a.stc}*{day}*{action}*{amt(c.charge)}"]
        if a.payer_claim_number:
            body.append(f"REF*1K*{a.payer_claim_number}")
        first = min(ln.dos for ln in c.lines)
        last = max(ln.dos for ln in c.lines)
        body.append(f"DTP*472*D8*{first:%Y%m%d}" if first == last
                    else f"DTP*472*RD8*{first:%Y%m%d}-{last:%Y%m%d}")
    return _envelope(sender=batch.receiver, receiver=batch.sender, control=control, when=when,
                     gs_id="HN", version="005010X214", st_id="277", body=body,
                     st_version="005010X214")


# --------------------------------------------------------------------------- 835

Adjustment = tuple[str, str, Decimal]  # (group, CARC, amount)


@dataclass(frozen=True)
class PaidLine:
    line: SentLine
    paid: Decimal
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()
    sign: int = 1  # -1 on a reversal: every amount negated

    @property
    def allowed(self) -> Decimal:
        return self.paid + sum((a for g, _, a in self.adjustments if g == "PR"), ZERO)


@dataclass(frozen=True)
class PaidClaim:
    """One CLP: ``status`` 1 processed as primary, 2 as secondary, 4 denied, 22 reversal."""

    claim: SentClaim
    status: str
    payer_claim_number: str
    lines: tuple[PaidLine, ...]
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS (a whole-claim denial)
    filing: str = "12"

    @property
    def sign(self) -> int:
        return -1 if self.status == "22" else 1

    @property
    def charge(self) -> Decimal:
        return self.claim.charge * self.sign

    @property
    def paid(self) -> Decimal:
        return sum((ln.paid for ln in self.lines), ZERO) * self.sign

    @property
    def patient_resp(self) -> Decimal:
        pr = sum((a for ln in self.lines for g, _, a in ln.adjustments if g == "PR"), ZERO)
        pr += sum((a for g, _, a in self.adjustments if g == "PR"), ZERO)
        return pr * self.sign


def _cas(adjs: Sequence[Adjustment], sign: int) -> list[str]:
    by_group: dict[str, list[tuple[str, Decimal]]] = {}
    for g, c, a in adjs:
        by_group.setdefault(g, []).append((c, a * sign))
    out = []
    for g, items in by_group.items():
        for i in range(0, len(items), 6):
            parts = ["CAS", g]
            for c, a in items[i:i + 6]:
                parts += [c, amt(a), ""]
            out.append("*".join(parts).rstrip("*"))
    return out


@dataclass(frozen=True)
class Payer:
    name: str
    payer_id: str
    tin: str  # TRN03: 1 + the payer's EIN
    address: str
    city: str
    state: str
    zip: str


@dataclass
class Remit:
    """One 835: a payer's payment (check or EFT) for the claims it adjudicated."""

    payer: Payer
    payee_name: str
    payee_npi: str
    receiver: str  # the practice's ISA id
    trace: str
    paid_on: dt.date
    claims: list[PaidClaim] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((c.paid for c in self.claims), ZERO)


def era_835(r: Remit, *, control: int, when: dt.datetime) -> str:
    """The 835 text: BPR02 is the sum of the claims' payments, so it always balances."""
    total = r.total
    day = f"{r.paid_on:%Y%m%d}"
    if total == 0:
        bpr = f"BPR*H*0*C*NON************{day}"
    else:
        method = "ACH*CCP*01*021000021*DA*123456789*" + r.payer.tin + "**01*011000015*DA*987654321"
        bpr = f"BPR*I*{amt(abs(total))}*{'C' if total > 0 else 'D'}*{method}*{day}"
    body = [bpr, f"TRN*1*{r.trace}*{r.payer.tin}", f"DTM*405*{day}",
            f"N1*PR*{r.payer.name}*XV*{r.payer.payer_id}", f"N3*{r.payer.address}",
            f"N4*{r.payer.city}*{r.payer.state}*{r.payer.zip}",
            "PER*BL*EDI SUPPORT*TE*8005550199",
            f"N1*PE*{r.payee_name}*XX*{r.payee_npi}"]
    if r.claims:
        body.append("LX*1")
    for c in r.claims:
        s = c.sign
        body.append(f"CLP*{c.claim.pcn}*{c.status}*{amt(c.charge)}*{amt(c.paid)}*"
                    f"{amt(c.patient_resp)}*{c.filing}*{c.payer_claim_number}*11*1")
        body += _cas(c.adjustments, s)
        body.append(f"NM1*QC*1*{c.claim.last_name}*{c.claim.first_name}****MI*"
                    f"{c.claim.member_id}")
        for ln in c.lines:
            sl = ln.line
            proc = ":".join(["HC", sl.code, *sl.modifiers])
            body.append(f"SVC*{proc}*{amt(sl.charge * s)}*{amt(ln.paid * s)}**{sl.units}")
            body.append(f"DTM*472*{sl.dos:%Y%m%d}")
            body += _cas(ln.adjustments, s)
            if sl.control:
                body.append(f"REF*6R*{sl.control}")
            if c.status != "4":
                body.append(f"AMT*B6*{amt(ln.allowed * s)}")
            body += [f"LQ*HE*{m}" for m in ln.remarks]
    return _envelope(sender=r.payer.payer_id, receiver=r.receiver, control=control, when=when,
                     gs_id="HP", version="005010X221A1", st_id="835", body=body)


# --------------------------------------------------------------------------- 271


@dataclass(frozen=True)
class Benefit:
    """One person's eligibility answer, echoing the 270's trace."""

    trace: str
    member_id: str
    last_name: str
    first_name: str
    dob: dt.date
    sex: str
    plan_name: str
    plan_begin: dt.date
    plan_end: dt.date
    active: bool
    copay: Decimal | None = None
    deductible: Decimal | None = None
    deductible_left: Decimal | None = None
    coinsurance: Decimal | None = None


def eligibility_271(payer: Payer, provider_name: str, provider_npi: str, receiver: str,
                    answers: Sequence[Benefit], *, control: int, when: dt.datetime) -> str:
    """A payer's 271 (005010X279A1): each subscriber active (plan, copay, coinsurance,
    deductible) or inactive."""
    day = f"{when:%Y%m%d}"
    body = [f"BHT*0022*11*E{control}*{day}*{when:%H%M}", "HL*1**20*1",
            f"NM1*PR*2*{payer.name}*****PI*{payer.payer_id}", "HL*2*1*21*1",
            f"NM1*1P*2*{provider_name}*****XX*{provider_npi}"]
    for hl, a in enumerate(answers, start=3):
        body += [f"HL*{hl}*2*22*0", f"TRN*2*{a.trace}*1{provider_npi[:9]}",
                 f"NM1*IL*1*{a.last_name}*{a.first_name}****MI*{a.member_id}",
                 f"DMG*D8*{a.dob:%Y%m%d}*{a.sex}",
                 f"DTP*346*D8*{a.plan_begin:%Y%m%d}", f"DTP*347*D8*{a.plan_end:%Y%m%d}"]
        if not a.active:
            body.append(f"EB*6*IND*30**{a.plan_name}")
            continue
        body.append(f"EB*1*IND*30*{_insurance_type(payer)}*{a.plan_name}")
        if a.copay is not None:
            body.append(f"EB*B*IND*98*{_insurance_type(payer)}**27*{amt(a.copay)}*****Y")
        if a.coinsurance:
            body.append(f"EB*A*IND*98*{_insurance_type(payer)}****{a.coinsurance.normalize()}"
                        "****Y")
        if a.deductible is not None:
            body.append(f"EB*C*IND*30*{_insurance_type(payer)}**23*{amt(a.deductible)}*****Y")
            body.append(f"EB*C*IND*30*{_insurance_type(payer)}**29*"
                        f"{amt(a.deductible_left or ZERO)}*****Y")
    return _envelope(sender=payer.payer_id, receiver=receiver, control=control, when=when,
                     gs_id="HB", version="005010X279A1", st_id="271", body=body,
                     st_version="005010X279A1")


def _insurance_type(payer: Payer) -> str:
    return {"MCRB1": "MB", "MCAID": "MC"}.get(payer.payer_id, "C1")
