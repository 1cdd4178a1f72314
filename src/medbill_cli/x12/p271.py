"""The 271 eligibility response (005010X279A1) reader: X12 text in, frozen dataclasses out.

Any delimiters (read from the ISA). The structure is checked as it is read, since pyx12 has no
5010 map for 270/271: the file must be a 271 inside GS*HB, each SE01 must count its segments,
SE02/GE02/IEA02 must echo ST02/GS06/ISA13, GE01/IEA01 must count their transaction sets and
groups, and a file that stops before its IEA is refused as truncated.

Each answer is one person: a 2000C subscriber with no 2000D under it, or a 2000D dependent
(which inherits its subscriber's member id). Loops are filled as mutable drafts and frozen
when the next loop starts.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from medbill_cli.x12.tokens import Delimiters, decode, delimiters, segments


class Eligibility271Error(ValueError):
    """The text is not a readable 271. ``segment`` is the 1-based segment index (ISA = 1)."""

    def __init__(self, message: str, segment: int = 0) -> None:
        super().__init__(message)
        self.segment = segment

    def __str__(self) -> str:
        msg = str(self.args[0])
        return f"{msg} (segment {self.segment})" if self.segment else msg


_Bad = Eligibility271Error


@dataclass(frozen=True)
class Rejection:
    """An AAA segment: the payer could not answer (``reason`` is AAA03)."""

    loop: str  # 2100A payer, 2100B receiver, 2100C subscriber, 2100D dependent, 2110 benefit
    valid: str  # AAA01 Y/N
    reason: str  # AAA03
    follow_up: str  # AAA04


@dataclass(frozen=True)
class DateInfo:
    qualifier: str  # DTP01: 346 plan begin, 347 plan end, 356/357 eligibility, 291 plan, ...
    start: dt.date
    end: dt.date | None = None  # RD8 ranges


@dataclass(frozen=True)
class Entity:
    """A 2120 NM1 under a benefit: another payer (EB01 R), the PCP, a contact."""

    role: str  # NM101
    name: str
    id: str = ""


@dataclass(frozen=True)
class Benefit:
    """One EB segment (loop 2110C/D) with its DTP, MSG and 2120 NM1."""

    code: str  # EB01
    level: str = ""  # EB02 IND FAM ...
    service_types: tuple[str, ...] = ()  # EB03 (repeatable)
    insurance_type: str = ""  # EB04
    plan_name: str = ""  # EB05
    period: str = ""  # EB06
    amount_cents: int | None = None  # EB07
    percent: Decimal | None = None  # EB08, a fraction (.2 = 20%)
    quantity_qualifier: str = ""  # EB09
    quantity: str = ""  # EB10
    auth_required: str = ""  # EB11 Y/N/U
    in_network: str = ""  # EB12 Y/N/W
    procedure: str = ""  # EB13, e.g. HC:99213
    dates: tuple[DateInfo, ...] = ()
    messages: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The payer's answer about one person."""

    trace: str | None  # TRN*2 TRN02: our 270 trace number
    payer_id: str
    payer_name: str
    member_id: str  # the subscriber's NM109
    last_name: str  # of the person asked about
    first_name: str
    dob: dt.date | None
    dependent: bool
    subscriber_last_name: str = ""
    subscriber_first_name: str = ""
    group_number: str = ""
    rejections: tuple[Rejection, ...] = ()
    dates: tuple[DateInfo, ...] = ()
    benefits: tuple[Benefit, ...] = ()
    segment: int = 0  # where the answer's HL starts (1-based, ISA = 1)


@dataclass(frozen=True)
class Interchange:
    control_number: str  # ISA13
    answers: tuple[Answer, ...]
    segment_count: int = 0


@cache
def aaa_reasons() -> dict[str, tuple[str, str]]:
    """AAA03 code -> (reason in words, what to do), from the shipped table."""
    text = resources.files("medbill_cli").joinpath("data/aaa_reasons.csv").read_text("utf-8")
    return {r["code"]: (r["reason"], r["fix"]) for r in csv.DictReader(text.splitlines())}


FOLLOW_UP = {
    "C": "correct the request and send it again",
    "N": "do not send it again",
    "P": "send the original request again",
    "R": "a corrected request may be sent",
    "S": "do not send it again; the payer is asking a third party",
    "W": "wait 30 days and send it again",
    "X": "wait 10 days and send it again",
    "Y": "do not send it again; the payer will answer another way",
}


