"""Posting 835 remittances: match, check, plan, then write everything in the caller's transaction.

Order of work, so that a refused file writes nothing:

1. parse (``x12.era``) and convert every amount to cents (a fraction of a cent refuses the file);
2. refuse a file that does not balance (BPR02 = sum CLP04 - PLB; each claim and line
   charge = paid + adjustments) or whose payer + trace number was already posted;
3. match CLP01 to ``Claim.pcn`` and each SVC to the claim's lines (line control number,
   then code + modifiers + amount, then code + amount, then code);
4. plan each claim's outcome (paid, partial, denied, reversal, unmatched, info) and its denials;
5. write the rows, claim statuses, denials and audit entries (nothing at all on ``dry_run``).

Claim status follows CLP02: processed (1, 2, 3, 19, 20, 21) -> ``paid`` (``partial`` on the
posting when a line was denied), 4 -> ``denied``, 22 -> back to the status before the posting
it reverses, whose open denials are closed. Other codes (23, 25) are recorded as ``info``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from medbill_cli.dates import today
from medbill_cli.db import tables as t
from medbill_cli.db.dialect import insert_many
from medbill_cli.db.models.claims import Claim
from medbill_cli.db.models.registration import Patient, Payer
from medbill_cli.db.models.remit import Denial, Era, EraAdjustment, EraClaim, EraPlb
from medbill_cli.db.query import chunks
from medbill_cli.errors import DuplicateError, InputError, NotFoundError
from medbill_cli.money import AmountError, fmt, to_cents
from medbill_cli.services import audit, ledger
from medbill_cli.services._gc import without_gc_pauses
from medbill_cli.status import SENT, ClaimStatus, DenialStatus, check_transition
from medbill_cli.x12 import era as x835
from medbill_cli.x12.tokens import Delimiters

# Adjustments that reduce a payment as agreed, never a denial: contractual (45, A2, 42),
# sequestration (253), prior payer's adjudication (23).
NOT_DENIAL_CARCS = frozenset({"45", "A2", "42", "253", "23", "94", "B6"})


class Outcome(StrEnum):
    """What posting one CLP did (``EraClaim.outcome``)."""

    PAID = "paid"  # processed, every line paid something (or no line was denied)
    PARTIAL = "partial"  # processed, with a denied line
    DENIED = "denied"  # CLP02 4
    REVERSAL = "reversal"  # CLP02 22: undoes an earlier posting
    UNMATCHED = "unmatched"  # no claim of ours, or a reversal of nothing posted here
    INFO = "info"  # recorded only (CLP02 23, 25, ...)


ADJUDICATED = (Outcome.PAID, Outcome.PARTIAL, Outcome.DENIED)


def cents(value: Decimal | None, what: str) -> int:
    if value is None:
        return 0
    try:
        return to_cents(value)
    except AmountError:
        raise InputError(f"The 835 has an amount with a fraction of a cent ({what}: {value})",
                         "Nothing was posted; ask the payer for a corrected file") from None


# --------------------------------------------------------------------------- the plan


@dataclass
class PlannedLine:
    seq: int
    svc: x835.ServiceLine
    claim_line_id: int | None = None
    charge_id: int | None = None


@dataclass
class PlannedDenial:
    line_seq: int | None
    charge_id: int | None
    group: str
    carc: str
    rarc: str
    amount_cents: int


@dataclass
class PlannedClaim:
    cp: x835.ClaimPayment
    claim: Claim | None
    outcome: Outcome
    payer_sequence: int
    unmatched_reason: str | None = None
    lines: list[PlannedLine] = field(default_factory=list)
    reverses: EraClaim | None = None
    reverses_key: int | None = None  # index into the same file's plan when reversing it
    previous_status: ClaimStatus | None = None
    new_status: ClaimStatus | None = None
    denials: list[PlannedDenial] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    crossover: bool = False  # the payer forwarded the claim to the next payer (see _cob)
    coverage_id: int | None = None  # a later payer's answer to a crossed-over claim

    def equation(self) -> str:
        """The claim's balancing equation: charge = paid + each group's adjustments."""
        c = self.cp
        by_group: dict[str, Decimal] = defaultdict(Decimal)
        for a in c.all_adjustments():
            by_group[a.group] += a.amount
        parts = [f"paid {c.paid:.2f}"] + [f"{g} {v:.2f}" for g, v in sorted(by_group.items())]
        ok = "balances" if c.charge == c.paid + c.adjusted else "DOES NOT BALANCE"
        return f"charge {c.charge:.2f} = " + " + ".join(parts) + f" ({ok})"


@dataclass
class PlannedEra:
    remit: x835.Remittance
    payer: Payer | None
    claims: list[PlannedClaim]
    era: Era | None = None


@dataclass
class ImportResult:
    file_name: str | None
    dry_run: bool
    eras: list[PlannedEra]
    warnings: list[str]

    @property
    def unmatched(self) -> list[PlannedClaim]:
        return [pc for pe in self.eras for pc in pe.claims if pc.outcome == Outcome.UNMATCHED]

    def plan_lines(self) -> list[str]:
        """The posting plan, one line per claim and one per payment."""
        out: list[str] = []
        for pe in self.eras:
            r = pe.remit
            paid = sum((c.paid for c in r.claims), Decimal(0))
            out.append(f"ERA trace {r.trace_number or '(none)'} from "
                       f"{r.payer.name or r.payer_key}: BPR02 {r.total:.2f} = claims paid "
                       f"{paid:.2f} - PLB {r.plb_total:.2f}")
            for pc in pe.claims:
                target = f"claim {pc.claim.id}" if pc.claim is not None else "no claim"
                status = (f"{pc.previous_status} -> {pc.new_status}"
                          if pc.new_status and pc.new_status != pc.previous_status else "unchanged")
                what = (pc.unmatched_reason if pc.outcome == Outcome.UNMATCHED
                        else f"status {status}")
                out.append(f"  {pc.cp.pcn} ({target}) CLP02 {pc.cp.status} -> {pc.outcome}, "
                           f"{what}: {pc.equation()}")
                for d in pc.denials:
                    line = f"line {d.line_seq}" if d.line_seq else "claim"
                    out.append(f"    denial ({line}): {d.group}-{d.carc}"
                               f"{' ' + d.rarc if d.rarc else ''} {fmt(d.amount_cents)}")
            for p in r.provider_adjustments:
                out.append(f"  PLB {p.reason} {p.reference}: {p.amount:.2f}")
        return out


# --------------------------------------------------------------------------- matching


# One of a claim's lines with its charge: a Core row of ``line_id``, ``claim_id``,
# ``charge_id``, ``code``, ``modifiers``, ``amount_cents`` (an 835 of 10,000 claims matches
# 30,000 of them; ORM objects would cost more to load than the matching).
Pair = Any


def _matchers(svc: x835.ServiceLine) -> list[Callable[[Pair], bool]]:
    """How an SVC finds its claim line, strictest first: the line control number (REF*6R: the
    claim line id the 837P sent), then code + modifiers + amount, then code + amount, then
    code (in line order, so position breaks ties)."""
    code = svc.original_code or svc.code
    mods = " ".join(svc.modifiers)
    try:
        amount = abs(to_cents(svc.charge))
    except AmountError:
        amount = -1
    ctl = svc.control_number
    out: list[Callable[[Pair], bool]] = []
    if ctl:
        out.append(lambda p: ctl == str(p.line_id))
    out += [
        lambda p: p.code == code and p.modifiers == mods and p.amount_cents == amount,
        lambda p: p.code == code and p.amount_cents == amount,
        lambda p: p.code in (code, svc.code),
    ]
    return out


def _match_lines(pc: PlannedClaim, lines: list[Pair]) -> None:
    """Pair each SVC with one of the claim's lines; each claim line is used once."""
    free = list(lines)
    pc.lines = []
    for seq, svc in enumerate(pc.cp.lines, start=1):
        pl = PlannedLine(seq, svc)
        pc.lines.append(pl)
        found = next((p for match in _matchers(svc) for p in free if match(p)), None)
        if found is None:
            pc.warnings.append(f"{pc.cp.pcn}: service line {seq} ({svc.code} {svc.charge:.2f}) "
                               "matches none of the claim's lines; posted to the claim only")
        else:
            free.remove(found)
            pl.claim_line_id, pl.charge_id = found.line_id, found.charge_id


