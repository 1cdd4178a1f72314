"""The 270 eligibility inquiry (005010X279A1) writer: frozen dataclasses in, X12 text out.

One interchange, one functional group (GS01 ``HS``), one transaction set per file:

    ISA GS ST BHT
      2000A HL*n**20*1      information source (the payer): NM1*PR
        2000B HL*n*a*21*1   information receiver (the practice): NM1*1P
          2000C HL*n*b*22*x subscriber: TRN, NM1*IL, DMG, [DTP*291, EQ]
            2000D HL*n*c*23*0  dependent (only when the patient has no member id of their
                               own): TRN, NM1*03, DMG, DTP*291, EQ
    SE GE IEA

Inquiries for the same payer share one 2000A/2000B pair. The trace number (TRN02) goes on the
loop of the person asked about, so the 271 echoes it there. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
SEGMENT = "~"
IMPLEMENTATION = "005010X279A1"
TRACE_ORIGINATOR_MAX = 10  # TRN03 is a 10-character originating company id

# EQ01 service type codes a biller asks for (WAVE2.md (d)); the 271 echoes them in EB03.
SERVICE_TYPES = {
    "1": "medical care", "30": "health benefit plan coverage", "33": "chiropractic",
    "35": "dental care", "47": "hospital", "48": "hospital inpatient", "50": "hospital outpatient",
    "86": "emergency services", "88": "pharmacy", "98": "professional (physician) visit - office",
    "AL": "vision (optometry)", "MH": "mental health", "UC": "urgent care",
    "PT": "physical therapy",
}

_TRANS = str.maketrans({c: " " for c in "*:^~\r\n\t"})
_SPACES = re.compile(r" {2,}")


def clean(value: object) -> str:
    """Uppercase ASCII with no delimiter characters and single spaces."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _SPACES.sub(" ", text.translate(_TRANS).upper())
    return text.strip()


@dataclass(frozen=True)
class Envelope:
    """ISA/GS/ST values; ``control_number`` is ISA13, GS06 and ST02 alike."""

    sender_id: str
    receiver_id: str
    control_number: int
    created: dt.datetime
    usage: str = "P"  # ISA15: P production, T test
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    dob: dt.date | None
    sex: str | None = None
    middle_name: str | None = None
    member_id: str | None = None  # NM109 (MI): the subscriber's; a dependent's is None


@dataclass(frozen=True)
class Inquiry:
    """One person asked about: the subscriber, or a dependent under the subscriber."""

    trace: str  # TRN02: unique per inquiry, stored to match the answer
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    subscriber: Person
    date_of_service: dt.date
    service_types: tuple[str, ...] = ("30",)
    dependent: Person | None = None  # None: the patient is the subscriber


def _segment(tag: str, *elements: object) -> str:
    values = ["" if e is None else str(e) for e in elements]
    while values and values[-1] == "":
        values.pop()
    return ELEMENT.join([tag, *values]) + SEGMENT


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.count = 0  # segments from ST through SE
        self.hl = 0

    def seg(self, tag: str, *elements: object) -> None:
        self.parts.append(_segment(tag, *elements))
        self.count += 1

    def next_hl(self) -> int:
        self.hl += 1
        return self.hl


def _name(w: _Writer, entity: str, p: Person, with_id: bool) -> None:
    ident = ("MI", clean(p.member_id)) if with_id and p.member_id else ("", "")
    w.seg("NM1", entity, "1", clean(p.last_name), clean(p.first_name), clean(p.middle_name),
          "", "", *ident)
    if p.dob is not None:
        w.seg("DMG", "D8", p.dob.strftime("%Y%m%d"), clean(p.sex) if p.sex in ("M", "F") else "")


def _ask(w: _Writer, q: Inquiry) -> None:
    w.seg("DTP", "291", "D8", q.date_of_service.strftime("%Y%m%d"))
    for st in q.service_types:
        w.seg("EQ", clean(st))


def _person_loops(w: _Writer, q: Inquiry, receiver_hl: int, originator: str) -> None:
    sub_hl = w.next_hl()
    dep = q.dependent
    w.seg("HL", sub_hl, receiver_hl, "22", "1" if dep else "0")
    if dep is None:
        w.seg("TRN", "1", clean(q.trace), originator)
    _name(w, "IL", q.subscriber, with_id=True)
    if dep is None:
        _ask(w, q)
        return
    w.seg("HL", w.next_hl(), sub_hl, "23", "0")
    w.seg("TRN", "1", clean(q.trace), originator)
    _name(w, "03", dep, with_id=False)
    _ask(w, q)


def write_270(inquiries: Iterable[Inquiry], env: Envelope, *, originator: str) -> str:
    """The 270 interchange for ``inquiries`` as one string.

    Args:
        inquiries: who to ask about; grouped by payer in first-seen order.
        env: the interchange envelope.
        originator: TRN03, the practice's 10-character id (a "1" and its EIN is customary).

    Returns:
        The X12 text, segments ending in ``~`` and one segment per line.
    """
    by_payer: dict[tuple[str, str, str, str], list[Inquiry]] = {}
    for q in inquiries:
        key = (q.payer_id, q.payer_name, q.provider_npi, q.provider_name)
        by_payer.setdefault(key, []).append(q)
    if not by_payer:
        raise ValueError("a 270 needs at least one inquiry")
    orig = clean(originator)[:TRACE_ORIGINATOR_MAX]
    created = env.created
    ctl = env.control_number
    head = [
        _segment("ISA", "00", " " * 10, "00", " " * 10,
                 env.sender_qualifier, clean(env.sender_id).ljust(15)[:15],
                 env.receiver_qualifier, clean(env.receiver_id).ljust(15)[:15],
                 created.strftime("%y%m%d"), created.strftime("%H%M"), REPETITION, "00501",
                 f"{ctl:09d}", "0", env.usage, COMPONENT),
        _segment("GS", "HS", clean(env.sender_id), clean(env.receiver_id),
                 created.strftime("%Y%m%d"), created.strftime("%H%M"), str(ctl), "X",
                 IMPLEMENTATION),
    ]
    w = _Writer()
    st = f"{ctl:04d}"
    w.seg("ST", "270", st, IMPLEMENTATION)
    w.seg("BHT", "0022", "13", f"E{ctl}", created.strftime("%Y%m%d"), created.strftime("%H%M"))
    for (payer_id, payer_name, npi, provider_name), group in by_payer.items():
        source = w.next_hl()
        w.seg("HL", source, "", "20", "1")
        w.seg("NM1", "PR", "2", clean(payer_name), "", "", "", "", "PI", clean(payer_id))
        receiver = w.next_hl()
        w.seg("HL", receiver, source, "21", "1")
        w.seg("NM1", "1P", "2", clean(provider_name), "", "", "", "", "XX", clean(npi))
        for q in group:
            _person_loops(w, q, receiver, orig)
    w.seg("SE", w.count + 1, st)
    tail = [_segment("GE", "1", str(ctl)), _segment("IEA", "1", f"{ctl:09d}")]
    return "\n".join([*head, *w.parts, *tail]) + "\n"
