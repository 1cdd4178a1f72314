"""Reading acknowledgments: TA1, 999 (005010X231A1), 277CA (005010X214) and 277 (005010X212).

Pure: bytes in, frozen dataclasses out, no database. The delimiters are read from the ISA
segment by the one X12 tokenizer (``x12/tokens.py``, shared with the 835 and 271 readers), so
any delimiters and line breaks between segments are accepted.

What a file is comes from its content, never its name:

- a TA1 between ISA and GS (or alone) answers a whole interchange;
- ``ST*999`` answers each 837 transaction set of a group (AK1 = our GS06, AK2 = our ST02);
- ``ST*277`` with ``005010X214`` (or BHT06 ``TH``) is a claim acknowledgment (277CA);
- ``ST*277`` with ``005010X212`` is a claim status response (the answer to a 276).

A file that is truncated (no IEA, or an ST with no SE) or that holds none of these is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from medbill_cli.errors import InputError
from medbill_cli.x12.tokens import decode, delimiters, segments

TA1 = "TA1"
K999 = "999"
K277CA = "277CA"
K277 = "277"
KINDS = (TA1, K999, K277CA, K277)

IMPL_999 = ("005010X231A1", "005010X231")
IMPL_277CA = "005010X214"
IMPL_277 = "005010X212"


class AckFormatError(InputError):
    """The file is not a readable TA1, 999, 277CA or 277."""


# --------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class Ta1:
    """TA1: the interchange acknowledgment."""

    control: int  # TA101: the ISA13 it answers
    date: dt.date | None  # TA102
    code: str  # TA104: A accepted, E accepted with errors, R rejected
    note: str  # TA105 note code


@dataclass(frozen=True)
class ElementError:
    """IK4: one bad element of a segment."""

    position: str  # IK401: element position, with :component (and :repeat) when given
    reference: str  # IK402: the data element's reference number
    code: str  # IK403
    value: str  # IK404: a copy of the bad data


@dataclass(frozen=True)
class SegmentError:
    """IK3: one bad segment of a transaction set, with its element errors."""

    segment_id: str  # IK301
    position: str  # IK302: the segment's position in the transaction set
    loop: str  # IK303
    code: str  # IK304
    elements: tuple[ElementError, ...] = ()


@dataclass(frozen=True)
class TransactionAck:
    """AK2 ... IK5: the answer for one transaction set we sent."""

    set_id: str  # AK201 (837)
    control: str  # AK202: our ST02
    code: str  # IK501: A, E, R, M, W, X
    reasons: tuple[str, ...]  # IK502..IK506
    errors: tuple[SegmentError, ...] = ()


@dataclass(frozen=True)
class GroupAck:
    """AK1 ... AK9: the answer for one functional group we sent."""

    functional_id: str  # AK101 (HC)
    group_control: str  # AK102: our GS06
    version: str  # AK103
    transactions: tuple[TransactionAck, ...]
    code: str  # AK901: A, E, P, R
    counts: tuple[int, int, int]  # included, received, accepted


@dataclass(frozen=True)
class Status:
    """One STC composite: category, status code, entity, with the segment's date and amount."""

    category: str  # STC01-1 (A1, A7, ...)
    code: str  # STC01-2
    entity: str  # STC01-3
    date: dt.date | None  # STC02
    action: str  # STC03: WQ accepted, U rejected
    amount: str  # STC04: the total charge as sent
    free_text: str = ""  # STC12


@dataclass(frozen=True)
class LineStatus:
    """2220D/2220E: a service line's status."""

    procedure: str  # SVC01 (HC:99213:25)
    charge: str  # SVC02
    line_ref: str  # REF*FJ: our line item control number (line number)
    date: dt.date | None  # DTP*472
    statuses: tuple[Status, ...]