def _denials(pc: PlannedClaim) -> list[PlannedDenial]:
    """Denied claim: one item for the claim; processed claim: one per line paid nothing for a
    reason other than a contractual reduction or the patient's share."""
    c = pc.cp

    def item(adjs: Sequence[x835.Adjustment], remarks: Sequence[str], line: PlannedLine | None,
             any_reason: bool) -> PlannedDenial | None:
        own = [a for a in adjs
               if a.group != "PR" and (any_reason or a.reason not in NOT_DENIAL_CARCS)]
        total = sum((to_cents(a.amount) for a in adjs if a.group != "PR"), 0)
        if not own or total <= 0:
            return None
        main = max(own, key=lambda a: a.amount)
        return PlannedDenial(line.seq if line else None, line.charge_id if line else None,
                             main.group, main.reason, " ".join(dict.fromkeys(remarks)), total)

    if pc.outcome == Outcome.DENIED:
        remarks = list(c.remarks) + [r for ln in c.lines for r in ln.remarks]
        d = item(c.all_adjustments(), remarks, None, True)
        return [d] if d else []
    out: list[PlannedDenial] = []
    if pc.outcome in (Outcome.PAID, Outcome.PARTIAL):
        for pl in pc.lines:
            if pl.svc.paid == 0 and pl.svc.charge > 0:
                d = item(pl.svc.adjustments, list(pl.svc.remarks) + list(c.remarks), pl, False)
                if d:
                    out.append(d)
        if not c.lines and c.paid == 0 and c.charge > 0:
            d = item(c.adjustments, c.remarks, None, False)
            if d:
                out.append(d)
    return out


