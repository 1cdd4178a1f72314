"""``ledger check``: prove the ledger's invariants over the whole database.

Each check is a function returning problems as data (beancount's validations), run in order;
the command reports them all and exits 1. Every check is one aggregate query, so a database of
a million entries is checked in seconds. What is proven:

1. entries are well formed: a known kind; the patient's party has no coverage and a
   coverage's party names its priority; a line's entry is the line's patient's;
2. a reversal is the exact opposite of one entry (same line, party and patient), never of a
   reversal, and no entry is reversed twice; an 835 posting that was reversed is reversed in
   full;
3. every source has its entries exactly once: a charge line sums to its amount (zero when
   void); a payment to minus its amount (zero when reversed); a write-off likewise; a refund
   to its amount; an 835 claim payment to minus what the payer paid and adjusted (less the
   amounts held on denials); a worked denial to zero or minus its amount; no entry points at a
   source that does not exist; a bad-debt write-off's recoveries (money received in
   collections) sit on its own lines, the patient's, and never exceed what it wrote off there;
4. transfers move money between parties without creating any: they net to zero on each line
   for each source;
5. no entry dated in a closed period was written after the close;
6. charges - payments - adjustments - write-offs + refunds = A/R - credit, to the cent,
   computed once by kind and once from the line balances by party.

That a line's balance is the sum of its entries, and that its parties' balances sum to the
line's, holds by construction: no balance is stored anywhere to disagree with the entries.
An entry edited in the database shows as a source whose entries no longer sum to what it says,
a reversal that is no longer exact, a transfer that creates money, or a malformed row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, exists, func, literal, or_, select

from medbill_cli.db import tables as t
from medbill_cli.money import fmt
from medbill_cli.services.ledger import DENIAL_TRANSFER, KINDS, PRIOR_PAYER_CARC

if TYPE_CHECKING:
    from medbill_cli.services.ledger import Executor

LIMIT = 20  # problems reported per check


@dataclass(frozen=True)
class Problem:
    check: str
    entry: int | None  # the first ledger entry concerned
    charge: int | None  # its charge line
    message: str

    def line(self) -> str:
        where = []
        if self.entry is not None:
            where.append(f"entry {self.entry}")
        if self.charge is not None:
            where.append(f"charge {self.charge}")
        return f"{' '.join(where) or 'ledger'}: {self.message}"


def _pairs(result: Any) -> dict[Any, Any]:
    return {row[0]: row[1] for row in result}


def _off(actual: int, expected: int) -> str:
    diff = actual - expected
    way = "too much owed" if diff > 0 else "too little owed"
    return (f"entries sum to {fmt(actual)}, expected {fmt(expected)} "
            f"(off by {fmt(abs(diff))}, {way})")


def _e() -> Any:
    return t.ledger_entry


def check_shape(session: Executor) -> list[Problem]:
    le = _e()
    bad = or_(~le.c.kind.in_(KINDS),
              and_(le.c.coverage_id.is_(None), le.c.party != "patient"),
              and_(le.c.coverage_id.is_not(None), le.c.party == "patient"),
              and_(le.c.charge_id.is_(None), le.c.coverage_id.is_not(None)),
              and_(le.c.kind != "reversal", le.c.reverses_id.is_not(None)),
              and_(le.c.kind == "reversal", le.c.reverses_id.is_(None)))
    out = [Problem("shape", r.id, r.charge_id, f"malformed entry (kind {r.kind}, party {r.party})")
           for r in session.execute(select(le).where(bad).order_by(le.c.id).limit(LIMIT))]
    ch = t.charge
    q = (select(le.c.id, le.c.charge_id).join(ch, ch.c.id == le.c.charge_id)
         .where(ch.c.patient_id != le.c.patient_id).order_by(le.c.id).limit(LIMIT))
    out += [Problem("shape", r.id, r.charge_id, "the entry's patient is not the line's patient")
            for r in session.execute(q)]
    cov = t.coverage
    q = (select(le.c.id, le.c.charge_id).join(cov, cov.c.id == le.c.coverage_id)
         .where(or_(cov.c.patient_id != le.c.patient_id, cov.c.priority != le.c.party))
         .order_by(le.c.id).limit(LIMIT))
    out += [Problem("shape", r.id, r.charge_id, "the entry's party is not that coverage")
            for r in session.execute(q)]
    return out


def check_reversals(session: Executor) -> list[Problem]:
    le = _e()
    o = le.alias("o")
    mismatch = or_(o.c.id.is_(None), o.c.kind == "reversal",
                   le.c.amount_cents != -o.c.amount_cents,
                   func.coalesce(le.c.charge_id, -1) != func.coalesce(o.c.charge_id, -1),
                   func.coalesce(le.c.coverage_id, -1) != func.coalesce(o.c.coverage_id, -1),
                   le.c.patient_id != o.c.patient_id)
    q = (select(le.c.id, le.c.charge_id, o.c.id.label("orig"), o.c.kind.label("orig_kind"))
         .select_from(le.outerjoin(o, o.c.id == le.c.reverses_id))
         .where(le.c.kind == "reversal", mismatch).order_by(le.c.id).limit(LIMIT))
    out = []
    for r in session.execute(q):
        what = ("reverses no entry" if r.orig is None else "reverses a reversal"
                if r.orig_kind == "reversal" else f"is not the exact opposite of entry {r.orig}")
        out.append(Problem("reversal", r.id, r.charge_id, what))
    q2 = (select(le.c.reverses_id, func.count().label("n"), func.max(le.c.id).label("last"))
          .where(le.c.reverses_id.is_not(None)).group_by(le.c.reverses_id)
          .having(func.count() > 1).limit(LIMIT))
    out += [Problem("reversal", r.last, None, f"entry {r.reverses_id} is reversed {r.n} times")
            for r in session.execute(q2)]
    # An 835 posting marked reversed has every entry reversed.
    ec, el = t.era_claim, t.era_line
    of_claim = or_(and_(le.c.source_type == "era_claim", le.c.source_id == ec.c.id),
                   and_(le.c.source_type == "era_line",
                        le.c.source_id.in_(select(el.c.id).where(el.c.era_claim_id == ec.c.id))))
    rev = le.alias("rev")
    q3 = (select(le.c.id, le.c.charge_id, ec.c.id.label("ec"))
          .select_from(le.join(ec, of_claim))
          .where(ec.c.reversed_by_id.is_not(None), le.c.kind != "reversal",
                 ~exists().where(rev.c.reverses_id == le.c.id))
          .order_by(le.c.id).limit(LIMIT))
    out += [Problem("reversal", r.id, r.charge_id,
                    f"ERA claim payment {r.ec} was reversed, but this entry was not")
            for r in session.execute(q3)]
    return out


def _source_sums(session: Executor, source_type: str, table: Any, expected: Any,
                 name: str) -> list[Problem]:
    """Compare each source row's expected sum with its entries' (first entry named)."""
    le = _e()
    sums = (select(le.c.source_id, func.sum(le.c.amount_cents).label("cents"),
                   func.min(le.c.id).label("first"), func.min(le.c.charge_id).label("charge"))
            .where(le.c.source_type == source_type).group_by(le.c.source_id).subquery())
    q = (select(table.c.id, expected.label("expected"), sums.c.cents, sums.c.first, sums.c.charge)
         .select_from(table.outerjoin(sums, sums.c.source_id == table.c.id))
         .where(func.coalesce(sums.c.cents, 0) != expected).order_by(table.c.id).limit(LIMIT))
    out = [Problem("source", r.first, r.charge if source_type != "charge" else r.id,
                   f"{name} {r.id}: {_off(int(r.cents or 0), int(r.expected))}")
           for r in session.execute(q)]
    orphan = (select(le.c.id, le.c.charge_id, le.c.source_id).where(
        le.c.source_type == source_type, ~exists().where(table.c.id == le.c.source_id))
        .order_by(le.c.id).limit(LIMIT))
    out += [Problem("source", r.id, r.charge_id,
                    f"points at {name} {r.source_id}, which does not exist")
            for r in session.execute(orphan)]
    return out


def check_recoveries(session: Executor) -> list[Problem]:
    """A bad-debt recovery is on a line the write-off wrote off, by the patient, never more
    than was written off there."""
    le = _e()
    adj = t.adjustment
    q = (select(le.c.source_id, le.c.charge_id, func.min(le.c.id).label("first"),
                func.sum(case((le.c.kind == "bad_debt_recovery", le.c.amount_cents),
                              else_=literal(0))).label("rec"),
                func.sum(case((le.c.kind == "write_off", le.c.amount_cents),
                              else_=literal(0))).label("off"))
         .where(le.c.source_type == "adjustment")
         .group_by(le.c.source_id, le.c.charge_id)
         .having(func.sum(case((le.c.kind == "bad_debt_recovery", 1), else_=literal(0))) > 0))
    out: list[Problem] = []
    for r in session.execute(q):
        if int(r.rec) < 0 or int(r.rec) > -int(r.off):
            out.append(Problem("source", r.first, r.charge_id,
                               f"adjustment {r.source_id}: recovered {fmt(int(r.rec))} of a "
                               f"write-off of {fmt(-int(r.off))}"))
    bad = (select(le.c.id, le.c.charge_id)
           .outerjoin(adj, adj.c.id == le.c.source_id)
           .where(le.c.kind == "bad_debt_recovery",
                  or_(le.c.source_type != "adjustment", adj.c.reason != "bad-debt",
                      le.c.coverage_id.is_not(None)))
           .order_by(le.c.id).limit(LIMIT))
    out += [Problem("source", r.id, r.charge_id, "a bad-debt recovery not on a bad-debt write-off")
            for r in session.execute(bad)]
    return out[:LIMIT]


def check_sources(session: Executor) -> list[Problem]:
    ch, pay, adj, ref = t.charge, t.payment, t.adjustment, t.refund
    le = _e()
    out = _source_sums(session, "charge", ch,
                       case((ch.c.status == "void", literal(0)), else_=ch.c.amount_cents), "charge")
    out += _source_sums(session, "payment", pay,
                        case((pay.c.status == "posted", -pay.c.amount_cents), else_=literal(0)),
                        "payment")
    # A bad-debt write-off's recoveries undo part of it (money received in collections).
    rec = (select(func.coalesce(func.sum(le.c.amount_cents), 0))
           .where(le.c.source_type == "adjustment", le.c.source_id == adj.c.id,
                  le.c.kind == "bad_debt_recovery").scalar_subquery())
    out += _source_sums(session, "adjustment", adj,
                        case((adj.c.status == "posted", -adj.c.amount_cents + rec),
                             else_=literal(0)), "adjustment")
    out += check_recoveries(session)
    out += _source_sums(session, "refund", ref, ref.c.amount_cents, "refund")
    # A denial's transfer moves money between parties: its entries net to zero.
    out += _source_sums(session, DENIAL_TRANSFER, t.denial, literal(0), "denial")
    out += check_denials(session)
    out += check_eras(session)
    le = _e()
    q = (select(le.c.id, le.c.charge_id).where(le.c.source_type == "charge",
                                               le.c.charge_id != le.c.source_id)
         .order_by(le.c.id).limit(LIMIT))
    out += [Problem("source", r.id, r.charge_id, "a charge's entry is on another line")
            for r in session.execute(q)]
    return out


def _held_sql(d: Any) -> Any:
    """What a denial holds with the payer: the non-PR adjustments (CARC 23 aside) of its line,
    or of the whole claim for a claim-level denial."""
    ea = t.era_adjustment
    nonpr = and_(ea.c.group_code != "PR", ea.c.carc != PRIOR_PAYER_CARC)
    line = (select(func.coalesce(func.sum(ea.c.amount_cents), 0))
            .where(ea.c.era_line_id == d.c.era_line_id, nonpr).scalar_subquery())
    whole = (select(func.coalesce(func.sum(ea.c.amount_cents), 0))
             .where(ea.c.era_claim_id == d.c.era_claim_id, nonpr).scalar_subquery())
    return case((d.c.era_line_id.is_(None), whole), else_=line)


def check_denials(session: Executor) -> list[Problem]:
    le, d = _e(), t.denial
    sums = (select(le.c.source_id, func.sum(le.c.amount_cents).label("cents"),
                   func.min(le.c.id).label("first"))
            .where(le.c.source_type == "denial").group_by(le.c.source_id).subquery())
    held = _held_sql(d)
    q = (select(d.c.id, d.c.status, d.c.charge_id, held.label("held"), sums.c.cents, sums.c.first)
         .select_from(d.join(sums, sums.c.source_id == d.c.id))
         .where(sums.c.cents != 0, or_(d.c.status != "closed", sums.c.cents != -held))
         .order_by(d.c.id).limit(LIMIT))
    return [Problem("source", r.first, r.charge_id,
                    f"denial {r.id} ({r.status}): "
                    f"{_off(int(r.cents), -int(r.held) if r.status == 'closed' else 0)}")
            for r in session.execute(q)]


def check_eras(session: Executor) -> list[Problem]:
    """An 835 claim payment's entries: minus (paid + non-PR adjustments - what denials hold);
    a reversal's, the opposite of what its target's should be."""
    le, ec, el, ea, d = _e(), t.era_claim, t.era_line, t.era_adjustment, t.denial
    nonpr = and_(ea.c.group_code != "PR", ea.c.carc != PRIOR_PAYER_CARC)
    claims = {r.id: r for r in session.execute(
        select(ec.c.id, ec.c.outcome, ec.c.paid_cents, ec.c.reverses_id)
        .where(ec.c.claim_id.is_not(None),
               ec.c.outcome.in_(("paid", "partial", "denied", "reversal"))))}
    adj = _pairs(session.execute(select(ea.c.era_claim_id, func.sum(ea.c.amount_cents))
                               .where(nonpr).group_by(ea.c.era_claim_id)))
    line_held = _pairs(session.execute(
        select(d.c.era_claim_id, func.sum(ea.c.amount_cents))
        .select_from(d.join(ea, ea.c.era_line_id == d.c.era_line_id))
        .where(nonpr).group_by(d.c.era_claim_id)))
    whole = set(session.execute(
        select(d.c.era_claim_id).where(d.c.era_line_id.is_(None))).scalars())
    owner = case((le.c.source_type == "era_claim", le.c.source_id), else_=el.c.era_claim_id)
    posted = {r.ec: r for r in session.execute(
        select(owner.label("ec"), func.sum(le.c.amount_cents).label("cents"),
               func.min(le.c.id).label("first"), func.min(le.c.charge_id).label("charge"))
        .select_from(le.outerjoin(el, and_(le.c.source_type == "era_line",
                                           el.c.id == le.c.source_id)))
        .where(le.c.source_type.in_(("era_claim", "era_line"))).group_by(owner))}

    def expected(row: Any) -> int:
        if row.id in whole:
            return -int(row.paid_cents)
        return -(int(row.paid_cents) + int(adj.get(row.id, 0)) - int(line_held.get(row.id, 0)))

    out: list[Problem] = []
    for ec_id in sorted(claims):
        row = claims[ec_id]
        if row.outcome == "reversal":
            target = claims.get(row.reverses_id)
            want = -expected(target) if target is not None else -(
                int(row.paid_cents) + int(adj.get(ec_id, 0)))
        else:
            want = expected(row)
        got = posted.get(ec_id)
        cents = int(got.cents) if got is not None else 0
        if cents != want:
            out.append(Problem("source", got.first if got else None, got.charge if got else None,
                               f"ERA claim payment {ec_id}: {_off(cents, want)}"))
            if len(out) >= LIMIT:
                break
    return out


def check_transfers(session: Executor) -> list[Problem]:
    le = _e()
    q = (select(le.c.source_type, le.c.source_id, le.c.charge_id,
                func.sum(le.c.amount_cents).label("cents"), func.min(le.c.id).label("first"))
         .where(le.c.kind == "transfer")
         .group_by(le.c.source_type, le.c.source_id, le.c.charge_id)
         .having(func.sum(le.c.amount_cents) != 0).order_by(func.min(le.c.id)).limit(LIMIT))
    return [Problem("transfer", r.first, r.charge_id,
                    f"transfers of {r.source_type} {r.source_id} net to "
                    f"{fmt(int(r.cents))}, not 0.00")
            for r in session.execute(q)]


def check_periods(session: Executor) -> list[Problem]:
    le, p = _e(), t.period
    q = (select(le.c.id, le.c.charge_id, le.c.posted_on, p.c.through)
         .select_from(le.join(p, and_(le.c.posted_on <= p.c.through,
                                      le.c.created_at > p.c.closed_at)))
         .order_by(le.c.id).limit(LIMIT))
    return [Problem("period", r.id, r.charge_id,
                    f"dated {r.posted_on.isoformat()}, in the period closed through "
                    f"{r.through.isoformat()}, but written after the close")
            for r in session.execute(q)]


def check_totals(session: Executor) -> list[Problem]:
    from medbill_cli.services.ledger_reports import kind_totals

    le = _e()
    sums = kind_totals(session)
    by_kind = (sums.get("charges", 0) + sums.get("insurance_paid", 0) + sums.get("adjustments", 0)
               + sums.get("patient_paid", 0) + sums.get("refunds", 0))
    unknown = {k: v for k, v in sums.items()
               if k not in ("charges", "insurance_paid", "adjustments", "patient_paid", "refunds",
                            "transfers")}
    out: list[Problem] = []
    if sums.get("transfers", 0):
        out.append(Problem("totals", None, None,
                           f"transfers net to {fmt(sums['transfers'])}, not 0.00"))
    if unknown:
        out.append(Problem("totals", None, None, f"entries of unknown kind: {sorted(unknown)}"))
    per_line = (select(func.sum(le.c.amount_cents).label("cents"))
                .where(le.c.charge_id.is_not(None))
                .group_by(le.c.charge_id, le.c.coverage_id).subquery())
    lines = session.execute(select(func.coalesce(func.sum(per_line.c.cents), 0))).scalar_one()
    credit = -int(session.execute(select(func.coalesce(func.sum(le.c.amount_cents), 0))
                                  .where(le.c.charge_id.is_(None))).scalar_one())
    if by_kind != int(lines) - credit:
        out.append(Problem("totals", None, None,
                           f"charges - payments - adjustments + refunds = {fmt(by_kind)}, but "
                           f"A/R {fmt(int(lines))} - credit {fmt(credit)} = "
                           f"{fmt(int(lines) - credit)}"))
    return out


CHECKS: tuple[Callable[[Executor], list[Problem]], ...] = (
    check_shape, check_reversals, check_sources, check_transfers, check_periods, check_totals)


def check_ledger(*, session: Executor) -> list[Problem]:
    """Run every check; the problems in check order (empty: the ledger is sound)."""
    out: list[Problem] = []
    for check in CHECKS:
        out.extend(check(session))
    return out