@dataclass(frozen=True)
class ClaimStatus:
    """2200D/2200E: one claim's status, matched to our claim by TRN02 = CLM01."""

    trace: str  # TRN02
    statuses: tuple[Status, ...]
    source: str  # clearinghouse (NM1*AY) or payer (NM1*PR)
    source_name: str
    source_id: str
    payer_claim_number: str  # REF*1K
    patient_control: str  # REF*EJ (277) or the trace
    member_id: str  # NM1*QC/IL NM109
    lines: tuple[LineStatus, ...] = ()


@dataclass(frozen=True)
class AckFile:
    """Everything one file says."""

    kind: str  # TA1, 999, 277CA, 277 (the main transaction; TA1 when there is nothing else)
    sender_id: str  # ISA06
    receiver_id: str  # ISA08
    control: int  # ISA13
    date: dt.date | None  # ISA09
    group_controls: tuple[str, ...]  # GS06 of every group
    ta1: tuple[Ta1, ...] = ()
    groups: tuple[GroupAck, ...] = ()
    claims: tuple[ClaimStatus, ...] = ()


# --------------------------------------------------------------------------- tokenizing


def _format_error(message: str) -> AckFormatError:
    return AckFormatError(message, "Give a TA1, 999, 277CA or 277 file")


def _el(seg: list[str], i: int) -> str:
    return seg[i].strip() if i < len(seg) else ""


def _date(value: str) -> dt.date | None:
    v = value.strip()
    try:
        if len(v) == 8:
            return dt.date(int(v[:4]), int(v[4:6]), int(v[6:8]))
        if len(v) == 6:
            return dt.date(2000 + int(v[:2]), int(v[2:4]), int(v[4:6]))
    except ValueError:
        return None
    return None


def _dtp_date(seg: list[str]) -> dt.date | None:
    return _date(_el(seg, 3)[:8])