def _payer_for(session: Session, r: x835.Remittance) -> Payer | None:
    by_id = r.payer.id if r.payer.id_qualifier in ("XV", "PI", "") else ""
    keys = [k for k in (r.payer.ref("2U"), by_id, r.originator) if k]
    for k in keys:
        p = session.exec(select(Payer).where(Payer.payer_id == k)).first()
        if p is not None:
            return p
    return None


def _check_balance(r: x835.Remittance, name: str) -> None:
    probs = x835.balance_problems(r)
    if probs:
        p = probs[0]
        more = f" and {len(probs) - 1} more problem(s)" if len(probs) > 1 else ""
        where = "" if p.where == "file" else f"claim {p.where}: "
        raise InputError(f"{name} does not balance: {where}{p.message} at segment {p.segment}"
                         f"{more}", "Nothing was posted; ask the payer for a corrected 835")


def _check_cents(r: x835.Remittance) -> None:
    """Every amount must be whole cents before anything is planned."""
    cents(r.total, "BPR02")
    for c in r.claims:
        cents(c.charge, f"{c.pcn} CLP03")
        for a in c.all_adjustments():
            cents(a.amount, f"{c.pcn} CAS {a.group}-{a.reason}")
        for ln in c.lines:
            cents(ln.charge, f"{c.pcn} SVC02")
            cents(ln.paid, f"{c.pcn} SVC03")
    for p in r.provider_adjustments:
        cents(p.amount, "PLB")


def _check_trace(session: Session, r: x835.Remittance, name: str,
                 seen: set[tuple[str, str]]) -> None:
    """A payment is posted once: its payer and trace number appear once, here and ever."""
    if not r.trace_number:
        raise InputError(f"{name} has no trace number (TRN02)", "Nothing was posted; a payment "
                         "without a trace cannot be checked for duplicates")
    key = (r.payer_key[:80], r.trace_number[:80])
    if key in seen:
        raise DuplicateError(f"{name} holds trace {r.trace_number} from payer {r.payer_key} twice",
                             "Nothing was posted; ask the payer for a corrected file")
    seen.add(key)
    prior = session.exec(select(Era).where(Era.payer_key == key[0],
                                           Era.trace_number == key[1])).first()
    if prior is not None:
        raise DuplicateError(
            f"Trace {r.trace_number} from payer {r.payer_key} was already posted as ERA "
            f"{prior.id} on {prior.posted_on.isoformat()}",
            f"Nothing was posted; see medbill era show {prior.id}")


def plan_import(*, session: Session, data: bytes, file_name: str | None = None) -> ImportResult:
    """Read, check and match an 835 without writing: the plan that ``import_era`` posts.

    Args:
        session: a session (read only here).
        data: the file's bytes.
        file_name: shown in messages and stored with the ERA.

    Returns:
        The plan: one ``PlannedEra`` per transaction set.

    Raises:
        InputError: unreadable, not an 835, does not balance, or already posted.
    """
    name = file_name or "the file"
    try:
        ic = x835.parse_835(data)
    except x835.EraParseError as exc:
        raise InputError(f"Cannot read {name} as an 835: {exc}",
                         "Nothing was posted; check that it is an 835 remittance file") from None
    warnings: list[str] = []
    seen: set[tuple[str, str]] = set()
    for r in ic.transactions:
        warnings.extend(r.warnings)
        _check_balance(r, name)
        _check_cents(r)
        _check_trace(session, r, name, seen)
    return _plan(session, ic, file_name, warnings)


@dataclass
class _Known:
    """Our side of a file: its claims by PCN, their lines, and each claim's last posting."""

    claims: dict[str, Claim]
    lines: dict[int, list[Pair]]
    # Each claim's live postings, oldest first, with the paying payer's id (its ERA's).
    postings: dict[int, list[tuple[int | None, EraClaim]]]
    status_now: dict[int, ClaimStatus]  # as the file's postings so far leave each claim
    in_file: dict[int, PlannedClaim] = field(default_factory=dict)  # latest posting per claim


def _known(session: Session, pcns: list[str]) -> _Known:
    claims: dict[str, Claim] = {}
    for part in chunks(pcns):
        for cl in session.exec(select(Claim).where(col(Claim.pcn).in_(part))):
            claims[cl.pcn] = cl
    ids = [cl.id for cl in claims.values() if cl.id is not None]
    lines: dict[int, list[Pair]] = defaultdict(list)
    cln, chg = t.claim_line, t.charge
    postings: dict[int, list[tuple[int | None, EraClaim]]] = defaultdict(list)
    for id_part in chunks(ids):
        q = (sa_select(cln.c.id.label("line_id"), cln.c.claim_id, chg.c.id.label("charge_id"),
                       chg.c.code, chg.c.modifiers, chg.c.amount_cents)
             .join(chg, chg.c.id == cln.c.charge_id).where(cln.c.claim_id.in_(id_part))
             .order_by(cln.c.claim_id, cln.c.line_number))
        for row in session.execute(q):
            lines[row.claim_id].append(row)
        q2 = (select(EraClaim, Era.payer_id).join(Era, col(Era.id) == EraClaim.era_id)
              .where(col(EraClaim.claim_id).in_(id_part),
                     col(EraClaim.outcome).in_(ADJUDICATED),
                     col(EraClaim.reversed_by_id).is_(None))
              .order_by(col(EraClaim.id)))
        for ec, payer_id in session.exec(q2):
            assert ec.claim_id is not None
            postings[ec.claim_id].append((payer_id, ec))
    status_now = {cl.id: ClaimStatus(cl.status) for cl in claims.values() if cl.id is not None}
    return _Known(claims, lines, postings, status_now)