def reason_words(code: str) -> str:
    """AAA03 in words: ``72`` -> ``the member id is missing or not valid``."""
    found = aaa_reasons().get(code)
    return found[0] if found else f"reason code {code} (not in medbill's table)"


# --------------------------------------------------------------------------- tokenizing


def _el(seg: list[str], i: int) -> str:
    return seg[i].strip() if len(seg) > i else ""


def _date(raw: str, idx: int) -> dt.date:
    try:
        return dt.datetime.strptime(raw, "%Y%m%d").date()
    except ValueError:
        raise _Bad(f"'{raw}' is not a CCYYMMDD date", idx) from None


def _dtp(seg: list[str], idx: int) -> DateInfo:
    fmt, raw = _el(seg, 2), _el(seg, 3)
    if fmt == "RD8":
        start, _, end = raw.partition("-")
        return DateInfo(_el(seg, 1), _date(start, idx), _date(end, idx))
    if fmt != "D8":
        raise _Bad(f"DTP date format '{fmt}' is neither D8 nor RD8", idx)
    return DateInfo(_el(seg, 1), _date(raw, idx))


# --------------------------------------------------------------------------- the parser


@dataclass
class _BenefitDraft:
    eb: Benefit  # the EB segment's own elements
    dates: list[DateInfo] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def freeze(self) -> Benefit:
        return replace(self.eb, dates=tuple(self.dates), messages=tuple(self.messages),
                       entities=tuple(self.entities))


@dataclass
class _PersonDraft:
    hl: str
    segment: int
    dependent: bool
    trace: str | None = None
    member_id: str = ""
    last_name: str = ""
    first_name: str = ""
    dob: dt.date | None = None
    group_number: str = ""
    rejections: list[Rejection] = field(default_factory=list)
    dates: list[DateInfo] = field(default_factory=list)
    benefits: list[Benefit] = field(default_factory=list)
    has_children: bool = False
    parent: _PersonDraft | None = None


