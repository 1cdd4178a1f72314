"""Coordination of benefits: the other payers a claim carries (837P 2320/2330/2430), and the
next payer's claim once a payer has adjudicated.

A claim's other payers are the patient's other coverages in force on its date of service, in
payer order. Each one that has answered the claim's charges (its latest 835 CLP or paper EOB
not reversed, on this claim or on another claim of the same charges) brings its adjudication:
claim-level CAS and paid amount (2320), its claim number (2330B REF*F8) and each line's paid
amount and CAS (2430), all straight from the posted rows (``era_claim``, ``era_line``,
``era_adjustment``), never recomputed. A later payer not yet heard from is listed without them.

The next payer's claim (``claim generate``): once a payer's posting has moved a balance to the
next coverage (the ledger's PR transfer), that coverage gets a claim of the same lines as the
claim its prior payer answered. Not when the prior payer crossed the claim over (its 835 said
so, or the payer forwards claims): the next payer's 835 then comes by itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from medbill_cli.dates import in_force
from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import DuplicateError, InputError
from medbill_cli.money import fmt
from medbill_cli.services.claims import store
from medbill_cli.services.claims.plan import PlannedClaim, UnbilledCharge
from medbill_cli.status import ChargeStatus, ClaimStatus
from medbill_cli.x12.claim_map import (
    AdjudicationRecord,
    AdjustmentRecord,
    ClaimRecord,
    CoverageRecord,
    LineAdjudicationRecord,
    LineRecord,
    OtherPayerRecord,
    PayerRecord,
)

PRIORITIES = ("primary", "secondary", "tertiary")
RANK = {p: i for i, p in enumerate(PRIORITIES)}
ADJUDICATED = ("paid", "partial", "denied")


def chain(covs: Sequence[CoverageRecord], dos: dt.date) -> list[CoverageRecord]:
    """The coverages in force on ``dos``, in payer order (the ledger's order)."""
    live = [c for c in covs if in_force(c.effective, c.termination, dos)]
    return sorted(live, key=lambda c: (RANK.get(c.priority, 9), c.id))


# --------------------------------------------------------------------------- adjudications


@dataclass(frozen=True)
class _Posting:
    era_claim_id: int
    claim_id: int
    coverage_id: int
    crossover: bool


def _claims_of_charges(session: Session, charge_ids: Sequence[int],
                       billed: set[tuple[int, int]] | None = None) -> dict[int, set[int]]:
    """Charge id -> the claims (not rebuilt) that carry it; ``billed`` collects each
    (charge, coverage) that has a claim (a sent, voided or replaced claim counts)."""
    cl, c = t.claim_line.c, t.claim.c
    out: dict[int, set[int]] = defaultdict(set)
    for part in chunks(sorted(set(charge_ids))):
        q = (select(cl.charge_id, cl.claim_id, c.coverage_id)
             .join(t.claim, c.id == cl.claim_id)
             .where(cl.charge_id.in_(part), c.status != ClaimStatus.REBUILT.value))
        for charge_id, claim_id, cov_id in session.execute(q):
            out[charge_id].add(claim_id)
            if billed is not None and cov_id is not None:
                billed.add((charge_id, cov_id))
    return out


def _postings(session: Session, claim_ids: Sequence[int]) -> dict[int, list[_Posting]]:
    """Claim id -> its live adjudications (not reversed), oldest first, each with the coverage
    it is from (a crossed-over claim's later payer posts on it with its own coverage)."""
    ec, c = t.era_claim.c, t.claim.c
    out: dict[int, list[_Posting]] = defaultdict(list)
    for part in chunks(sorted(set(claim_ids))):
        q = (select(ec.id, ec.claim_id, func.coalesce(ec.coverage_id, c.coverage_id),
                    ec.crossover)
             .join(t.claim, c.id == ec.claim_id)
             .where(ec.claim_id.in_(part), ec.outcome.in_(ADJUDICATED),
                    ec.reversed_by_id.is_(None))
             .order_by(ec.id))
        for ec_id, claim_id, cov_id, crossover in session.execute(q):
            if cov_id is not None:
                out[claim_id].append(_Posting(ec_id, claim_id, int(cov_id), bool(crossover)))
    return out


def _latest_by_coverage(charge_ids: Sequence[int], claims_of: Mapping[int, set[int]],
                        postings: Mapping[int, list[_Posting]]) -> dict[int, _Posting]:
    """Coverage id -> its latest adjudication of any claim carrying these charges."""
    out: dict[int, _Posting] = {}
    for claim_id in {cid for ch in charge_ids for cid in claims_of.get(ch, ())}:
        for p in postings.get(claim_id, ()):
            if p.coverage_id not in out or p.era_claim_id > out[p.coverage_id].era_claim_id:
                out[p.coverage_id] = p
    return out


def _adjudications(session: Session, era_claim_ids: Sequence[int]
                   ) -> dict[int, AdjudicationRecord]:
    """The posted rows of these CLPs as records (claim and line CAS, lines, dates)."""
    ec, el, ea, e = t.era_claim.c, t.era_line.c, t.era_adjustment.c, t.era.c
    heads: list[Any] = []
    lines: dict[int, list[Any]] = defaultdict(list)
    adjs: dict[tuple[int, int | None], list[AdjustmentRecord]] = defaultdict(list)
    for part in chunks(sorted(set(era_claim_ids))):
        q = (select(ec.id, ec.claim_id, ec.status_code, ec.charge_cents, ec.paid_cents,
                    ec.payer_claim_number, ec.crossover,
                    func.coalesce(e.payment_date, e.production_date, e.posted_on).label("day"))
             .join(t.era, e.id == ec.era_id).where(ec.id.in_(part)))
        heads += list(session.execute(q))
        q2 = select(el.id, el.era_claim_id, el.charge_id, el.code, el.modifiers, el.charge_cents,
                    el.paid_cents, el.units).where(el.era_claim_id.in_(part)).order_by(el.id)
        for row in session.execute(q2):
            lines[row.era_claim_id].append(row)
        q3 = (select(ea.era_claim_id, ea.era_line_id, ea.group_code, ea.carc, ea.amount_cents,
                     ea.quantity).where(ea.era_claim_id.in_(part)).order_by(ea.id))
        for r in session.execute(q3):
            adjs[(r.era_claim_id, r.era_line_id)].append(
                AdjustmentRecord(r.group_code, r.carc, r.amount_cents, r.quantity))
    out: dict[int, AdjudicationRecord] = {}
    for h in heads:
        recs = tuple(
            LineAdjudicationRecord(r.charge_id, r.code, r.modifiers, r.charge_cents, r.paid_cents,
                                   r.units, tuple(adjs.get((h.id, r.id), ())))
            for r in lines.get(h.id, []) if r.charge_id is not None)
        day = h.day if isinstance(h.day, dt.date) else dt.date.fromisoformat(str(h.day)[:10])
        out[h.id] = AdjudicationRecord(
            h.id, h.claim_id, h.status_code, h.charge_cents, h.paid_cents,
            h.payer_claim_number or "", day, bool(h.crossover),
            tuple(adjs.get((h.id, None), ())), recs)
    return out


def other_payers(session: Session, claims: Sequence[ClaimRecord],
                 lines: Mapping[int, Sequence[LineRecord]],
                 ) -> dict[int, tuple[OtherPayerRecord, ...]]:
    """Each claim's other payers (see the module docstring), for 2320/2330/2430 and the
    scrub's balancing edits. Claims with no other coverage are absent."""
    covs = store.coverages_of(session, [c.patient_id for c in claims])
    others: dict[int, list[CoverageRecord]] = {}
    rank_of: dict[int, int] = {}
    for c in claims:
        own = next((x for x in covs.get(c.patient_id, ()) if x.id == c.coverage_id), None)
        dos = c.first_dos or min((ln.date_of_service for ln in lines.get(c.id, ())),
                                 default=None)
        if own is None or dos is None:
            continue
        rest = [x for x in chain(covs.get(c.patient_id, ()), dos)
                if x.id != own.id and x.priority != own.priority]
        if rest:
            others[c.id] = rest
            rank_of[c.id] = RANK.get(own.priority, 9)
    if not others:
        return {}
    charge_ids = [ln.charge_id for cid in others for ln in lines.get(cid, ())]
    claims_of = _claims_of_charges(session, charge_ids)
    postings = _postings(session, sorted({x for s in claims_of.values() for x in s}))
    chosen: dict[tuple[int, int], int] = {}
    for cid, rest in others.items():
        latest = _latest_by_coverage([ln.charge_id for ln in lines.get(cid, ())], claims_of,
                                     postings)
        for cov in rest:
            # Only earlier payers' answers: a later payer's is not this claim's business.
            if cov.id in latest and RANK.get(cov.priority, 9) < rank_of[cid]:
                chosen[(cid, cov.id)] = latest[cov.id].era_claim_id
    adjudications = _adjudications(session, list(chosen.values()))
    payers = store.payers(session, (x.payer_id for rest in others.values() for x in rest))
    out: dict[int, tuple[OtherPayerRecord, ...]] = {}
    for cid, rest in others.items():
        out[cid] = tuple(
            OtherPayerRecord(cov, payers[cov.payer_id],
                             adjudications.get(chosen.get((cid, cov.id), -1)))
            for cov in rest)
    return out


# --------------------------------------------------------------------------- next payer


@dataclass(frozen=True)
class _Prior:
    claim: ClaimRecord
    lines: list[LineRecord]


def _planned(prior: _Prior, coverage: CoverageRecord,
             charge_rows: Mapping[int, UnbilledCharge]) -> PlannedClaim:
    """The next payer's claim: the prior claim's lines, diagnoses and pointers, to ``coverage``."""
    c = prior.claim
    return PlannedClaim(
        patient_id=c.patient_id, coverage=coverage, provider_id=c.provider_id, pos=c.pos,
        charges=tuple(charge_rows[ln.charge_id] for ln in prior.lines),
        diagnoses=tuple(c.diagnoses.split()), pointers=tuple(ln.dx_pointers for ln in prior.lines),
        facility_id=c.facility_id)


def _charge_rows(session: Session, ids: Sequence[int]) -> dict[int, UnbilledCharge]:
    ch = t.charge.c
    out: dict[int, UnbilledCharge] = {}
    for part in chunks(sorted(set(ids))):
        q = select(ch.id, ch.encounter_id, ch.patient_id, ch.date_of_service, ch.provider_id,
                   ch.pos, ch.amount_cents, ch.dx_pointers).where(ch.id.in_(part))
        out.update({r[0]: UnbilledCharge(*r) for r in session.execute(q)})
    return out


def _billed_to(session: Session, pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which (charge, coverage) pairs already have a claim to that coverage."""
    billed: set[tuple[int, int]] = set()
    _claims_of_charges(session, [ch for ch, _ in pairs], billed)
    return billed & set(pairs)


@dataclass(frozen=True, order=True)
class _Held:
    charge_id: int
    coverage_id: int
    patient_id: int
    date_of_service: dt.date


def _held_by_later_payers(session: Session, account: str | None, priorities: Sequence[str],
                          ) -> list[_Held]:
    """Billed lines whose balance is with a later payer's coverage."""
    e, ch = t.ledger_entry.c, t.charge.c
    q = (select(e.charge_id, e.coverage_id, ch.patient_id, ch.date_of_service)
         .join(t.charge, ch.id == e.charge_id)
         .where(ch.status == ChargeStatus.BILLED.value, e.party.in_(list(priorities)),
                e.coverage_id.is_not(None))
         .group_by(e.charge_id, e.coverage_id, ch.patient_id, ch.date_of_service)
         .having(func.sum(e.amount_cents) > 0))
    if account is not None:
        q = q.where(ch.patient_id == store.patient_id_of(session, account))
    return sorted(_Held(*row) for row in session.execute(q))


def _prior_lines(session: Session, claim_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """Each claim's (charge id, pointers), in line order."""
    cl = t.claim_line.c
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for part in chunks(sorted(set(claim_ids))):
        q = (select(cl.claim_id, cl.charge_id, cl.dx_pointers).where(cl.claim_id.in_(part))
             .order_by(cl.claim_id, cl.line_number))
        for claim_id, charge_id, ptrs in session.execute(q):
            out[claim_id].append((charge_id, ptrs))
    return out


def plan_next_payer(session: Session, *, account: str | None = None,
                    priorities: Sequence[str] = ("secondary", "tertiary"),
                    ) -> list[PlannedClaim]:
    """The later payers' claims due now (see the module docstring), one per prior claim and
    coverage, in the order of the prior claims."""
    held = _held_by_later_payers(session, account, priorities)
    if not held:
        return []
    billed: set[tuple[int, int]] = set()
    claims_of = _claims_of_charges(session, [h.charge_id for h in held], billed)
    todo = [h for h in held if (h.charge_id, h.coverage_id) not in billed]
    if not todo:
        return []
    covs = store.coverages_of(session, [h.patient_id for h in todo])
    postings = _postings(session, sorted({x for h in todo for x in claims_of[h.charge_id]}))
    groups: dict[tuple[int, int], CoverageRecord] = {}
    for h in todo:
        order = chain(covs.get(h.patient_id, ()), h.date_of_service)
        pos = next((i for i, c in enumerate(order) if c.id == h.coverage_id), None)
        if not pos:  # not in force on the date of service, or the first payer
            continue
        latest = _latest_by_coverage([h.charge_id], claims_of, postings).get(order[pos - 1].id)
        if latest is None or latest.crossover:
            continue  # the prior payer has not answered, or forwarded the claim itself
        groups.setdefault((latest.claim_id, h.coverage_id), order[pos])
    if not groups:
        return []
    prior_claims = {c.id: c for c in store.claims_by_ids(session, [k[0] for k in groups])}
    lines = _prior_lines(session, list(prior_claims))
    rows = _charge_rows(session, [ch for lst in lines.values() for ch, _ in lst])
    out: list[PlannedClaim] = []
    for (claim_id, cov_id), cov in sorted(groups.items()):
        keep = [(ch, ptrs) for ch, ptrs in lines.get(claim_id, [])
                if (ch, cov_id) not in billed]
        if keep:
            c = prior_claims[claim_id]
            out.append(PlannedClaim(
                patient_id=c.patient_id, coverage=cov, provider_id=c.provider_id, pos=c.pos,
                charges=tuple(rows[ch] for ch, _ in keep), diagnoses=tuple(c.diagnoses.split()),
                pointers=tuple(ptrs for _, ptrs in keep), facility_id=c.facility_id))
    return out


def plan_after_claim(session: Session, *, claim: ClaimRecord, priority: str | None,
                     ) -> PlannedClaim:
    """The next payer's claim for one prior claim's charges, checked: the coverage of that
    priority is in force on the dates of service, the payer before it has adjudicated the
    charges (without crossing the claim over), and no claim to it exists yet.

    Raises:
        InputError: any of these does not hold (nothing is written).
    """
    lines = store.load_lines(session, [claim.id]).get(claim.id, [])
    if not lines or claim.coverage_id is None:
        raise InputError(f"Claim {claim.pcn} has no lines or no coverage",
                         "See medbill claim show " + claim.pcn)
    covs = store.coverages_of(session, [claim.patient_id]).get(claim.patient_id, [])
    own = next(c for c in covs if c.id == claim.coverage_id)
    want = priority or (PRIORITIES[RANK[own.priority] + 1]
                        if RANK.get(own.priority, 9) + 1 < len(PRIORITIES) else "")
    if want not in RANK or RANK[want] == 0:
        raise InputError(f"Claim {claim.pcn} is to the {own.priority} payer; there is no later "
                         "payer sequence", "Give --sequence secondary or tertiary")
    dates = sorted({ln.date_of_service for ln in lines})
    of_kind = [c for c in covs if c.priority == want]
    if not of_kind:
        raise InputError(f"Claim {claim.pcn}'s patient has no {want} coverage",
                         "Add it with medbill coverage add ACCOUNT --priority " + want)
    target = next((c for c in of_kind if all(in_force(c.effective, c.termination, d)
                                                for d in dates)), None)
    if target is None:
        raise InputError(f"The {want} coverage {of_kind[0].id} is not in force on "
                         f"{dates[0].isoformat()}, the claim's date of service",
                         "Check its effective and termination dates (medbill coverage list)")
    order = chain(covs, dates[0])
    i = next(n for n, c in enumerate(order) if c.id == target.id)
    if i == 0:
        raise InputError(f"The {want} coverage {target.id} is the first payer in force on "
                         f"{dates[0].isoformat()}", "Bill it with a plain medbill claim generate")
    before = order[i - 1]
    charge_ids = [ln.charge_id for ln in lines]
    claims_of = _claims_of_charges(session, charge_ids)
    postings = _postings(session, sorted({x for s in claims_of.values() for x in s}))
    latest = _latest_by_coverage(charge_ids, claims_of, postings).get(before.id)
    payer = store.payers(session, [before.payer_id])[before.payer_id]
    if latest is None:
        raise InputError(f"The {before.priority} payer {payer.payer_id} has not adjudicated "
                         f"claim {claim.pcn}'s charges",
                         "Post its 835 (medbill era import) or paper EOB (medbill eob post) first")
    if latest.crossover:
        raise InputError(f"Claim {claim.pcn} was crossed over by {payer.payer_id} to the next "
                         "payer", "Wait for that payer's 835; it posts against the balance")
    done = _billed_to(session, [(ch, target.id) for ch in charge_ids])
    if done:
        raise DuplicateError(f"Claim {claim.pcn}'s charges are already on a claim to the {want} "
                             "payer", "See medbill claim list --payer-sequence " + want)
    rows = _charge_rows(session, charge_ids)
    return _planned(_Prior(claim, lines), target, rows)


def ledger_lines(session: Session, planned: Sequence[PlannedClaim]
                 ) -> list[tuple[int, list[int]]]:
    """The lines whose balance the next payer's claims move to their coverage (``bill_to``):
    those the patient holds something on (a coverage added after the share moved to the
    patient) and no other payer holds a positive balance on (a denial held with the prior
    payer stays there until it is worked). Usually none: the ledger's PR transfer already put
    the share with the next coverage."""
    from medbill_cli.services import ledger

    e = t.ledger_entry.c
    with_patient: set[int] = set()
    for part in chunks(sorted({c.id for p in planned for c in p.charges})):
        q = select(e.charge_id).where(e.charge_id.in_(part), e.coverage_id.is_(None)).distinct()
        with_patient |= {int(i) for i in session.execute(q).scalars()}
    if not with_patient:
        return []
    held = ledger.line_balances(session, with_patient)
    out: list[tuple[int, list[int]]] = []
    for p in planned:
        ids = [c.id for c in p.charges if c.id in with_patient
               and not any(pty.coverage_id not in (None, p.coverage.id) and bal > 0
                           for pty, bal in held.get(c.id, {}).items())]
        if ids:
            out.append((p.coverage.id, ids))
    return out


def describe(o: OtherPayerRecord) -> dict[str, object]:
    """One other payer as ``claim show`` lists it."""
    a = o.adjudication
    rec: dict[str, object] = {"payer": o.payer.payer_id, "sequence": o.coverage.priority,
                              "member_id": o.coverage.member_id, "adjudicated": a is not None}
    if a is not None:
        rec |= {"paid": fmt(a.paid_cents), "claim_number": a.payer_claim_number,
                "date": a.date.isoformat(), "crossover": a.crossover,
                "adjustments": [f"{x.group}-{x.carc}={fmt(x.amount_cents)}"
                                for x in a.adjustments],
                "lines": [{"code": ln.code, "paid": fmt(ln.paid_cents),
                           "adjustments": [f"{x.group}-{x.carc}={fmt(x.amount_cents)}"
                                           for x in ln.adjustments]} for ln in a.lines]}
    return rec


__all__ = ["PayerRecord", "describe", "ledger_lines", "other_payers", "plan_after_claim",
           "plan_next_payer"]