def _reversed_posting(k: _Known, claim_id: int, cp: x835.ClaimPayment,
                     payer_id: int | None) -> EraClaim | None:
    """The live posting a reversal undoes. On a crossed-over claim the next payer's posting is
    on the same claim, and a reversal from one payer must never undo the other's: the posting
    is the latest with the reversal's payer claim number (CLP07) and the amount it takes back,
    else the latest with that claim number, else the latest from the reversal's payer, else
    the claim's latest."""
    live = k.postings.get(claim_id)
    if not live:
        return None
    back = -cents(cp.paid, "CLP04")
    number = cp.payer_claim_number

    def latest(test: Callable[[int | None, EraClaim], bool]) -> int | None:
        return next((i for i in range(len(live) - 1, -1, -1) if test(*live[i])), None)

    for test in (lambda _p, ec: bool(number) and ec.payer_claim_number == number
                 and ec.paid_cents == back,
                 lambda _p, ec: bool(number) and ec.payer_claim_number == number,
                 lambda p, _ec: payer_id is not None and p == payer_id):
        at = latest(test)
        if at is not None:
            return live.pop(at)[1]
    return live.pop()[1]


def _plan_reversal(pc: PlannedClaim, claim_id: int, k: _Known, payer_id: int | None) -> bool:
    """Point a reversal at the posting it undoes; False when nothing posted can be reversed."""
    earlier = k.in_file.get(claim_id)
    prev = None
    if earlier is not None and earlier.outcome in ADJUDICATED:
        pc.reverses_key = id(earlier)
        pc.payer_sequence = earlier.payer_sequence
        pc.new_status = earlier.previous_status
        del k.in_file[claim_id]
    elif (prev := _reversed_posting(k, claim_id, pc.cp, payer_id)) is not None:
        pc.reverses = prev
        pc.payer_sequence = prev.payer_sequence
        pc.new_status = ClaimStatus(prev.previous_status or ClaimStatus.SUBMITTED)
    else:
        return False
    pc.outcome = Outcome.REVERSAL
    _match_lines(pc, k.lines.get(claim_id, []))
    return True


def _plan_posting(pc: PlannedClaim, claim_id: int, k: _Known) -> None:
    c = pc.cp
    if c.is_denied:
        pc.outcome, pc.new_status = Outcome.DENIED, ClaimStatus.DENIED
    elif c.payer_sequence:
        pc.outcome, pc.new_status = Outcome.PAID, ClaimStatus.PAID
    else:
        pc.outcome, pc.new_status = Outcome.INFO, pc.previous_status
    _match_lines(pc, k.lines.get(claim_id, []))
    pc.denials = _denials(pc)
    if pc.outcome == Outcome.PAID and pc.denials:
        pc.outcome = Outcome.PARTIAL
    if pc.outcome in ADJUDICATED:
        k.in_file[claim_id] = pc


def _plan_claim(c: x835.ClaimPayment, k: _Known, payer_id: int | None) -> PlannedClaim:
    claim = k.claims.get(c.pcn)
    pc = PlannedClaim(c, claim, Outcome.INFO, c.payer_sequence,
                      lines=[PlannedLine(seq, svc) for seq, svc in enumerate(c.lines, start=1)])
    if claim is None or claim.id is None:
        pc.outcome = Outcome.UNMATCHED
        pc.unmatched_reason = "no claim has this control number (CLP01)"
        return pc
    pc.previous_status = k.status_now[claim.id]
    if ClaimStatus(pc.previous_status) not in SENT:
        # One claim medbill never sent must not hold up the rest of the file: it is kept
        # unmatched, for the biller to work (was it sent some other way?).
        pc.outcome = Outcome.UNMATCHED
        pc.unmatched_reason = (f"claim {claim.pcn} was never sent (it is {pc.previous_status})")
        return pc
    if c.is_reversal:
        if not _plan_reversal(pc, claim.id, k, payer_id):
            pc.outcome = Outcome.UNMATCHED
            pc.unmatched_reason = "reversal (CLP02 22) of a payment that was never posted here"
            return pc
    else:
        _plan_posting(pc, claim.id, k)
    if pc.new_status is not None:
        # A posting the status table does not allow refuses the whole file, naming the claim
        # and both statuses.
        check_transition(pc.previous_status, pc.new_status, record=claim.pcn)
        k.status_now[claim.id] = pc.new_status
    return pc