class _Reader:
    """Walks one transaction set's loops."""

    def __init__(self, d: Delimiters) -> None:
        self.d = d
        self.answers: list[Answer] = []
        self.payer_id = ""
        self.payer_name = ""
        self.source_rejections: list[Rejection] = []
        self.level = ""  # HL03 of the current loop
        self.people: dict[str, _PersonDraft] = {}  # HL01 -> subscriber drafts
        self.person: _PersonDraft | None = None
        self.benefit: _BenefitDraft | None = None
        self.in_ls = False
        self.order: list[_PersonDraft] = []

    # ---- loops
    def _close_benefit(self) -> None:
        if self.benefit is not None and self.person is not None:
            self.person.benefits.append(self.benefit.freeze())
        self.benefit = None
        self.in_ls = False

    def hl(self, seg: list[str], idx: int) -> None:
        self._close_benefit()
        level = _el(seg, 3)
        self.level = level
        if level == "20":
            self.payer_id = self.payer_name = ""
            self.source_rejections = []
            self.person = None
        elif level in ("22", "23"):
            p = _PersonDraft(hl=_el(seg, 1), segment=idx, dependent=level == "23")
            if level == "23":
                parent = self.people.get(_el(seg, 2))
                if parent is None:
                    raise _Bad("A dependent loop (HL*23) has no subscriber loop above it",
                                              idx)
                parent.has_children = True
                p.member_id, p.group_number = parent.member_id, parent.group_number
                p.rejections.extend(parent.rejections)
                p.parent = parent
            else:
                self.people[p.hl] = p
            self.person = p
            self.order.append(p)
        else:
            self.person = None

    def nm1(self, seg: list[str]) -> None:
        entity = _el(seg, 1)
        if self.in_ls and self.benefit is not None:
            name = " ".join(x for x in (_el(seg, 3), _el(seg, 4)) if x)
            self.benefit.entities.append(Entity(entity, name, _el(seg, 9)))
            return
        if self.level == "20" and entity == "PR":
            self.payer_name, self.payer_id = _el(seg, 3), _el(seg, 9)
        elif self.person is not None and entity in ("IL", "03"):
            self.person.last_name, self.person.first_name = _el(seg, 3), _el(seg, 4)
            if entity == "IL" and _el(seg, 9):
                self.person.member_id = _el(seg, 9)

    def aaa(self, seg: list[str]) -> None:
        code = (_el(seg, 1), _el(seg, 3), _el(seg, 4))
        if self.benefit is not None and self.person is not None:
            self.person.rejections.append(Rejection("2110", *code))
        elif self.person is not None:
            self.person.rejections.append(Rejection("2100D" if self.person.dependent else "2100C",
                                                    *code))
        elif self.level == "20":
            self.source_rejections.append(Rejection("2100A", *code))
        elif self.level == "21":
            self.source_rejections.append(Rejection("2100B", *code))

    def eb(self, seg: list[str], idx: int) -> None:
        self._close_benefit()
        if self.person is None:
            raise _Bad("An EB segment outside a subscriber or dependent loop", idx)
        rep = self.d.repetition
        eb03 = _el(seg, 3)
        types = tuple(t for t in (eb03.split(rep) if rep else [eb03]) if t)
        amount = _el(seg, 7)
        pct = _el(seg, 8)
        self.benefit = _BenefitDraft(Benefit(
            code=_el(seg, 1), level=_el(seg, 2), service_types=types, insurance_type=_el(seg, 4),
            plan_name=_el(seg, 5), period=_el(seg, 6),
            amount_cents=_cents(amount, idx) if amount else None,
            percent=_decimal(pct, idx) if pct else None,
            quantity_qualifier=_el(seg, 9), quantity=_el(seg, 10),
            auth_required=_el(seg, 11), in_network=_el(seg, 12),
            procedure=_el(seg, 13).replace(self.d.component, ":")))

    def other(self, tag: str, seg: list[str], idx: int) -> None:
        p = self.person
        if tag == "TRN" and p is not None and _el(seg, 1) == "2" and p.trace is None:
            p.trace = _el(seg, 2)
        elif tag == "DMG" and p is not None and _el(seg, 1) == "D8" and _el(seg, 2):
            p.dob = _date(_el(seg, 2), idx)
        elif tag == "REF" and p is not None and self.benefit is None and _el(seg, 1) == "6P":
            p.group_number = _el(seg, 2)
        elif tag == "DTP" and p is not None:
            info = _dtp(seg, idx)
            (self.benefit.dates if self.benefit is not None else p.dates).append(info)
        elif tag == "MSG" and self.benefit is not None:
            self.benefit.messages.append(_el(seg, 1))
        elif tag == "LS":
            self.in_ls = True
        elif tag == "LE":
            self.in_ls = False

    def finish(self) -> None:
        self._close_benefit()
        for p in self.order:
            if p.has_children and p.trace is None and not p.benefits:
                continue  # the answers are its dependents'
            parent = p.parent
            self.answers.append(Answer(
                trace=p.trace, payer_id=self.payer_id, payer_name=self.payer_name,
                member_id=p.member_id, last_name=p.last_name, first_name=p.first_name,
                dob=p.dob, dependent=p.dependent,
                subscriber_last_name=(parent or p).last_name,
                subscriber_first_name=(parent or p).first_name,
                group_number=p.group_number,
                rejections=tuple(self.source_rejections) + tuple(p.rejections),
                dates=tuple(p.dates), benefits=tuple(p.benefits), segment=p.segment))


def _decimal(raw: str, idx: int) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _Bad(f"'{raw}' is not a number", idx) from None
    if not value.is_finite() or value < 0:
        raise _Bad(f"'{raw}' is not a usable amount", idx)
    return value


def _cents(raw: str, idx: int) -> int:
    value = _decimal(raw, idx) * 100
    if value != value.to_integral_value():
        raise _Bad(f"'{raw}' has a fraction of a cent", idx)
    return int(value)


_PEOPLE_LOOP_TAGS = ("TRN", "DMG", "REF", "DTP", "MSG", "LS", "LE")


