"""Authorizations, referrals and eligibility answers for a batch of claims, loaded in bulk.

A few queries per chunk of claims find who has an authorization or a referral at all, which
payers want codes authorized, and the eligibility answers for the dates of service; only the
claims of patients who do have an authorization or referral are looked up line by line
(``services.authorizations``), so a big batch without any costs no query per claim.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.scrub.view import AuthLine, EligibilityNote
from medbill_cli.services import authorizations as auths
from medbill_cli.x12.claim_map import ClaimRecord, LineRecord


@dataclass(frozen=True)
class Holders:
    """Who has authorizations (by patient and payer row ids) or referrals (by patient)."""

    auths: frozenset[tuple[int, int]]
    referrals: frozenset[int]
    payer_codes: Mapping[int, frozenset[str]]  # payer row id -> codes it wants authorized


def holders(session: Session, claims: Sequence[ClaimRecord]) -> Holders:
    pa, ac = t.prior_auth.c, t.auth_code.c
    auth_pairs: set[tuple[int, int]] = set()
    referrals: set[int] = set()
    for part in chunks(sorted({c.patient_id for c in claims})):
        q = select(pa.patient_id, pa.kind, pa.payer_id).where(pa.patient_id.in_(part)).distinct()
        for pid, kind, payer in session.execute(q):
            if kind == "referral":
                referrals.add(pid)
            elif payer is not None:
                auth_pairs.add((pid, payer))
    codes: dict[int, set[str]] = defaultdict(set)
    for part in chunks(sorted({c.payer_id for c in claims if c.payer_id is not None})):
        for payer, code in session.execute(select(ac.payer_id, ac.code)
                                           .where(ac.payer_id.in_(part))):
            codes[payer].add(code)
    return Holders(frozenset(auth_pairs), frozenset(referrals),
                   {k: frozenset(v) for k, v in codes.items()})


def _encounters(session: Session, lines: Sequence[LineRecord]) -> dict[int, int]:
    ch = t.charge.c
    out: dict[int, int] = {}
    for part in chunks(sorted({ln.charge_id for ln in lines})):
        out.update(session.execute(select(ch.id, ch.encounter_id).where(ch.id.in_(part))).all())
    return out


def auth_lines(session: Session, claims: Sequence[ClaimRecord],
               lines: Mapping[int, list[LineRecord]]) -> dict[int, tuple[AuthLine, ...]]:
    """Each claim's lines as the prior-auth edit sees them (claims it has nothing to say about
    are left out)."""
    h = holders(session, claims)
    looked_up = [c for c in claims if c.payer_id is not None
                 and (c.patient_id, c.payer_id) in h.auths]
    enc = _encounters(session, [ln for c in looked_up for ln in lines.get(c.id, [])])
    out: dict[int, tuple[AuthLine, ...]] = {}
    for c in claims:
        if c.payer_id is None:
            continue
        mine = lines.get(c.id, [])
        if (c.patient_id, c.payer_id) in h.auths:
            out[c.id] = auths.auth_lines(
                session, c.patient_id, c.payer_id,
                [(ln.line_number, ln.code, ln.date_of_service, enc.get(ln.charge_id))
                 for ln in mine])
        elif c.payer_id in h.payer_codes:
            needed = h.payer_codes[c.payer_id]
            out[c.id] = tuple(AuthLine(number=ln.line_number, code=ln.code,
                                       dos=ln.date_of_service, needs_auth=ln.code in needed)
                              for ln in mine if ln.code in needed)
    return out


def reference_numbers(session: Session, claims: Sequence[ClaimRecord],
                      lines: Mapping[int, list[LineRecord]],
                      ) -> dict[int, tuple[tuple[str | None, ...], str | None]]:
    """Each claim's authorization number per line (REF*G1) and its referral number (REF*9F):
    the authorization or referral in force on the line's date of service."""
    h = holders(session, claims)
    wanted = [c for c in claims if c.patient_id in h.referrals
              or (c.payer_id is not None and (c.patient_id, c.payer_id) in h.auths)]
    enc = _encounters(session, [ln for c in wanted for ln in lines.get(c.id, [])])
    out: dict[int, tuple[tuple[str | None, ...], str | None]] = {}
    for c in wanted:
        numbers: list[str | None] = []
        referral: str | None = None
        for ln in lines.get(c.id, []):
            m = None
            if c.payer_id is not None and (c.patient_id, c.payer_id) in h.auths:
                m = auths.authorization_for(session, c.patient_id, c.payer_id,
                                            ln.date_of_service, ln.code,
                                            encounter_id=enc.get(ln.charge_id))
            numbers.append(m.number if m is not None and m.covers_date else None)
            if referral is None and c.patient_id in h.referrals:
                r = auths.referral_for(session, c.patient_id, ln.date_of_service, ln.code)
                referral = r.number if r is not None and r.covers_date else None
        out[c.id] = (tuple(numbers), referral)
    return out


def eligibility_notes(session: Session, claims: Sequence[ClaimRecord],
                      lines: Mapping[int, list[LineRecord]],
                      ) -> dict[int, tuple[EligibilityNote, ...]]:
    """The latest eligibility answer for each claim's dates of service (answers for another
    coverage of the patient are not the claim's)."""
    er = t.eligibility_response.c
    latest: dict[tuple[int, dt.date], tuple[int | None, str, str | None]] = {}
    dates = {ln.date_of_service for lst in lines.values() for ln in lst}
    for part in chunks(sorted({c.patient_id for c in claims})):
        q = (select(er.patient_id, er.on_date, er.coverage_id, er.status, er.summary)
             .where(er.patient_id.in_(part)).order_by(er.id))
        for pid, on, cov, status, summary in session.execute(q):
            if on in dates:
                latest[(pid, on)] = (cov, status, summary)
    out: dict[int, tuple[EligibilityNote, ...]] = {}
    for c in claims:
        notes: list[EligibilityNote] = []
        for day in sorted({ln.date_of_service for ln in lines.get(c.id, [])}):
            found = latest.get((c.patient_id, day))
            if found is None:
                continue
            cov, status, summary = found
            if cov is not None and c.coverage_id is not None and cov != c.coverage_id:
                continue
            reason = json.loads(summary).get("rejection") if summary else None
            notes.append(EligibilityNote(day, status, reason))
        if notes:
            out[c.id] = tuple(notes)
    return out