def _plan(session: Session, ic: x835.Interchange, file_name: str | None,
          warnings: list[str]) -> ImportResult:
    k = _known(session, sorted({c.pcn for r in ic.transactions for c in r.claims}))
    result = ImportResult(file_name, False, [], warnings)
    for r in ic.transactions:
        pe = PlannedEra(r, _payer_for(session, r), [])
        for c in r.claims:
            pc = _plan_claim(c, k, pe.payer.id if pe.payer is not None else None)
            pe.claims.append(pc)
            result.warnings.extend(pc.warnings)
        _cob(session, pe, k)
        result.eras.append(pe)
    return result


# --------------------------------------------------------------------------- crossover

CROSSOVER_STATUSES = frozenset({"19", "20", "21"})  # processed, forwarded to the next payer


def crossover_signalled(cp: x835.ClaimPayment, forwards_claims: bool) -> bool:
    """Whether a payer's answer forwarded the claim to the next payer itself (a crossover).

    The 835 says so with CLP02 19/20/21, a crossover carrier (NM1*TT) or remark MA18; a payer
    flagged as forwarding claims (``payer update --forwards-claims``) counts as saying so even
    with CLP02 1 (same-payer dual plans do that). Remark MA19 (the crossover failed) wins over
    all of them: the next payer is then billed directly.
    """
    remarks = set(cp.remarks) | {r for ln in cp.lines for r in ln.remarks}
    if "MA19" in remarks:
        return False
    return (cp.status in CROSSOVER_STATUSES or cp.name("TT") is not None or "MA18" in remarks
            or forwards_claims)


def _cob(session: Session, pe: PlannedEra, k: _Known) -> None:
    """Crossover on a file's postings: a processed answer that forwarded the claim marks it
    ``crossed_over`` (when the patient has a later coverage on its date of service); a later
    payer's answer to a crossed-over claim posts against that payer's coverage."""
    from medbill_cli.services.claims import cob, store

    todo = [pc for pc in pe.claims if pc.claim is not None and pc.claim.id is not None
            and pc.outcome in ADJUDICATED]
    if not todo:
        return
    forwards = bool(pe.payer is not None and pe.payer.forwards_claims)
    crossed = _crossed_over(session, [pc.claim.id for pc in todo if pc.claim and pc.claim.id])
    covs = store.coverages_of(session, [pc.claim.patient_id for pc in todo if pc.claim])
    for pc in todo:
        claim = pc.claim
        assert claim is not None and claim.id is not None
        dos = claim.first_dos or min((ln.date_of_service for _, ln in k.lines.get(claim.id, [])),
                                     default=None)
        if dos is None:
            continue
        order = cob.chain(covs.get(claim.patient_id, ()), dos)
        at = next((i for i, c in enumerate(order) if c.id == claim.coverage_id), None)
        later = order[at + 1:] if at is not None else []
        was_crossed = pc.previous_status == ClaimStatus.CROSSED_OVER or claim.id in crossed
        if was_crossed and later and (pc.cp.payer_sequence > 1 or (
                pe.payer is not None and pe.payer.id != claim.payer_id)):
            by_payer = [c for c in later if pe.payer is not None and c.payer_id == pe.payer.id]
            by_rank = [c for c in later if cob.RANK.get(c.priority) == pc.cp.payer_sequence - 1]
            pc.coverage_id = (by_payer or by_rank or later)[0].id
        elif (later and pc.outcome in (Outcome.PAID, Outcome.PARTIAL)
              and crossover_signalled(pc.cp, forwards)):
            pc.crossover = True
            pc.new_status = ClaimStatus.CROSSED_OVER
            if pc.previous_status is not None:
                check_transition(pc.previous_status, pc.new_status, record=claim.pcn)
            k.status_now[claim.id] = pc.new_status


def _crossed_over(session: Session, claim_ids: list[int]) -> set[int]:
    """The claims with a live posting that crossed them over."""
    ec = t.era_claim.c
    out: set[int] = set()
    for part in chunks(sorted(set(claim_ids))):
        q = (select(ec.claim_id).where(ec.claim_id.in_(part), ec.crossover.is_(True),
                                       ec.reversed_by_id.is_(None)))
        out |= {int(i) for i in session.exec(q) if i is not None}
    return out


# --------------------------------------------------------------------------- posting


def _qty(q: Decimal | None) -> str | None:
    return str(q) if q is not None else None


@dataclass
class _Posting:
    """One transaction set being written: its ERA row and the ids its rows got."""

    pe: PlannedEra
    era: Era
    posted_on: dt.date
    now: dt.datetime
    ec_ids: list[int] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)  # (reversal, reversed)
    line_id: dict[tuple[int, int], int] = field(default_factory=dict)  # (claim key, seq) -> id


