"""Build 835 files for tests: claims we exported, paid, adjusted, denied or reversed.

``build_835`` computes BPR02 from the claims and PLBs (unless ``total`` is given) so that a
test states only what the payer decided. The output validates with pyx12's 005010X221A1 map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from medbill_cli.demo.payers import amt  # one way to write an X12 amount, shared with the demo


@dataclass
class Line:
    code: str
    charge: str
    paid: str
    adjustments: list[tuple[str, str, str]] = field(default_factory=list)  # (group, carc, amount)
    remarks: list[str] = field(default_factory=list)
    date: str = "20240102"
    modifiers: list[str] = field(default_factory=list)
    units: str = "1"
    allowed: str | None = None
    control: str | None = None


@dataclass
class ClaimSpec:
    pcn: str
    status: str
    charge: str
    paid: str
    lines: list[Line] = field(default_factory=list)
    adjustments: list[tuple[str, str, str]] = field(default_factory=list)  # claim-level CAS
    patient_resp: str | None = None
    payer_claim_number: str = "PCN0001"
    moa: list[str] = field(default_factory=list)
    member_id: str = "MEMBER01"


@dataclass
class Plb:
    reason: str
    reference: str
    amount: str


def _cas(adjs: list[tuple[str, str, str]]) -> list[str]:
    out: list[str] = []
    by_group: dict[str, list[tuple[str, str]]] = {}
    for g, c, a in adjs:
        by_group.setdefault(g, []).append((c, a))
    for g, items in by_group.items():
        for i in range(0, len(items), 6):
            parts = ["CAS", g]
            for c, a in items[i:i + 6]:
                parts += [c, amt(a), ""]
            while parts[-1] == "":
                parts.pop()
            out.append("*".join(parts))
    return out


def build_835(
    claims: list[ClaimSpec], *, trace: str = "TRACE0001", payer_name: str = "ACME HEALTH",
    payer_tin: str = "1512345678", total: str | None = None, plb: list[Plb] | None = None,
    payment_date: str = "20240105", payee_npi: str = "1234567893", control: int = 1,
    crlf: bool = False,
) -> str:
    plb = plb or []
    paid = sum((Decimal(c.paid) for c in claims), Decimal(0))
    bpr = (
        Decimal(total)
        if total is not None
        else paid - sum((Decimal(p.amount) for p in plb), Decimal(0))
    )
    body: list[str] = []
    if bpr == 0:
        body.append(f"BPR*H*0*C*NON************{payment_date}")
    else:
        body.append(
            f"BPR*I*{amt(abs(bpr))}*{'C' if bpr > 0 else 'D'}*CHK************{payment_date}"
        )
    body += [f"TRN*1*{trace}*{payer_tin}", "DTM*405*20240104", f"N1*PR*{payer_name}",
             "N3*1 PAYER WAY", "N4*HARTFORD*CT*06101", "PER*BL*EDI SUPPORT*TE*8005551212",
             f"N1*PE*MAIN STREET FAMILY MEDICINE*XX*{payee_npi}"]
    if claims:
        body.append("LX*1")
    for c in claims:
        pr = c.patient_resp
        if pr is None:
            tot = sum((Decimal(a) for g, _, a in c.adjustments if g == "PR"), Decimal(0))
            tot += sum(
                (Decimal(a) for ln in c.lines for g, _, a in ln.adjustments if g == "PR"),
                Decimal(0),
            )
            pr = str(tot)
        body.append(f"CLP*{c.pcn}*{c.status}*{amt(c.charge)}*{amt(c.paid)}*{amt(pr)}*12*{c.payer_claim_number}*11*1")
        body += _cas(c.adjustments)
        body.append(f"NM1*QC*1*DOE*JANE****MI*{c.member_id}")
        if c.moa:
            body.append("MOA***" + "*".join(c.moa))
        for ln in c.lines:
            proc = ":".join(["HC", ln.code, *ln.modifiers])
            body.append(f"SVC*{proc}*{amt(ln.charge)}*{amt(ln.paid)}**{ln.units}")
            body.append(f"DTM*472*{ln.date}")
            body += _cas(ln.adjustments)
            if ln.control:
                body.append(f"REF*6R*{ln.control}")
            if ln.allowed is not None:
                body.append(f"AMT*B6*{amt(ln.allowed)}")
            body += [f"LQ*HE*{r}" for r in ln.remarks]
    if plb:
        parts = ["PLB", payee_npi, "20241231"]
        for p in plb:
            parts += [f"{p.reason}:{p.reference}", amt(p.amount)]
        body.append("*".join(parts))
    st = f"{control:04d}"
    segs = [
        "ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*MAINSTREET     "
        f"*240105*1200*^*00501*{control:09d}*0*P*:",
        f"GS*HP*ACMEPAYER*MAINSTREET*20240105*1200*{control}*X*005010X221A1",
        f"ST*835*{st}",
        *body,
        f"SE*{len(body) + 2}*{st}",
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    sep = "~\r\n" if crlf else "~\n"
    return sep.join(segs) + "~\n"
