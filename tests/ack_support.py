"""Build the acknowledgments a clearinghouse or payer sends back for a batch medbill exported:
TA1, 999 (005010X231A1) and 277CA (005010X214), from the batch file itself (its ISA13, GS06,
ST02 and each CLM01), so a test states only what was decided. Each validates with pyx12's maps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from claim_support import Svc, add_coverage, add_patient, add_visit, load_codes
from conftest import Cli
from x12_support import pyx12_errors, segments


@dataclass
class Sent:
    """What an exported 837P batch holds: control numbers and each claim's CLM01 and CLM02."""

    isa: str
    gs: str
    st: str
    claims: list[tuple[str, str]]  # (CLM01, CLM02)
    sender: str
    receiver: str


def sent(path: Path) -> Sent:
    segs = segments(path.read_text())
    isa = segs[0]
    gs = next(s for s in segs if s[0] == "GS")
    st = next(s for s in segs if s[0] == "ST")
    return Sent(isa[13], gs[6], st[2], [(s[1], s[2]) for s in segs if s[0] == "CLM"],
                isa[6].strip(), isa[8].strip())


def export_claims(cli: Cli, tmp_path: Path, n: int, name: str = "batch.x12",
                  first: str = "John") -> tuple[Path, list[str]]:
    """``n`` patients with one visit each, generated, scrubbed and exported; returns the file
    and the accounts."""
    load_codes(cli) if not cli.db.scalar("SELECT count(*) FROM code") else None
    accounts = []
    for i in range(n):
        a = add_patient(cli, first, f"Doe{chr(65 + i % 26)}{chr(65 + i // 26)}")
        add_coverage(cli, a)
        add_visit(cli, a, ["I10"], [Svc("99213", 12500 + i)])
        accounts.append(a)
    cli.ok("claim", "generate")
    cli.ok("claim", "scrub")
    out = tmp_path / name
    cli.ok("claim", "export", "--format", "x12", "--output", str(out))
    return out, accounts


def _isa(s: Sent, control: int, when: dt.datetime) -> str:
    # The answer comes from the receiver, back to the submitter.
    return (f"ISA*00*          *00*          *ZZ*{s.receiver:<15}*ZZ*{s.sender:<15}*"
            f"{when:%y%m%d}*{when:%H%M}*^*00501*{control:09d}*0*P*:")


def envelope(s: Sent, body: list[str], *, gs_id: str, version: str, control: int,
             when: dt.datetime, ta1: list[str] | None = None, st_id: str = "999",
             delimiters: tuple[str, str] = ("*", "~"), newline: bool = True) -> str:
    st = f"{control:04d}"
    segs = [_isa(s, control, when), *(ta1 or [])]
    if body:
        segs += [f"GS*{gs_id}*{s.receiver}*{s.sender}*{when:%Y%m%d}*{when:%H%M}*{control}*X*"
                 f"{version}",
                 f"ST*{st_id}*{st}*{version}", *body, f"SE*{len(body) + 2}*{st}", f"GE*1*{control}"]
    segs.append(f"IEA*{1 if body else 0}*{control:09d}")
    elem, term = delimiters
    text = (term + ("\n" if newline else "")).join(segs) + term + ("\n" if newline else "")
    return text.replace("*", elem) if elem != "*" else text


WHEN = dt.datetime(2026, 1, 5, 12, 0)


def ta1(s: Sent, code: str = "R", note: str = "006", control: int = 9001) -> str:
    seg = f"TA1*{s.isa}*{WHEN:%y%m%d}*{WHEN:%H%M}*{code}*{note}"
    return envelope(s, [], gs_id="", version="", control=control, when=WHEN, ta1=[seg])


@dataclass
class IK3:
    segment: str
    position: int
    loop: str
    code: str
    elements: list[tuple[str, str, str, str]] = field(default_factory=list)  # pos, ref, code, bad


def ack_999(s: Sent, code: str = "A", errors: list[IK3] | None = None, control: int = 8001,
            gs: str | None = None, st: str | None = None, reasons: list[str] | None = None) -> str:
    errors = errors or []
    body = [f"AK1*HC*{gs or s.gs}*005010X222A1", f"AK2*837*{st or s.st}*005010X222A1"]
    for e in errors:
        body.append(f"IK3*{e.segment}*{e.position}*{e.loop}*{e.code}")
        for pos, ref, c, bad in e.elements:
            body.append("*".join(["IK4", pos, ref, c, bad]).rstrip("*"))
    body.append("*".join(["IK5", code, *(reasons or (["5"] if code in "RE" and errors else []))]))
    accepted = 0 if code in "RMWX" else 1
    group = "A" if accepted and code == "A" else "E" if accepted else "R"
    body.append(f"AK9*{group}*1*1*{accepted}")
    return envelope(s, body, gs_id="FA", version="005010X231A1", control=control, when=WHEN)