def _era(pe: PlannedEra, user: str, file_name: str | None, digest: str,
         posted_on: dt.date) -> Era:
    r = pe.remit
    return Era(payer_key=r.payer_key[:80], trace_number=r.trace_number[:80],
               payer_id=pe.payer.id if pe.payer else _most_common_payer(pe),
               payer_name=r.payer.name, handling=r.handling[:2], method=r.method[:3],
               total_cents=cents(r.total, "BPR02"), plb_cents=cents(r.plb_total, "PLB"),
               payment_date=r.payment_date, production_date=r.production_date,
               posted_on=posted_on, claim_count=len(r.claims),
               unmatched_count=sum(1 for pc in pe.claims if pc.outcome == Outcome.UNMATCHED),
               file_name=file_name, file_hash=digest, st_control=r.control_number[:9],
               created_by=user)


def _era_claim_row(p: _Posting, pc: PlannedClaim) -> dict[str, Any]:
    c = pc.cp
    pat = c.patient or c.name("IL")
    service_date = c.date("232") or next((ln.service_date for ln in c.lines if ln.service_date),
                                         None)
    return dict(
        era_id=p.era.id, claim_id=pc.claim.id if pc.claim else None, pcn=c.pcn[:38],
        status_code=c.status[:2], outcome=pc.outcome.value, payer_sequence=pc.payer_sequence,
        charge_cents=cents(c.charge, "CLP03"), paid_cents=cents(c.paid, "CLP04"),
        patient_resp_cents=sum(cents(a.amount, "CAS") for a in c.all_adjustments()
                               if a.group == "PR"),
        payer_claim_number=c.payer_claim_number[:50], member_id=(pat.id if pat else "")[:80],
        service_date=service_date, remarks=" ".join(c.remarks)[:200],
        unmatched_reason=pc.unmatched_reason,
        previous_status=pc.previous_status.value if pc.previous_status else None,
        reverses_id=None, reversed_by_id=None, created_at=p.now,
        crossover=pc.crossover, coverage_id=pc.coverage_id)


def _era_line_row(ec_id: int, pl: PlannedLine) -> dict[str, Any]:
    sv = pl.svc
    allowed = None
    if sv.allowed is not None and sv.allowed == sv.allowed.quantize(Decimal("0.01")):
        allowed = cents(sv.allowed, "AMT*B6")
    return dict(era_claim_id=ec_id, seq=pl.seq, claim_line_id=pl.claim_line_id,
                charge_id=pl.charge_id, code=sv.code[:48], modifiers=" ".join(sv.modifiers)[:11],
                charge_cents=cents(sv.charge, "SVC02"), paid_cents=cents(sv.paid, "SVC03"),
                allowed_cents=allowed, units=_qty(sv.units), service_date=sv.service_date,
                remarks=" ".join(sv.remarks)[:200])


def _write_claims_and_lines(session: Session, p: _Posting, by_key: dict[int, int]) -> None:
    """EraClaim and EraLine rows, and the links between reversals and what they reverse."""
    from sqlalchemy import update

    p.ec_ids = insert_many(session, t.era_claim, [_era_claim_row(p, pc) for pc in p.pe.claims],
                           ids=True)
    line_rows: list[dict[str, Any]] = []
    line_keys: list[tuple[int, int]] = []
    for pc, ec_id in zip(p.pe.claims, p.ec_ids, strict=True):
        by_key[id(pc)] = ec_id
        target = (by_key[pc.reverses_key] if pc.reverses_key is not None
                  else (pc.reverses.id if pc.reverses else None))
        if target is not None:
            p.links.append((ec_id, target))
        line_rows += [_era_line_row(ec_id, pl) for pl in pc.lines]
        line_keys += [(id(pc), pl.seq) for pl in pc.lines]
    ec = t.era_claim
    for rev, target in p.links:
        session.execute(update(ec).where(ec.c.id == rev).values(reverses_id=target))
        session.execute(update(ec).where(ec.c.id == target).values(reversed_by_id=rev))
    ids = insert_many(session, t.era_line, line_rows, ids=True)
    p.line_id = dict(zip(line_keys, ids, strict=True))


def _adjustment_rows(p: _Posting) -> list[dict[str, Any]]:
    adjs: list[dict[str, Any]] = []
    for pc, ec_id in zip(p.pe.claims, p.ec_ids, strict=True):
        claim_rarc = " ".join(pc.cp.remarks)[:200]
        adjs += [dict(era_claim_id=ec_id, era_line_id=None, group_code=a.group,
                      carc=a.reason[:5], rarc=claim_rarc, amount_cents=cents(a.amount, "CAS"),
                      quantity=_qty(a.quantity)) for a in pc.cp.adjustments]
        for pl in pc.lines:
            rarc = " ".join(pl.svc.remarks)[:200]
            adjs += [dict(era_claim_id=ec_id, era_line_id=p.line_id[(id(pc), pl.seq)],
                          group_code=a.group, carc=a.reason[:5], rarc=rarc,
                          amount_cents=cents(a.amount, "CAS"), quantity=_qty(a.quantity))
                     for a in pl.svc.adjustments]
    return adjs