class _Envelope:
    """Counts and echoes of ISA/GS/ST and their trailers."""

    def __init__(self, isa: list[str]) -> None:
        self.isa13 = _el(isa, 13)
        self.groups = 0
        self.gs06: str | None = None
        self.sets = 0
        self.st02: str | None = None
        self.st_at = 0
        self.done = False

    def gs(self, seg: list[str], idx: int) -> None:
        if self.gs06 is not None:
            raise _Bad("A GS segment before the previous group's GE", idx)
        if _el(seg, 1) != "HB":
            raise _Bad(
                f"Not a 271: the functional group is '{_el(seg, 1)}', not HB (eligibility)", idx)
        self.groups += 1
        self.gs06, self.sets = _el(seg, 6), 0

    def st(self, seg: list[str], idx: int) -> None:
        if self.gs06 is None or self.st02 is not None:
            raise _Bad("An ST segment outside a functional group", idx)
        if _el(seg, 1) != "271":
            raise _Bad(f"Not a 271: the transaction set is '{_el(seg, 1)}'", idx)
        self.sets += 1
        self.st02, self.st_at = _el(seg, 2), idx

    def se(self, seg: list[str], idx: int) -> None:
        if self.st02 is None:
            raise _Bad("An SE segment without its ST", idx)
        count = idx - self.st_at + 1
        if _el(seg, 1) != str(count):
            raise _Bad(
                f"SE01 says {_el(seg, 1) or 'nothing'} segments; the set has {count}", idx)
        if _el(seg, 2) != self.st02:
            raise _Bad(f"SE02 '{_el(seg, 2)}' does not match ST02 '{self.st02}'", idx)
        self.st02 = None

    def ge(self, seg: list[str], idx: int) -> None:
        if self.gs06 is None or self.st02 is not None:
            raise _Bad("A GE segment out of place (an ST is missing its SE)", idx)
        if _el(seg, 1) != str(self.sets):
            raise _Bad(f"GE01 says {_el(seg, 1)} transaction sets; the group has "
                                      f"{self.sets}", idx)
        if _el(seg, 2) != self.gs06:
            raise _Bad(f"GE02 '{_el(seg, 2)}' does not match GS06 '{self.gs06}'", idx)
        self.gs06 = None

    def iea(self, seg: list[str], idx: int) -> None:
        if self.gs06 is not None:
            raise _Bad("The IEA segment comes before the group's GE", idx)
        if _el(seg, 1) != str(self.groups):
            raise _Bad(f"IEA01 says {_el(seg, 1)} groups; the interchange has "
                                      f"{self.groups}", idx)
        if _el(seg, 2).lstrip("0") != self.isa13.lstrip("0"):
            raise _Bad(f"IEA02 '{_el(seg, 2)}' does not match ISA13 '{self.isa13}'",
                                      idx)
        self.done = True


def parse_271(data: bytes | str) -> Interchange:
    """Read a 271 interchange.

    Args:
        data: the file's bytes or text.

    Returns:
        The interchange with every answer in file order.

    Raises:
        Eligibility271Error: not a 271, malformed, or truncated (with the segment index).
    """
    text = decode(data)
    d = delimiters(text, _Bad)
    segs = segments(text, d)
    env = _Envelope(segs[0])
    answers: list[Answer] = []
    reader: _Reader | None = None
    for idx, seg in enumerate(segs[1:], start=2):
        tag = seg[0].strip()
        if env.done:
            raise _Bad("Data after the IEA segment", idx)
        if tag == "ISA":
            raise _Bad("A second ISA segment: one interchange per file", idx)
        if tag == "GS":
            env.gs(seg, idx)
        elif tag == "ST":
            env.st(seg, idx)
            reader = _Reader(d)
        elif tag == "SE":
            env.se(seg, idx)
            if reader is not None:
                reader.finish()
                answers.extend(reader.answers)
            reader = None
        elif tag == "GE":
            env.ge(seg, idx)
        elif tag == "IEA":
            env.iea(seg, idx)
        elif reader is None:
            if tag != "TA1":
                raise _Bad(f"Segment {tag} outside a transaction set", idx)
        else:
            _dispatch(reader, tag, seg, idx)
    if not env.done:
        raise _Bad("The file is truncated: it ends before its IEA segment",
                                  len(segs))
    if env.groups == 0:
        raise _Bad("The interchange holds no 271 transaction set")
    return Interchange(control_number=env.isa13, answers=tuple(answers), segment_count=len(segs))


def _dispatch(reader: _Reader, tag: str, seg: list[str], idx: int) -> None:
    if tag == "HL":
        reader.hl(seg, idx)
    elif tag == "NM1":
        reader.nm1(seg)
    elif tag == "AAA":
        reader.aaa(seg)
    elif tag == "EB":
        reader.eb(seg, idx)
    elif tag in _PEOPLE_LOOP_TAGS:
        reader.other(tag, seg, idx)