@dataclass
class Answer:
    """One claim's answer in a 277CA."""

    pcn: str
    charge: str
    stc: str  # STC01, e.g. A2:20:PR or A7:164:IL
    payer_claim_number: str | None = None
    # (code, charge, STC01, REF*FJ) of each rejected line
    line_stc: list[tuple[str, str, str, str]] = field(default_factory=list)


def ack_277ca(s: Sent, answers: list[Answer], *, source: str = "AY", control: int = 7001,
              dos: dt.date = dt.date(2026, 1, 2), version: str = "005010X214") -> str:
    src_name = "ACME CLEARINGHOUSE" if source == "AY" else "ACME HEALTH"
    src_id = s.receiver if source == "AY" else "ACME1"
    total = sum(float(a.charge) for a in answers)
    accepted = [a for a in answers if a.stc[:2] in ("A1", "A2")]
    body = [f"BHT*0085*08*R{control}*{WHEN:%Y%m%d}*{WHEN:%H%M}*TH",
            "HL*1**20*1", f"NM1*{source}*2*{src_name}*****46*{src_id}", f"TRN*1*T{control}",
            f"DTP*050*D8*{WHEN:%Y%m%d}", f"DTP*009*D8*{WHEN:%Y%m%d}",
            "HL*2*1*21*1", f"NM1*41*2*MAIN STREET FAMILY MEDICINE*****46*{s.sender}",
            f"TRN*2*{s.gs}", f"STC*A1:19:PR*{WHEN:%Y%m%d}*WQ*{total:.2f}".replace(".00", ""),
            f"QTY*90*{len(accepted)}", f"QTY*AA*{len(answers) - len(accepted)}",
            "HL*3*2*19*1", "NM1*85*2*MAIN STREET FAMILY MEDICINE*****XX*1234567893",
            f"TRN*1*P{control}", f"STC*A1:19:PR**WQ*{total:.2f}".replace(".00", ""),
            f"QTY*QA*{len(accepted)}", f"QTY*QC*{len(answers) - len(accepted)}"]
    hl = 3
    for i, a in enumerate(answers):
        hl += 1
        action = "WQ" if a.stc[:2] in ("A1", "A2") else "U"
        body += [f"HL*{hl}*3*PT", f"NM1*QC*1*DOE*JOHN****MI*M{i:06d}", f"TRN*2*{a.pcn}",
                 f"STC*{a.stc}*{WHEN:%Y%m%d}*{action}*{a.charge}"]
        if a.payer_claim_number:
            body.append(f"REF*1K*{a.payer_claim_number}")
        body.append(f"DTP*472*D8*{dos:%Y%m%d}")
        for code, charge, stc, ref in a.line_stc:
            body += [f"SVC*HC:{code}*{charge}", f"STC*{stc}*{WHEN:%Y%m%d}*U",
                     f"REF*FJ*{ref}",
                     f"DTP*472*D8*{dos:%Y%m%d}"]
    return envelope(s, body, gs_id="HN", version=version, control=control, when=WHEN,
                    st_id="277")


def ack_277(s: Sent, answers: list[Answer], *, control: int = 6001) -> str:
    """A claim status response (005010X212) from the payer, answering a 276."""
    body = [f"BHT*0010*08*R{control}*{WHEN:%Y%m%d}*{WHEN:%H%M}*DG",
            "HL*1**20*1", "NM1*PR*2*ACME HEALTH*****PI*ACME1",
            "HL*2*1*21*1", f"NM1*41*2*MAIN STREET FAMILY MEDICINE*****46*{s.sender}",
            "HL*3*2*19*1", "NM1*1P*2*MAIN STREET FAMILY MEDICINE*****XX*1234567893"]
    hl = 3
    for i, a in enumerate(answers):
        hl += 1
        body += [f"HL*{hl}*3*22*0", f"NM1*IL*1*DOE*JOHN****MI*M{i:06d}", f"TRN*2*{a.pcn}",
                 f"STC*{a.stc}*{WHEN:%Y%m%d}**{a.charge}*0"]
        if a.payer_claim_number:
            body.append(f"REF*1K*{a.payer_claim_number}")
        body += [f"REF*EJ*{a.pcn}", "DTP*472*D8*20260102"]
    return envelope(s, body, gs_id="HN", version="005010X212", control=control, when=WHEN,
                    st_id="277")


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def assert_pyx12_valid(path: Path) -> None:
    problems = pyx12_errors(path)
    assert not problems, "\n".join(problems)


__all__ = ["IK3", "WHEN", "Answer", "Sent", "ack_277", "ack_277ca", "ack_999", "add_coverage",
           "add_patient", "assert_pyx12_valid", "envelope", "export_claims", "sent", "ta1",
           "write"]