def _denial_rows(p: _Posting) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for pc, ec_id in zip(p.pe.claims, p.ec_ids, strict=True):
        if pc.claim is None:
            continue
        rows += [dict(
            claim_id=pc.claim.id, era_claim_id=ec_id,
            era_line_id=p.line_id.get((id(pc), d.line_seq)) if d.line_seq else None,
            charge_id=d.charge_id, payer_id=p.era.payer_id or pc.claim.payer_id,
            group_code=d.group, carc=d.carc[:5], rarc=d.rarc[:200], amount_cents=d.amount_cents,
            status=DenialStatus.OPEN.value, note=None, opened_on=p.posted_on, worked_at=None,
            worked_by=None, created_at=p.now) for d in pc.denials]
    return rows


def _claim_statuses(session: Session, p: _Posting, entries: list[audit.AuditEntry]) -> None:
    """Move each matched claim to its planned status (checked when the file was planned)."""
    from sqlalchemy import bindparam, update
    from sqlalchemy.orm.attributes import set_committed_value

    statuses: list[dict[str, Any]] = []
    for pc in p.pe.claims:
        claim, new = pc.claim, pc.new_status
        if claim is None or new is None or new == claim.status:
            continue
        check_transition(claim.status, new, record=claim.pcn)
        entries.append(("post", "claim", claim.pcn, {"status": claim.status},
                        {"status": new.value, "era": p.era.id, "outcome": pc.outcome.value,
                         "paid": f"{pc.cp.paid:.2f}"}))
        statuses.append({"b_id": claim.id, "b_status": new.value})
        # Written below in one executemany; the loaded claim shows the new status without
        # being flushed again row by row.
        set_committed_value(claim, "status", new.value)
    if statuses:
        c = t.claim.c
        session.execute(update(t.claim).where(c.id == bindparam("b_id"))
                        .values(status=bindparam("b_status")), statuses)


def _post_era(session: Session, user: str, p: _Posting, by_key: dict[int, int],
              entries: list[audit.AuditEntry]) -> None:
    r = p.pe.remit
    _write_claims_and_lines(session, p, by_key)
    insert_many(session, t.era_adjustment, _adjustment_rows(p))
    insert_many(session, t.era_plb, [dict(
        era_id=p.era.id, provider_id=x.provider_id[:50], fiscal_date=x.fiscal_date,
        reason=x.reason[:2], reference=x.reference[:50], amount_cents=cents(x.amount, "PLB"))
        for x in r.provider_adjustments])
    denials = _denial_rows(p)
    denial_ids = insert_many(session, t.denial, denials, ids=True)
    _claim_statuses(session, p, entries)
    # Reversals close the denials their reversed posting opened; a later payment closes
    # the claim's earlier open denials.
    _close_superseded_denials(session, p.pe, p.links, p.ec_ids, entries, user)
    entries.append(("post", "era", p.era.id, None, audit.snapshot(p.era)))
    entries.extend(("create", "denial", i, None,
                    {k: v for k, v in d.items() if k != "created_at"}
                    | {"opened_on": p.posted_on.isoformat()})
                   for i, d in zip(denial_ids, denials, strict=True))