def _int(value: str, what: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise AckFormatError(f"{what} '{value.strip()}' is not a number",
                             "Check the file is a complete X12 interchange") from None


# --------------------------------------------------------------------------- the readers


@dataclass
class _LineDraft:
    procedure: str
    charge: str
    ref: str = ""
    date: dt.date | None = None
    statuses: list[Status] = field(default_factory=list)

    def freeze(self) -> LineStatus:
        return LineStatus(procedure=self.procedure, charge=self.charge, line_ref=self.ref,
                          date=self.date, statuses=tuple(self.statuses))


@dataclass
class _Draft277:
    """A claim being read; frozen when the next claim, HL or SE starts."""

    trace: str
    source: str
    source_name: str
    source_id: str
    member_id: str
    statuses: list[Status] = field(default_factory=list)
    payer_claim_number: str = ""
    patient_control: str = ""
    lines: list[LineStatus] = field(default_factory=list)
    line: _LineDraft | None = None

    def close_line(self) -> None:
        if self.line is not None:
            self.lines.append(self.line.freeze())
            self.line = None

    def freeze(self) -> ClaimStatus:
        self.close_line()
        return ClaimStatus(trace=self.trace, statuses=tuple(self.statuses), source=self.source,
                           source_name=self.source_name, source_id=self.source_id,
                           payer_claim_number=self.payer_claim_number,
                           patient_control=self.patient_control or self.trace,
                           member_id=self.member_id, lines=tuple(self.lines))


def _stc(seg: list[str], component: str) -> list[Status]:
    """Every status composite of one STC: STC01, then STC10 and STC11 when present."""
    date = _date(_el(seg, 2))
    action, amount, free = _el(seg, 3), _el(seg, 4), _el(seg, 12)
    out: list[Status] = []
    for i in (1, 10, 11):
        comp = _el(seg, i)
        if not comp:
            continue
        parts = comp.split(component)
        parts += [""] * (3 - len(parts))
        out.append(Status(category=parts[0].strip().upper(), code=parts[1].strip(),
                          entity=parts[2].strip(), date=date, action=action, amount=amount,
                          free_text=free))
    return out


class _Reader277:
    """Reads the claim loops of one 277 transaction set."""

    def __init__(self, component: str) -> None:
        self.component = component
        self.claims: list[ClaimStatus] = []
        self.level = ""
        self.source = "payer"
        self.source_name = ""
        self.source_id = ""
        self.member_id = ""
        self.draft: _Draft277 | None = None

    def _close(self) -> None:
        if self.draft is not None:
            self.claims.append(self.draft.freeze())
            self.draft = None

    def feed(self, seg: list[str]) -> None:
        tag = seg[0]
        if tag == "HL":
            self._close()
            self.level = _el(seg, 3)
        elif tag == "NM1":
            self._nm1(seg)
        elif tag == "TRN" and self.level in ("PT", "22", "23"):
            self._close()
            self.draft = _Draft277(trace=_el(seg, 2), source=self.source,
                                   source_name=self.source_name, source_id=self.source_id,
                                   member_id=self.member_id)
        elif self.draft is not None:
            self._claim_segment(seg)

    def _nm1(self, seg: list[str]) -> None:
        qual = _el(seg, 1)
        if self.level == "20" and qual in ("AY", "PR"):
            self.source = "clearinghouse" if qual == "AY" else "payer"
            self.source_name, self.source_id = _el(seg, 3), _el(seg, 9)
        elif qual in ("QC", "IL"):
            self.member_id = _el(seg, 9)

    def _claim_segment(self, seg: list[str]) -> None:
        d = self.draft
        assert d is not None
        tag = seg[0]
        if tag == "SVC":
            d.close_line()
            d.line = _LineDraft(_el(seg, 1), _el(seg, 2))
        elif tag == "STC":
            target = d.line.statuses if d.line is not None else d.statuses
            target.extend(_stc(seg, self.component))
        elif tag == "REF":
            qual, value = _el(seg, 1), _el(seg, 2)
            if d.line is not None and qual == "FJ":
                d.line.ref = value
            elif qual == "1K":
                d.payer_claim_number = value
            elif qual == "EJ":
                d.patient_control = value
        elif tag == "DTP" and d.line is not None and _el(seg, 1) == "472":
            d.line.date = _dtp_date(seg)

    def finish(self) -> list[ClaimStatus]:
        self._close()
        return self.claims


def _read_999(body: list[list[str]]) -> list[GroupAck]:
    groups: list[GroupAck] = []
    head: list[str] | None = None
    txs: list[TransactionAck] = []
    tx: list[str] | None = None
    seg_errors: list[SegmentError] = []
    cur: list[str] | None = None
    elems: list[ElementError] = []

    def close_segment() -> None:
        nonlocal cur, elems
        if cur is not None:
            seg_errors.append(SegmentError(_el(cur, 1), _el(cur, 2), _el(cur, 3), _el(cur, 4),
                                           tuple(elems)))
        cur, elems = None, []

    for seg in body:
        tag = seg[0]
        if tag == "AK1":
            head, txs = seg, []
        elif tag == "AK2":
            tx, seg_errors, cur, elems = seg, [], None, []
        elif tag == "IK3":
            close_segment()
            cur = seg
        elif tag == "IK4":
            elems.append(ElementError(_el(seg, 1), _el(seg, 2), _el(seg, 3), _el(seg, 4)))
        elif tag == "IK5" and tx is not None:
            close_segment()
            txs.append(TransactionAck(_el(tx, 1), _el(tx, 2), _el(seg, 1).upper(),
                                      tuple(_el(seg, i) for i in range(2, 7) if _el(seg, i)),
                                      tuple(seg_errors)))
            tx = None
        elif tag == "AK9" and head is not None:
            counts = tuple(_int(_el(seg, i) or "0", f"AK90{i}") for i in (2, 3, 4))
            groups.append(GroupAck(_el(head, 1), _el(head, 2), _el(head, 3), tuple(txs),
                                   _el(seg, 1).upper(), counts))  # type: ignore[arg-type]
            head = None
    if head is not None or tx is not None:
        raise AckFormatError("The 999 is truncated (an AK1 or AK2 has no AK9 or IK5)",
                             "Ask the clearinghouse for the complete file")
    return groups


def _kind_of(st: list[str], bht: list[str] | None, gs_version: str) -> str | None:
    set_id = _el(st, 1)
    version = _el(st, 3) or gs_version
    if set_id == "999":
        return K999
    if set_id == "277":
        if version.startswith(IMPL_277CA) or (bht is not None and _el(bht, 6) == "TH"):
            return K277CA
        return K277
    return None


def _isa(seg: list[str]) -> tuple[str, str, int, dt.date | None]:
    if len(seg) < 17:
        raise AckFormatError("The ISA segment is incomplete", "Check the file is X12")
    return _el(seg, 6), _el(seg, 8), _int(_el(seg, 13), "ISA13"), _date(_el(seg, 9))


def read_ack(data: bytes) -> AckFile:
    """Read one acknowledgment file.

    Args:
        data: the file's bytes.

    Returns:
        What the file says, by kind.

    Raises:
        AckFormatError: not X12, truncated (no IEA, an ST without SE), or none of TA1, 999,
            277CA and 277 (exit 3).
    """
    text = decode(data)
    d = delimiters(text, _format_error)
    segs = segments(text, d)
    sender, receiver, control, date = _isa(segs[0])
    if segs[-1][0] != "IEA":
        raise AckFormatError("The file is truncated: it has no IEA segment",
                             "Ask the sender for the complete file")
    ta1: list[Ta1] = []
    groups: list[GroupAck] = []
    claims: list[ClaimStatus] = []
    gs_controls: list[str] = []
    kinds: list[str] = []
    gs_version = ""
    i = 1
    while i < len(segs) - 1:
        seg = segs[i]
        tag = seg[0]
        if tag == "TA1":
            ta1.append(Ta1(_int(_el(seg, 1), "TA101"), _date(_el(seg, 2)), _el(seg, 4).upper(),
                           _el(seg, 5)))
        elif tag == "GS":
            gs_controls.append(_el(seg, 6))
            gs_version = _el(seg, 8)
        elif tag == "ST":
            end = next((j for j in range(i + 1, len(segs)) if segs[j][0] in ("SE", "ST", "GE",
                                                                              "IEA")), None)
            if end is None or segs[end][0] != "SE":
                raise AckFormatError(f"The file is truncated: transaction set {_el(seg, 2)} has "
                                     "no SE segment", "Ask the sender for the complete file")
            body = segs[i + 1:end]
            bht = next((s for s in body[:1] if s[0] == "BHT"), None)
            kind = _kind_of(seg, bht, gs_version)
            if kind is None:
                raise AckFormatError(f"Transaction set {_el(seg, 1) or '?'} is not a 999, 277CA "
                                     "or 277", "medbill ack import reads TA1, 999, 277CA and 277")
            kinds.append(kind)
            if kind == K999:
                groups.extend(_read_999(body))
            else:
                reader = _Reader277(d.component)
                for s in body:
                    reader.feed(s)
                claims.extend(reader.finish())
            i = end
        i += 1
    if not kinds and not ta1:
        raise AckFormatError("The file holds no TA1, 999, 277CA or 277",
                             "medbill ack import reads acknowledgments and claim status answers")
    if len(set(kinds)) > 1:
        raise AckFormatError("The file mixes 999 and 277 transaction sets",
                             "Import each kind of acknowledgment as its own file")
    kind = kinds[0] if kinds else TA1
    return AckFile(kind=kind, sender_id=sender, receiver_id=receiver, control=control, date=date,
                   group_controls=tuple(gs_controls), ta1=tuple(ta1), groups=tuple(groups),
                   claims=tuple(claims))


__all__ = [
    "AckFile",
    "AckFormatError",
    "ClaimStatus",
    "ElementError",
    "GroupAck",
    "LineStatus",
    "SegmentError",
    "Status",
    "Ta1",
    "TransactionAck",
    "read_ack",
]
