"""The 276 claim status request (005010X212): frozen dataclasses in, X12 text out.

One interchange, one group (GS01 HR), one transaction set, and per claim:

    2000A HL*..20   NM1*PR   payer (one HL per payer)
    2000B HL*..21   NM1*41   information receiver (the practice as submitter)
    2000C HL*..19   NM1*1P   service provider (the billing provider NPI)
    2000D HL*..22   DMG NM1*IL   subscriber
      2200D TRN*1*<CLM01>  REF*1K (the payer's claim number, when known)  AMT*T3  DTP*472

TRN02 carries the claim's CLM01, so that the 277 answer, which echoes it, finds the claim.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from medbill_cli.x12.p837 import amount, clean

IMPLEMENTATION = "005010X212"


@dataclass(frozen=True)
class StatusQuery:
    """One claim to ask about."""

    pcn: str  # CLM01, echoed in the 277 as TRN02
    payer_name: str
    payer_id: str
    member_id: str
    last_name: str
    first_name: str
    dob: dt.date | None
    sex: str
    total_cents: int
    first_dos: dt.date
    last_dos: dt.date
    payer_claim_number: str | None = None


@dataclass(frozen=True)
class Requester:
    sender_id: str  # ISA06, also the 2100B NM109
    receiver_id: str  # ISA08
    name: str  # the practice
    npi: str
    control: int  # ISA13, GS06, ST02
    created: dt.datetime
    usage: str = "P"


def _seg(*parts: object) -> str:
    out = [str(p) for p in parts]
    while len(out) > 1 and out[-1] == "":
        out.pop()
    return "*".join(out) + "~"


def write_276(req: Requester, queries: Iterable[StatusQuery]) -> str:
    """The whole 276 file as text (claims grouped by payer, in the order given per payer)."""
    c = req.created
    ctl = f"{req.control:09d}"
    head = [
        _seg("ISA", "00", " " * 10, "00", " " * 10, "ZZ", clean(req.sender_id).ljust(15)[:15], "ZZ",
             clean(req.receiver_id).ljust(15)[:15], c.strftime("%y%m%d"), c.strftime("%H%M"), "^",
             "00501", ctl, "0", req.usage, ":"),
        _seg("GS", "HR", clean(req.sender_id), clean(req.receiver_id), c.strftime("%Y%m%d"),
             c.strftime("%H%M"), req.control, "X", IMPLEMENTATION),
    ]
    st = f"{req.control:04d}"
    body = [_seg("ST", "276", st, IMPLEMENTATION),
            _seg("BHT", "0010", "13", f"R{req.control}", c.strftime("%Y%m%d"), c.strftime("%H%M"))]
    hl = 0
    ordered = sorted(queries, key=lambda q: (q.payer_id, q.pcn))
    for (payer_id, payer_name), items in groupby(ordered, key=lambda q: (q.payer_id, q.payer_name)):
        hl += 1
        payer_hl = hl
        body += [_seg("HL", payer_hl, "", "20", "1"),
                 _seg("NM1", "PR", "2", clean(payer_name), "", "", "", "", "PI", clean(payer_id))]
        hl += 1
        recv_hl = hl
        body += [_seg("HL", recv_hl, payer_hl, "21", "1"),
                 _seg("NM1", "41", "2", clean(req.name), "", "", "", "", "46",
                      clean(req.sender_id))]
        hl += 1
        prov_hl = hl
        body += [_seg("HL", prov_hl, recv_hl, "19", "1"),
                 _seg("NM1", "1P", "2", clean(req.name), "", "", "", "", "XX", req.npi)]
        for q in items:
            hl += 1
            body.append(_seg("HL", hl, prov_hl, "22", "0"))
            if q.dob is not None:
                body.append(_seg("DMG", "D8", q.dob.strftime("%Y%m%d"), clean(q.sex) or "U"))
            body.append(_seg("NM1", "IL", "1", clean(q.last_name), clean(q.first_name), "", "", "",
                             "MI", clean(q.member_id)))
            body.append(_seg("TRN", "1", clean(q.pcn)))
            if q.payer_claim_number:
                body.append(_seg("REF", "1K", clean(q.payer_claim_number)))
            body.append(_seg("AMT", "T3", amount(q.total_cents)))
            if q.first_dos == q.last_dos:
                body.append(_seg("DTP", "472", "D8", q.first_dos.strftime("%Y%m%d")))
            else:
                body.append(_seg("DTP", "472", "RD8", f"{q.first_dos:%Y%m%d}-{q.last_dos:%Y%m%d}"))
    body.append(_seg("SE", len(body) + 1, st))
    tail = [_seg("GE", "1", req.control), _seg("IEA", "1", ctl)]
    return "\n".join(head + body + tail) + "\n"