@without_gc_pauses
def import_era(
    *, session: Session, user: str, data: bytes, file_name: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Post an 835 file: payments, adjustments, PLBs, claim statuses and denials.

    Args:
        session: the command's one transaction (not committed here).
        user: who posts, for the audit trail.
        data: the 835's bytes.
        file_name: stored with each ERA.
        dry_run: plan and check only; write nothing.

    Returns:
        The plan, with ``PlannedEra.era`` set to the new rows when posted.
    """
    from medbill_cli.db.models._base import utcnow

    result = plan_import(session=session, data=data, file_name=file_name)
    result.dry_run = dry_run
    if dry_run:
        return result
    digest = hashlib.sha256(data).hexdigest()
    posted_on = today()
    now = utcnow()
    entries: list[audit.AuditEntry] = []
    by_key: dict[int, int] = {}  # id(PlannedClaim) -> EraClaim id
    era_claim_ids: list[int] = []
    for pe in result.eras:
        era = _era(pe, user, file_name, digest, posted_on)
        session.add(era)
        session.flush()
        pe.era = era
        posting = _Posting(pe, era, posted_on, now)
        _post_era(session, user, posting, by_key, entries)
        era_claim_ids += posting.ec_ids
    # Every row is written (denials, reversal links): the ledger posts from them.
    ledger.post_era_claims(session=session, user=user, era_claim_ids=era_claim_ids)
    if entries:
        audit.record_many(session=session, user=user, entries=entries)
    return result



def post_built(*, session: Session, user: str, remit: x835.Remittance,
               file_name: str | None = None) -> ImportResult:
    """Post one remittance built in memory (a paper EOB) exactly as ``import_era`` posts a
    file's transaction set: the same checks (balance, cents, trace), plan, rows, claim
    statuses, denials and audit entries. The ERA row has no file hash.

    Returns:
        The plan, with ``PlannedEra.era`` set to the new row.
    """
    from medbill_cli.db.models._base import utcnow

    name = file_name or "the remittance"
    _check_balance(remit, name)
    _check_cents(remit)
    _check_trace(session, remit, name, set())
    ic = x835.Interchange(sender="", receiver="", control_number="", date=None, usage="P",
                          delimiters=Delimiters("*", ":", "~", "^"), transactions=(remit,))
    result = _plan(session, ic, file_name, list(remit.warnings))
    posted_on = today()
    entries: list[audit.AuditEntry] = []
    by_key: dict[int, int] = {}
    for pe in result.eras:
        era = _era(pe, user, file_name, "", posted_on)
        session.add(era)
        session.flush()
        pe.era = era
        _post_era(session, user, _Posting(pe, era, posted_on, utcnow()), by_key, entries)
    audit.record_many(session=session, user=user, entries=entries)
    return result

def _most_common_payer(pe: PlannedEra) -> int | None:
    counts: dict[int, int] = defaultdict(int)
    for pc in pe.claims:
        if pc.claim is not None and pc.claim.payer_id is not None:
            counts[pc.claim.payer_id] += 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def _close_superseded_denials(session: Session, pe: PlannedEra, links: list[tuple[int, int]],
                              ec_ids: list[int], entries: list[audit.AuditEntry],
                              user: str) -> None:
    from medbill_cli.db.models._base import utcnow

    era_id = pe.era.id if pe.era else ""
    reversed_ids = [target for _, target in links]
    paid_claims = {pc.claim.id: ec_id for pc, ec_id in zip(pe.claims, ec_ids, strict=True)
                   if pc.outcome in (Outcome.PAID, Outcome.PARTIAL) and pc.claim is not None}
    todo: list[tuple[Denial, str]] = []
    still_open = Denial.status != DenialStatus.CLOSED.value
    for part in chunks(reversed_ids):
        for d in session.exec(select(Denial).where(col(Denial.era_claim_id).in_(part), still_open)):
            todo.append((d, f"closed: the posting was reversed by ERA {era_id}"))
    for claims in chunks(list(paid_claims)):
        q = select(Denial).where(col(Denial.claim_id).in_(claims), still_open)
        for d in session.exec(q):
            if d.era_claim_id < paid_claims[d.claim_id]:
                todo.append((d, f"closed: the claim was paid by ERA {era_id}"))
    for d, note in todo:
        before = audit.snapshot(d)
        d.status = check_transition(d.status, DenialStatus.CLOSED, record=d.id).value
        d.note = f"{d.note}; {note}" if d.note else note
        d.worked_at = utcnow()
        d.worked_by = user
        session.add(d)
        entries.append(("close", "denial", d.id, before, audit.snapshot(d)))
    session.flush()


# --------------------------------------------------------------------------- reading


def list_eras(*, session: Session, limit: int | None = None) -> list[Era]:
    q = select(Era).order_by(col(Era.id).desc())
    if limit:
        q = q.limit(limit)
    return list(session.exec(q))


@dataclass
class EraDetail:
    era: Era
    claims: list[EraClaim]
    accounts: dict[int, str]  # claim id -> patient account
    adjustments: dict[int, list[EraAdjustment]]
    plbs: list[EraPlb]


def get_era(*, session: Session, era_id: int) -> EraDetail:
    era = session.get(Era, era_id)
    if era is None:
        raise NotFoundError(f"No ERA {era_id}", "See medbill era list")
    claims = list(session.exec(select(EraClaim).where(EraClaim.era_id == era_id)
                               .order_by(col(EraClaim.id))))
    ids = [c.claim_id for c in claims if c.claim_id]
    accounts: dict[int, str] = {}
    for part in chunks(ids):
        q = (select(Claim.id, Patient.account).join(Patient, col(Patient.id) == Claim.patient_id)
             .where(col(Claim.id).in_(part)))
        for cid, acct in session.exec(q):
            if cid is not None and acct is not None:
                accounts[cid] = acct
    adjustments: dict[int, list[EraAdjustment]] = defaultdict(list)
    ec_ids = [c.id for c in claims if c.id is not None]
    for ec_part in chunks(ec_ids):
        aq = (select(EraAdjustment).where(col(EraAdjustment.era_claim_id).in_(ec_part))
              .order_by(col(EraAdjustment.id)))
        for a in session.exec(aq):
            adjustments[a.era_claim_id].append(a)
    plbs = list(session.exec(select(EraPlb).where(EraPlb.era_id == era_id)
                             .order_by(col(EraPlb.id))))
    return EraDetail(era, claims, accounts, adjustments, plbs)


def list_unmatched(*, session: Session) -> list[tuple[EraClaim, Era]]:
    q = (select(EraClaim, Era).join(Era, col(Era.id) == EraClaim.era_id)
         .where(EraClaim.outcome == Outcome.UNMATCHED.value).order_by(col(EraClaim.id)))
    return [(ec, e) for ec, e in session.exec(q)]
