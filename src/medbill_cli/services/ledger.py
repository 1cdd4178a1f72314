"""The line-item ledger: the one module that writes ledger entries.

Every dollar sits on a charge line with the party who owes it (a coverage of the patient, or
the patient). Entries are appended, never updated or deleted; balances are their sums. Signs:
positive adds to what is owed to the practice (a charge, a transfer in, a refund), negative
reduces it (a payment, an adjustment, a write-off, a transfer out). The patient's unapplied
money is a negative entry with no charge line (credit).

Rules:

* a new charge belongs to the first coverage in force on its date of service (self-pay: the
  patient);
* a remittance posts the payment and the CO/OA/PI adjustments against the payer and transfers
  the PR amounts to the next coverage in force (secondary, tertiary) or to the patient;
  a denied line's adjustments are held: the balance stays with the payer until the denial is
  closed (``close_denial``); CARC 23 (the prior payer's adjudication) is never posted again;
* a patient payment applies to the patient's share, the named claim or encounter first, then
  oldest first; the rest is credit, applied automatically when a patient share appears later,
  and a patient share that goes negative (a reversed transfer) is released back to credit;
* a reversal undoes exactly the entries of one source; a reversal is never reversed;
* no entry is dated on or before the close of a period: a correction after the close posts in
  the open period.

Functions take a Session or a Core connection as ``session`` and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, insert, or_, select

from medbill_cli.dates import in_force, today
from medbill_cli.db import tables as t
from medbill_cli.db.dialect import advisory_lock, insert_many
from medbill_cli.db.models._base import utcnow
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError, NotFoundError
from medbill_cli.money import amount_cents, fmt
from medbill_cli.services.records import RowRecord

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    Executor = Session | Connection

KINDS = ("charge", "insurance_payment", "contractual", "adjustment", "transfer",
         "patient_payment", "write_off", "refund", "reversal", "bad_debt_recovery")
PRIORITIES = ("primary", "secondary", "tertiary")
RANK = {p: i for i, p in enumerate(PRIORITIES)}
CONTRACTUAL_CARCS = frozenset({"45", "A2", "42", "253"})
PRIOR_PAYER_CARC = "23"  # the prior payer's adjudication: already on the ledger
REASONS = ("small-balance", "courtesy", "bad-debt", "timely-filing", "contractual", "other")
INSURANCE_REASONS = frozenset({"timely-filing", "contractual"})
REFUND_METHODS = ("check", "card", "eft")
CLOSED_KEY = "ledger_closed_through"
LOCK_KEY = "ledger_locked"
_PG_LEDGER_LOCK = 724_012  # pg_advisory_xact_lock key: one ledger writer at a time


def lock(session: Executor) -> None:
    """Hold the ledger for this transaction before reading balances to post against.

    Postings read balances (credit to apply, what a party owes) and write entries from them;
    two writers at once could both apply the same credit. SQLite's writers already queue
    (``BEGIN IMMEDIATE``); on PostgreSQL this is a transaction-scoped advisory lock, taken
    once per transaction.
    """
    if session.info.get(LOCK_KEY) is not session.get_transaction():
        advisory_lock(session, _PG_LEDGER_LOCK)
        session.info[LOCK_KEY] = session.get_transaction()


# --------------------------------------------------------------------------- parties


@dataclass(frozen=True)
class Party:
    """Who owes: a coverage (its priority and payer) or the patient (``coverage_id`` None)."""

    coverage_id: int | None
    kind: str  # primary|secondary|tertiary|patient
    payer_id: int | None = None

    @property
    def is_patient(self) -> bool:
        return self.coverage_id is None


PATIENT = Party(None, "patient", None)


def _as_dict(obj: Any) -> dict[str, Any]:
    """A Core row, a mapping or an ORM object (a write path's own row) as a dict."""
    if hasattr(obj, "_mapping"):
        return dict(obj._mapping)
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        return dict(obj.model_dump())
    return dict(vars(obj))


def _party_key(row: Any) -> Party:
    return PATIENT if row.coverage_id is None else Party(row.coverage_id, row.party, row.payer_id)


def coverage_chains(session: Executor, pairs: Iterable[tuple[int, dt.date]]
                    ) -> dict[tuple[int, dt.date], list[Party]]:
    """The coverages in force for each (patient id, date of service), in payer order.

    Args:
        session: a session or connection.
        pairs: (patient id, date of service).

    Returns:
        (patient id, date) -> coverages in force, primary first (empty list: self-pay).
    """
    wanted = set(pairs)
    by_patient: dict[int, list[Any]] = defaultdict(list)
    c = t.coverage
    for part in chunks(sorted({p for p, _ in wanted})):
        q = select(c.c.id, c.c.patient_id, c.c.payer_id, c.c.priority, c.c.effective,
                   c.c.termination).where(c.c.patient_id.in_(part))
        for row in session.execute(q):
            by_patient[row.patient_id].append(row)
    out: dict[tuple[int, dt.date], list[Party]] = {}
    for pid, dos in wanted:
        rows = [r for r in by_patient.get(pid, []) if in_force(r.effective, r.termination, dos)]
        rows.sort(key=lambda r: (RANK.get(r.priority, 9), r.id))
        out[(pid, dos)] = [Party(r.id, r.priority, r.payer_id) for r in rows]
    return out


def next_party(chain: Sequence[Party], payer: Party) -> Party:
    """The party after ``payer`` in the chain (a later priority), else the patient."""
    for i, p in enumerate(chain):
        if p.coverage_id == payer.coverage_id:
            return chain[i + 1] if i + 1 < len(chain) else PATIENT
    later = [p for p in chain if RANK.get(p.kind, 9) > RANK.get(payer.kind, 9)]
    return later[0] if later else PATIENT


def party_of_coverage(session: Executor, coverage_id: int) -> Party:
    row = session.execute(select(t.coverage.c.id, t.coverage.c.priority, t.coverage.c.payer_id)
                          .where(t.coverage.c.id == coverage_id)).first()
    if row is None:
        raise NotFoundError(f"No coverage {coverage_id}", "See medbill coverage list ACCOUNT")
    return Party(row.id, row.priority, row.payer_id)


# --------------------------------------------------------------------------- periods


def closed_through(session: Executor) -> dt.date | None:
    """The last day of the latest closed period, or None."""
    info = session.info
    if CLOSED_KEY not in info:
        info[CLOSED_KEY] = session.execute(select(func.max(t.period.c.through))).scalar()
    value = info[CLOSED_KEY]
    return value if isinstance(value, dt.date) else None


def ensure_open(session: Executor, day: dt.date, what: str = "entry") -> None:
    """Refuse an entry dated in a closed period."""
    through = closed_through(session)
    if through is not None and day <= through:
        raise InputError(
            f"The books are closed through {through.isoformat()}; a {what} cannot be dated "
            f"{day.isoformat()}", "Date it after the close: corrections post in the open period")


def open_day(session: Executor, day: dt.date) -> dt.date:
    """``day``, or the first day after the close when ``day`` is in a closed period."""
    through = closed_through(session)
    if through is not None and day <= through:
        return through + dt.timedelta(days=1)
    return day


def close_period(*, session: Executor, user: str, through: dt.date) -> dict[str, Any]:
    """Close the books through a date: no entry may be dated on or before it afterwards.

    Args:
        session: the command's transaction.
        user: who closes.
        through: the last day of the period (not in the future; after the previous close).

    Returns:
        The period row as a dict.
    """
    from medbill_cli.services import audit

    lock(session)
    if through > today():
        raise InputError(f"{through.isoformat()} is in the future", "Close a period that has ended")
    prev = closed_through(session)
    if prev is not None and through <= prev:
        raise InputError(f"The books are already closed through {prev.isoformat()}",
                         "Give a later --through date")
    row = session.execute(insert(t.period).values(through=through, closed_by=user)
                          .returning(*t.period.c)).one()
    session.info[CLOSED_KEY] = through
    audit.record(session=session, user=user, action="close", entity="period", entity_id=row.id,
                 after=audit.snapshot(RowRecord.of(row)))
    return dict(row._mapping)


def list_periods(*, session: Executor) -> list[dict[str, Any]]:
    rows = session.execute(select(t.period).order_by(t.period.c.through))
    return [dict(r._mapping) for r in rows]


# --------------------------------------------------------------------------- writing


@dataclass
class _Writer:
    """Collects entries for one posting and writes them in one executemany."""

    session: Executor
    user: str
    posted_on: dt.date
    rows: list[dict[str, Any]] = field(default_factory=list)
    at: dt.datetime = field(default_factory=utcnow)

    def add(self, *, patient_id: int, charge_id: int | None, party: Party, kind: str, amount: int,
            source: tuple[str, int], service_date: dt.date | None = None,
            reverses_id: int | None = None, group: str | None = None,
            carc: str | None = None) -> None:
        if amount == 0:
            return
        self.rows.append({
            "patient_id": patient_id, "charge_id": charge_id, "coverage_id": party.coverage_id,
            "party": party.kind, "payer_id": party.payer_id, "kind": kind, "amount_cents": amount,
            "posted_on": self.posted_on, "service_date": service_date, "source_type": source[0],
            "source_id": source[1], "reverses_id": reverses_id, "group_code": group,
            "carc": carc, "created_by": self.user, "created_at": self.at})

    def write(self) -> int:
        if not self.rows:
            return 0
        ensure_open(self.session, self.posted_on)
        rows, self.rows = self.rows, []
        _insert_entries(self.session, rows)
        return len(rows)


def _insert_entries(session: Executor, rows: list[dict[str, Any]]) -> None:
    """Append entries: an 835 of 10,000 claims writes some 60,000, so they go in by the
    driver's executemany on SQLite and COPY on PostgreSQL (``dialect.insert_many``)."""
    insert_many(session, t.ledger_entry, rows)


def _charge_rows(session: Executor, charge_ids: Sequence[int]) -> dict[int, Any]:
    c = t.charge
    out: dict[int, Any] = {}
    for part in chunks(sorted(set(charge_ids))):
        q = select(c.c.id, c.c.patient_id, c.c.date_of_service, c.c.amount_cents, c.c.status,
                   c.c.encounter_id).where(c.c.id.in_(part))
        out.update({r.id: r for r in session.execute(q)})
    return out


def post_charges(*, session: Executor, user: str, charges: Sequence[Mapping[str, Any] | Any],
                 chains: Mapping[tuple[int, dt.date], Sequence[Party]] | None = None) -> int:
    """Post new charge lines, each to the first coverage in force on its date of service.

    Args:
        session: the command's transaction.
        user: who entered the charges.
        charges: Core rows, mappings or ``Charge`` objects with ``id``, ``patient_id``,
            ``date_of_service``, ``amount_cents``.
        chains: coverage chains by (patient id, date of service), when the caller has them.

    Returns:
        How many entries were written. The accounting date is the date of service, or the
        first open day when that is in a closed period.
    """
    items = [_as_dict(ch) for ch in charges]
    if not items:
        return 0
    lock(session)
    pairs = {(ch["patient_id"], ch["date_of_service"]) for ch in items}
    known = chains if chains is not None else coverage_chains(session, pairs)
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for ch in items:
        by_day[open_day(session, ch["date_of_service"])].append(ch)
    n = 0
    patients: set[int] = set()
    for day, group in by_day.items():
        w = _Writer(session, user, day)
        for ch in group:
            chain = known.get((ch["patient_id"], ch["date_of_service"])) or []
            party = chain[0] if chain else PATIENT
            if party.is_patient:
                patients.add(ch["patient_id"])
            w.add(patient_id=ch["patient_id"], charge_id=ch["id"], party=party, kind="charge",
                  amount=ch["amount_cents"], source=("charge", ch["id"]),
                  service_date=ch["date_of_service"])
        n += w.write()
    if patients:
        settle_patients(session=session, user=user, patient_ids=patients)
    return n


def post_charge(*, session: Executor, user: str, charge: Mapping[str, Any] | Any,
                chain: Sequence[Party] | None = None) -> int:
    """Post one new charge line (see ``post_charges``)."""
    row = _as_dict(charge)
    chains = None if chain is None else {(row["patient_id"], row["date_of_service"]): chain}
    return post_charges(session=session, user=user, charges=[row], chains=chains)


def void_charge(*, session: Executor, user: str, charge_id: int,
                posted_on: dt.date | None = None) -> int:
    """Reverse a voided charge's charge entry (dated today, or ``posted_on``).

    A move of the line to a payer (``bill_to``) is undone first, so the charge leaves the party
    that holds it. What was paid on the line stays; a patient payment applied to it goes back
    to credit.
    """
    e = t.ledger_entry
    moved = session.execute(select(func.count()).where(
        e.c.source_type == "transfer", e.c.source_id == charge_id, e.c.kind == "transfer",
        ~e.c.id.in_(select(e.c.reverses_id).where(e.c.reverses_id.is_not(None))))).scalar_one()
    n = 0
    if moved:
        n += reverse(session=session, user=user, source_type="transfer", source_id=charge_id,
                     posted_on=posted_on)
    return n + reverse(session=session, user=user, source_type="charge", source_id=charge_id,
                       posted_on=posted_on)


# --------------------------------------------------------------------------- balances


def line_balances(session: Executor, charge_ids: Iterable[int], *, as_of: dt.date | None = None
                  ) -> dict[int, dict[Party, int]]:
    """Each line's balance by party (parties with no entries are absent)."""
    e = t.ledger_entry
    out: dict[int, dict[Party, int]] = defaultdict(dict)
    for part in chunks(sorted(set(charge_ids))):
        q = (select(e.c.charge_id, e.c.coverage_id, e.c.party, e.c.payer_id,
                    func.sum(e.c.amount_cents).label("cents"))
             .where(e.c.charge_id.in_(part))
             .group_by(e.c.charge_id, e.c.coverage_id, e.c.party, e.c.payer_id))
        if as_of is not None:
            q = q.where(e.c.posted_on <= as_of)
        for r in session.execute(q):
            out[r.charge_id][_party_key(r)] = int(r.cents)
    return out


def credit_of(session: Executor, patient_id: int) -> int:
    """The patient's unapplied money (positive cents), or a negative amount owed on it."""
    e = t.ledger_entry
    total = session.execute(select(func.coalesce(func.sum(e.c.amount_cents), 0)).where(
        e.c.patient_id == patient_id, e.c.charge_id.is_(None))).scalar_one()
    return -int(total)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` cents over ``weights`` in proportion, exact to the cent.

    Largest remainder: each share is the floor of its exact share, and the cents left go to
    the largest remainders (earliest first on a tie). Non-positive weights get nothing unless
    every weight is non-positive, when the split is even. A negative total splits like its
    absolute value, negated.

    Returns:
        One amount per weight; they sum to ``total``.
    """
    if not weights:
        return []
    sign = -1 if total < 0 else 1
    amount = abs(total)
    w = [max(x, 0) for x in weights]
    if sum(w) == 0:
        w = [1] * len(weights)
    den = sum(w)
    shares = [amount * x // den for x in w]
    rems = [(amount * x % den, -i) for i, x in enumerate(w)]
    left = amount - sum(shares)
    for _, neg_i in sorted(rems, reverse=True)[:left]:
        shares[-neg_i] += 1
    return [sign * s for s in shares]


# --------------------------------------------------------------------------- remittances


@dataclass(frozen=True)
class RemitAdjustment:
    """One CAS reason in cents (negative on a reversal)."""

    group: str
    carc: str
    cents: int


@dataclass(frozen=True)
class RemitLine:
    """One paid service line: its charge line, what was paid and the CAS on it.

    ``held``: the line was denied: its non-PR adjustments are not posted, so the balance stays
    with the payer until the denial is worked. ``source`` defaults to the remittance's.
    """

    charge_id: int | None
    paid_cents: int
    adjustments: tuple[RemitAdjustment, ...] = ()
    held: bool = False
    source: tuple[str, int] | None = None


def _adjustment_kind(group: str, carc: str) -> str:
    return "contractual" if group == "CO" and carc in CONTRACTUAL_CARCS else "adjustment"


@dataclass(frozen=True)
class Remittance:
    """One claim's payment (an 835 CLP or a paper EOB), ready to post (see ``post_remittance``)."""

    payer: Party | int
    source: tuple[str, int]
    lines: Sequence[RemitLine]
    claim_charge_ids: Sequence[int] = ()
    claim_paid_cents: int = 0
    claim_adjustments: Sequence[RemitAdjustment] = ()
    claim_held: bool = False


def post_remittance(
    *, session: Executor, user: str, payer: Party | int, source: tuple[str, int],
    lines: Sequence[RemitLine], posted_on: dt.date | None = None,
    claim_charge_ids: Sequence[int] = (), claim_paid_cents: int = 0,
    claim_adjustments: Sequence[RemitAdjustment] = (), claim_held: bool = False,
) -> int:
    """Post one claim's payment (an 835 CLP or a paper EOB) against the payer.

    Per line: the payment (``insurance_payment``), each CO/OA/PI/CR adjustment
    (``contractual`` for CO-45/A2/42/253, else ``adjustment``) unless held, and each PR amount
    as a transfer from the payer to the next party in force on the line's date of service.
    Claim-level amounts (CLP04 without service lines, claim CAS, lines that matched no charge)
    are spread over ``claim_charge_ids`` in proportion to what the payer holds on each.

    Args:
        session: the command's transaction.
        user: who posts.
        payer: the coverage (or its id) that paid.
        source: (``era_claim`` | ``eob``, id): what the entries point at.
        lines: the service lines.
        posted_on: the accounting date (default today).
        claim_charge_ids: the claim's charge lines, for claim-level amounts.
        claim_paid_cents: paid at claim level only.
        claim_adjustments: claim-level CAS.
        claim_held: the claim was denied: claim-level non-PR adjustments are held.

    Returns:
        How many entries were written.
    """
    return post_remittances(session=session, user=user, posted_on=posted_on, items=[Remittance(
        payer, source, lines, claim_charge_ids, claim_paid_cents, claim_adjustments, claim_held)])


def _parties(session: Executor, payers: Iterable[Party | int]) -> dict[int, Party]:
    ids = sorted({p for p in payers if isinstance(p, int)})
    out: dict[int, Party] = {}
    c = t.coverage
    for part in chunks(ids):
        q = select(c.c.id, c.c.priority, c.c.payer_id).where(c.c.id.in_(part))
        out.update({r.id: Party(r.id, r.priority, r.payer_id) for r in session.execute(q)})
    missing = [i for i in ids if i not in out]
    if missing:
        raise NotFoundError(f"No coverage {missing[0]}", "See medbill coverage list ACCOUNT")
    return out


def post_remittances(*, session: Executor, user: str, items: Sequence[Remittance],
                     posted_on: dt.date | None = None) -> int:
    """Post many claims' payments at once (an 835 file): one read of the lines and coverages,
    one write. See ``post_remittance`` for what each posts.

    Returns:
        How many entries were written.
    """
    if not items:
        return 0
    lock(session)
    day = posted_on or today()
    ensure_open(session, day, "remittance")
    ids: list[int] = []
    for it in items:
        ids += [ln.charge_id for ln in it.lines if ln.charge_id is not None]
        ids += list(it.claim_charge_ids)
    charges = _charge_rows(session, ids)
    missing = sorted(set(ids) - set(charges))
    if missing:
        raise NotFoundError(f"No charge {missing[0]}",
                            "The remittance names a charge line that does not exist")
    chains = coverage_chains(session, {(c.patient_id, c.date_of_service) for c in charges.values()})
    parties = _parties(session, [it.payer for it in items])
    spreads = {it.source: _spread(it) for it in items if _has_loose(it)}
    held_by = line_balances(session, [c for sp in spreads.values() for c in sp])
    w = _Writer(session, user, day)
    for it in items:
        party = it.payer if isinstance(it.payer, Party) else parties[it.payer]
        _post_one(w, it, party, charges, chains, spreads.get(it.source), held_by)
    n = w.write()
    settle_patients(session=session, user=user,
                    patient_ids={c.patient_id for c in charges.values()}, posted_on=day)
    return n


def _has_loose(it: Remittance) -> bool:
    return bool(it.claim_paid_cents or it.claim_adjustments
                or any(ln.charge_id is None for ln in it.lines))


def _spread(it: Remittance) -> list[int]:
    spread = list(dict.fromkeys(it.claim_charge_ids)) or list(dict.fromkeys(
        ln.charge_id for ln in it.lines if ln.charge_id is not None))
    if not spread:
        raise InputError("A claim-level payment or adjustment has no charge line to post to",
                         "Give the claim's charge lines")
    return spread


def _post_one(w: _Writer, it: Remittance, party: Party, charges: Mapping[int, Any],
              chains: Mapping[tuple[int, dt.date], list[Party]], spread: list[int] | None,
              held_by: Mapping[int, Mapping[Party, int]]) -> None:
    def post(charge_id: int, src: tuple[str, int], paid: int,
             adjs: Iterable[tuple[RemitAdjustment, bool]]) -> None:
        ch = charges[charge_id]
        base: dict[str, Any] = {"patient_id": ch.patient_id, "charge_id": charge_id,
                                "source": src, "service_date": ch.date_of_service}
        w.add(**base, party=party, kind="insurance_payment", amount=-paid)
        nxt = next_party(chains.get((ch.patient_id, ch.date_of_service), []), party)
        for a, held in adjs:
            if a.carc == PRIOR_PAYER_CARC and a.group != "PR":
                continue
            if a.group == "PR":
                w.add(**base, kind="transfer", group="PR", carc=a.carc, party=party,
                      amount=-a.cents)
                w.add(**base, kind="transfer", group="PR", carc=a.carc, party=nxt, amount=a.cents)
            elif not held:
                w.add(**base, party=party, kind=_adjustment_kind(a.group, a.carc), amount=-a.cents,
                      group=a.group, carc=a.carc)

    loose_paid = it.claim_paid_cents
    loose_adj: list[tuple[RemitAdjustment, bool]] = [(a, it.claim_held)
                                                     for a in it.claim_adjustments]
    for ln in it.lines:
        if ln.charge_id is None:
            loose_paid += ln.paid_cents
            loose_adj += [(a, ln.held) for a in ln.adjustments]
        else:
            post(ln.charge_id, ln.source or it.source, ln.paid_cents,
                 [(a, ln.held) for a in ln.adjustments])
    if spread is None:
        return
    weights = [max(held_by.get(cid, {}).get(party, 0), 0) or charges[cid].amount_cents
               for cid in spread]
    paid_split = allocate(loose_paid, weights)
    adj_splits = [(a, held, allocate(a.cents, weights)) for a, held in loose_adj]
    for i, cid in enumerate(spread):
        parts = [(RemitAdjustment(a.group, a.carc, split[i]), held)
                 for a, held, split in adj_splits]
        post(cid, it.source, paid_split[i], parts)


def post_era_claims(*, session: Executor, user: str, era_claim_ids: Sequence[int]) -> int:
    """Post 835 claim payments already written to ``era_claim``/``era_line``/
    ``era_adjustment``/``denial``: the one call ``era import`` needs after writing its rows.

    Payments (outcome paid, partial, denied) post against the claim's coverage, dated the
    ERA's ``posted_on``; a line with a denial (or every line, for a claim-level denial) is
    held. A reversal (outcome reversal) reverses the entries of the posting it reverses.
    Other outcomes (unmatched, info) post nothing.

    Returns:
        How many entries were written.
    """
    ec, el, ea, d = t.era_claim, t.era_line, t.era_adjustment, t.denial
    claims: list[Any] = []
    for part in chunks(sorted(set(era_claim_ids))):
        # A later payer's answer to a crossed-over claim names its own coverage.
        q = (select(ec.c.id, ec.c.claim_id, ec.c.outcome, ec.c.paid_cents, ec.c.reverses_id,
                    t.era.c.posted_on,
                    func.coalesce(ec.c.coverage_id, t.claim.c.coverage_id).label("coverage_id"))
             .join(t.era, t.era.c.id == ec.c.era_id).join(t.claim, t.claim.c.id == ec.c.claim_id)
             .where(ec.c.id.in_(part)))
        claims += list(session.execute(q))
    claims.sort(key=lambda r: r.id)
    ids = [r.id for r in claims]
    lines: dict[int, list[Any]] = defaultdict(list)
    adjs: dict[tuple[int, int | None], list[RemitAdjustment]] = defaultdict(list)
    denied: dict[int, set[int | None]] = defaultdict(set)
    claim_lines: dict[int, list[int]] = defaultdict(list)
    for part in chunks(ids):
        # Only the columns posting needs, fetched at once: 10,000 claims are some 60,000 rows.
        q = (select(el.c.id, el.c.era_claim_id, el.c.charge_id, el.c.paid_cents)
             .where(el.c.era_claim_id.in_(part)).order_by(el.c.id))
        for r in session.execute(q).all():
            lines[r.era_claim_id].append(r)
        q = (select(ea.c.era_claim_id, ea.c.era_line_id, ea.c.group_code, ea.c.carc,
                    ea.c.amount_cents).where(ea.c.era_claim_id.in_(part)).order_by(ea.c.id))
        for r in session.execute(q).all():
            adjs[(r.era_claim_id, r.era_line_id)].append(
                RemitAdjustment(r.group_code, r.carc, r.amount_cents))
        for r in session.execute(select(d.c.era_claim_id, d.c.era_line_id)
                                 .where(d.c.era_claim_id.in_(part))).all():
            denied[r.era_claim_id].add(r.era_line_id)
    for part in chunks(sorted({r.claim_id for r in claims})):
        q = (select(t.claim_line.c.claim_id, t.claim_line.c.charge_id)
             .where(t.claim_line.c.claim_id.in_(part))
             .order_by(t.claim_line.c.claim_id, t.claim_line.c.line_number))
        for r in session.execute(q).all():
            claim_lines[r.claim_id].append(r.charge_id)
    n = 0
    batch: list[Remittance] = []
    batch_day: dt.date | None = None

    def flush() -> int:
        nonlocal batch
        done = post_remittances(session=session, user=user, items=batch, posted_on=batch_day)
        batch = []
        return done

    for r in claims:
        if r.outcome == "reversal" or (batch_day is not None and r.posted_on != batch_day):
            n += flush()
        batch_day = r.posted_on
        if r.outcome == "reversal":
            if r.reverses_id is not None:
                n += reverse(session=session, user=user, source_type="era_claim",
                             source_id=r.reverses_id, posted_on=r.posted_on,
                             by=("era_claim", r.id))
            continue
        if r.outcome not in ("paid", "partial", "denied") or r.coverage_id is None:
            continue
        whole = None in denied.get(r.id, set())
        rl = [RemitLine(ln.charge_id, ln.paid_cents, tuple(adjs.get((r.id, ln.id), ())),
                        held=whole or ln.id in denied.get(r.id, set()),
                        source=("era_line", ln.id)) for ln in lines.get(r.id, [])]
        batch.append(Remittance(
            r.coverage_id, ("era_claim", r.id), rl, claim_lines.get(r.claim_id, []),
            0 if rl else r.paid_cents, tuple(adjs.get((r.id, None), ())), whole))
    return n + flush()


def held_cents(session: Executor, denial: Any) -> int:
    """What a denial holds with the payer: the non-PR adjustments (CARC 23 aside) of its
    line, or of the whole claim for a claim-level denial (what ``post_era_claims`` held)."""
    ea = t.era_adjustment
    q = select(func.coalesce(func.sum(ea.c.amount_cents), 0)).where(
        ea.c.era_claim_id == denial.era_claim_id, ea.c.group_code != "PR",
        ea.c.carc != PRIOR_PAYER_CARC)
    if denial.era_line_id is not None:
        q = q.where(ea.c.era_line_id == denial.era_line_id)
    return int(session.execute(q).scalar_one())


def denial_party(session: Executor, denial: Any) -> Party:
    """The coverage that holds a denial's amount: the one its posting was made against (the
    next payer's, when it answered a claim crossed over to it), else the claim's own."""
    ec, cl = t.era_claim.c, t.claim.c
    row = session.execute(
        select(func.coalesce(ec.coverage_id, cl.coverage_id).label("coverage_id"))
        .select_from(t.claim.outerjoin(t.era_claim, ec.id == denial.era_claim_id))
        .where(cl.id == denial.claim_id)).first()
    if row is None or row.coverage_id is None:
        raise InputError(f"Denial {denial.id}'s claim has no coverage", "Check the claim")
    return party_of_coverage(session, int(row.coverage_id))


def close_denial(*, session: Executor, user: str, denial_id: int,
                 posted_on: dt.date | None = None) -> int:
    """Write off a denial's held amount from the payer (the denial was closed by working it),
    unless its balance was transferred off the payer (``transfer_denial``).

    A claim-level denial is spread over the claim's lines in proportion to what the payer
    holds on each. Returns how many entries were written (none if already written off).
    """
    lock(session)
    d = session.execute(select(t.denial).where(t.denial.c.id == denial_id)).first()
    if d is None:
        raise NotFoundError(f"No denial {denial_id}", "See medbill denial list")
    e = t.ledger_entry
    done = session.execute(select(func.coalesce(func.sum(e.c.amount_cents), 0)).where(
        e.c.source_type == "denial", e.c.source_id == denial_id)).scalar_one()
    if int(done) != 0 or transferred_cents(session, denial_id) > 0:
        return 0  # written off already, or worked by moving the balance on (transfer_denial)
    party = denial_party(session, d)
    if d.charge_id is not None:
        spread = [d.charge_id]
    else:
        spread = list(session.execute(select(t.claim_line.c.charge_id).where(
            t.claim_line.c.claim_id == d.claim_id).order_by(t.claim_line.c.line_number)).scalars())
    charges = _charge_rows(session, spread)
    held_by = line_balances(session, spread)
    split = allocate(held_cents(session, d), [held_by.get(c, {}).get(party, 0) for c in spread])
    w = _Writer(session, user, posted_on or today())
    for cid, cents in zip(spread, split, strict=True):
        ch = charges[cid]
        w.add(patient_id=ch.patient_id, charge_id=cid, party=party, kind="adjustment",
              amount=-cents, source=("denial", denial_id), service_date=ch.date_of_service,
              group=d.group_code, carc=d.carc)
    return w.write()


def reopen_denial(*, session: Executor, user: str, denial_id: int,
                  posted_on: dt.date | None = None) -> int:
    """Undo a closed denial's write-off (the denial was opened again)."""
    e = t.ledger_entry
    live = session.execute(select(func.count()).where(
        e.c.source_type == "denial", e.c.source_id == denial_id, e.c.kind != "reversal",
        ~e.c.id.in_(select(e.c.reverses_id).where(e.c.reverses_id.is_not(None))))).scalar_one()
    if not live:
        return 0
    return reverse(session=session, user=user, source_type="denial", source_id=denial_id,
                   posted_on=posted_on)


DENIAL_TRANSFER = "denial_move"  # the source of a denied balance moved off the payer (<= 12)
TRANSFER_TO = ("patient", "next")


def transferred_cents(session: Executor, denial_id: int) -> int:
    """What a denial's transfer moved off the payer, net of its reversal (cents)."""
    e = t.ledger_entry
    moved = session.execute(select(func.coalesce(func.sum(e.c.amount_cents), 0)).where(
        e.c.source_type == DENIAL_TRANSFER, e.c.source_id == denial_id,
        e.c.amount_cents > 0, e.c.kind == "transfer")).scalar_one()
    back = session.execute(select(func.coalesce(func.sum(e.c.amount_cents), 0)).where(
        e.c.source_type == DENIAL_TRANSFER, e.c.source_id == denial_id,
        e.c.amount_cents < 0, e.c.kind == "reversal")).scalar_one()
    return int(moved) + int(back)


def _denial_lines(session: Executor, d: Any) -> list[int]:
    if d.charge_id is not None:
        return [d.charge_id]
    return list(session.execute(select(t.claim_line.c.charge_id).where(
        t.claim_line.c.claim_id == d.claim_id).order_by(t.claim_line.c.line_number)).scalars())


def transfer_denial(*, session: Executor, user: str, denial_id: int, to: str,
                    posted_on: dt.date | None = None) -> int:
    """Move the balance a denial holds with the payer to the patient (``to="patient"``) or to
    the next party in force on each line's date of service (``"next"``: a later coverage,
    else the patient): a transfer out of the payer and into that party on each line, what the
    payer holds there and no more, spread like ``close_denial``. The patient's credit, if any,
    is applied to the new share.

    Args:
        session: the command's transaction.
        user: who transfers.
        denial_id: the denial.
        to: ``patient`` or ``next``.
        posted_on: the accounting date (default today; a closed period refuses it).

    Returns:
        How many entries were written.

    Raises:
        InputError: the denial is closed, already transferred, holds nothing with the payer,
            or the date is in a closed period.
    """
    lock(session)
    target = (to or "").strip().lower()
    if target not in TRANSFER_TO:
        raise InputError(f"--to '{to}' must be patient or next")
    d = session.execute(select(t.denial).where(t.denial.c.id == denial_id)).first()
    if d is None:
        raise NotFoundError(f"No denial {denial_id}", "See medbill denial list")
    if d.status == "closed":
        raise InputError(f"Denial {denial_id} is closed: its balance was written off or paid",
                         "Nothing is held with the payer to transfer")
    if transferred_cents(session, denial_id) > 0:
        raise InputError(f"Denial {denial_id} was already transferred",
                         f"Reverse it first: medbill denial transfer {denial_id} --reverse")
    day = posted_on or today()
    ensure_open(session, day, "transfer")
    payer = denial_party(session, d)
    spread = _denial_lines(session, d)
    charges = _charge_rows(session, spread)
    held_by = {c: max(line_balances(session, spread).get(c, {}).get(payer, 0), 0)
               for c in spread}
    split = allocate(held_cents(session, d), [held_by[c] for c in spread])
    moves = [(c, min(cents, held_by[c])) for c, cents in zip(spread, split, strict=True)]
    if sum(m for _, m in moves) <= 0:
        raise InputError(f"Denial {denial_id} holds nothing with the payer",
                         "The payer's balance on its lines is 0.00: nothing to transfer")
    chains = coverage_chains(session, {(ch.patient_id, ch.date_of_service)
                                       for ch in charges.values()})
    w = _Writer(session, user, day)
    for cid, cents in moves:
        ch = charges[cid]
        nxt = PATIENT if target == "patient" else next_party(
            chains.get((ch.patient_id, ch.date_of_service), []), payer)
        base: dict[str, Any] = {"patient_id": ch.patient_id, "charge_id": cid,
                                "source": (DENIAL_TRANSFER, denial_id),
                                "service_date": ch.date_of_service, "carc": d.carc}
        w.add(**base, party=payer, kind="transfer", amount=-cents)
        w.add(**base, party=nxt, kind="transfer", amount=cents)
    n = w.write()
    settle_patients(session=session, user=user, patient_ids={ch.patient_id
                                                             for ch in charges.values()},
                    posted_on=day)
    return n


def reverse_denial_transfer(*, session: Executor, user: str, denial_id: int,
                            posted_on: dt.date | None = None) -> int:
    """Undo a denial's transfer: the balance goes back to the payer (patient payments applied
    to it go back to credit).

    Raises:
        InputError: nothing transferred to reverse, or the denial is closed.
    """
    lock(session)
    d = session.execute(select(t.denial.c.id, t.denial.c.status)
                        .where(t.denial.c.id == denial_id)).first()
    if d is None:
        raise NotFoundError(f"No denial {denial_id}", "See medbill denial list")
    if transferred_cents(session, denial_id) <= 0:
        raise InputError(f"Denial {denial_id} has no transfer to reverse",
                         f"Transfer it with medbill denial transfer {denial_id} --to patient")
    if d.status == "closed":
        raise InputError(f"Denial {denial_id} is closed; its transfer stays",
                         "Post a write-off or a patient payment instead")
    day = posted_on or today()
    ensure_open(session, day, "reversal")
    return reverse(session=session, user=user, source_type=DENIAL_TRANSFER, source_id=denial_id,
                   posted_on=day)


# --------------------------------------------------------------------------- reversals


def _source_filter(session: Executor, source_type: str, source_id: int) -> Any:
    e = t.ledger_entry
    cond = and_(e.c.source_type == source_type, e.c.source_id == source_id)
    if source_type == "era_claim":
        lines = select(t.era_line.c.id).where(t.era_line.c.era_claim_id == source_id)
        cond = or_(cond, and_(e.c.source_type == "era_line", e.c.source_id.in_(lines)))
    return cond


def reverse(*, session: Executor, user: str, source_type: str, source_id: int,
            posted_on: dt.date | None = None, by: tuple[str, int] | None = None) -> int:
    """Undo exactly the entries of one source (an ERA claim with its lines, a payment, a
    charge, an adjustment, a denial's write-off, an EOB).

    Each entry not yet reversed gets a ``reversal`` entry of the opposite amount on the same
    line and party, dated ``posted_on`` (default today: a correction posts in the open period).

    Args:
        session: the command's transaction.
        user: who reverses.
        source_type: the source's kind.
        source_id: its id.
        posted_on: the accounting date of the reversal.
        by: the source of the reversal entries (an 835 reversal's ``era_claim``); default the
            reversed source itself.

    Returns:
        How many entries were written.

    Raises:
        InputError: the source has no entries, they are already reversed, or they are
            reversals themselves.
    """
    lock(session)
    e = t.ledger_entry
    rows = list(session.execute(select(e).where(_source_filter(session, source_type, source_id))
                                .order_by(e.c.id)))
    what = f"{source_type} {source_id}"
    if not rows:
        raise InputError(f"{what} has no ledger entries to reverse")
    if all(r.kind == "reversal" for r in rows):
        raise InputError(f"{what} is a reversal; a reversal cannot be reversed",
                         "Post the original again instead")
    reversed_ids = {r.reverses_id for r in rows if r.reverses_id is not None}
    more = [r.id for r in rows if r.kind != "reversal" and r.id not in reversed_ids]
    if more:
        for part in chunks(more):
            reversed_ids.update(session.execute(select(e.c.reverses_id).where(
                e.c.reverses_id.in_(part))).scalars())
    todo = [r for r in rows if r.kind != "reversal" and r.id not in reversed_ids]
    if not todo:
        raise InputError(f"{what} is already reversed")
    w = _Writer(session, user, posted_on or today())
    for r in todo:
        w.add(patient_id=r.patient_id, charge_id=r.charge_id, party=_party_key(r), kind="reversal",
              amount=-r.amount_cents, source=by or (r.source_type, r.source_id),
              service_date=r.service_date, reverses_id=r.id, group=r.group_code, carc=r.carc)
    n = w.write()
    settle_patients(session=session, user=user, patient_ids={r.patient_id for r in todo},
                    posted_on=w.posted_on)
    return n


# --------------------------------------------------------------------------- patient money


def _preferred_lines(session: Executor, claim_id: int | None,
                     encounter_id: int | None) -> list[int]:
    if claim_id is not None:
        q = (select(t.claim_line.c.charge_id).where(t.claim_line.c.claim_id == claim_id)
             .order_by(t.claim_line.c.line_number))
        return list(session.execute(q).scalars())
    if encounter_id is not None:
        q = (select(t.charge.c.id).where(t.charge.c.encounter_id == encounter_id)
             .order_by(t.charge.c.id))
        return list(session.execute(q).scalars())
    return []


def _patient_lines(session: Executor, patient_ids: Sequence[int]
                   ) -> dict[int, list[tuple[dt.date, int, int]]]:
    """Patient -> [(date of service, charge id, patient balance)] for lines with a balance."""
    e = t.ledger_entry
    out: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
    for part in chunks(sorted(set(patient_ids))):
        q = (select(e.c.patient_id, e.c.charge_id, func.min(e.c.service_date).label("dos"),
                    func.sum(e.c.amount_cents).label("cents"))
             .where(e.c.patient_id.in_(part), e.c.coverage_id.is_(None), e.c.charge_id.is_not(None))
             .group_by(e.c.patient_id, e.c.charge_id))
        for r in session.execute(q):
            if int(r.cents):
                out[r.patient_id].append((r.dos or dt.date.min, r.charge_id, int(r.cents)))
    for rows in out.values():
        rows.sort()
    return out


def _pools(session: Executor, patient_ids: Sequence[int]) -> dict[int, tuple[int, dict[int, int]]]:
    """Patient -> (credit, {payment id: its unapplied cents}), oldest payment first."""
    e = t.ledger_entry
    out: dict[int, tuple[int, dict[int, int]]] = {}
    for part in chunks(sorted(set(patient_ids))):
        q = (select(e.c.patient_id, e.c.source_type, e.c.source_id,
                    func.sum(e.c.amount_cents).label("cents"))
             .where(e.c.patient_id.in_(part), e.c.charge_id.is_(None))
             .group_by(e.c.patient_id, e.c.source_type, e.c.source_id)
             .order_by(e.c.patient_id, e.c.source_type, e.c.source_id))
        for r in session.execute(q):
            credit, per = out.get(r.patient_id, (0, {}))
            if r.source_type == "payment" and int(r.cents) < 0:
                per[r.source_id] = -int(r.cents)
            out[r.patient_id] = (credit - int(r.cents), per)
    return out


def _applied(session: Executor, charge_id: int) -> list[tuple[int, int]]:
    """(payment id, cents applied) of patient payments on a line, latest payment first."""
    e = t.ledger_entry
    q = (select(e.c.source_id, func.sum(e.c.amount_cents).label("cents"))
         .where(e.c.charge_id == charge_id, e.c.coverage_id.is_(None), e.c.source_type == "payment")
         .group_by(e.c.source_id).order_by(e.c.source_id.desc()))
    return [(r.source_id, -int(r.cents)) for r in session.execute(q) if int(r.cents) < 0]


def settle_patients(*, session: Executor, user: str, patient_ids: Iterable[int],
                    posted_on: dt.date | None = None) -> int:
    """Move patient money where it belongs: a line the patient overpaid releases the
    payments back to credit; credit then pays the patient's shares, oldest line first.

    Returns:
        How many entries were written.
    """
    ids = sorted(set(patient_ids))
    if not ids:
        return 0
    lock(session)
    w = _Writer(session, user, open_day(session, posted_on or today()))
    lines = _patient_lines(session, ids)
    pools = _pools(session, ids)
    for pid in ids:
        credit, per = pools.get(pid, (0, {}))
        owed: list[tuple[dt.date, int, int]] = []
        for dos, cid, bal in lines.get(pid, []):
            if bal < 0:
                need = -bal
                for pay_id, applied in _applied(session, cid):
                    take = min(need, applied)
                    if take <= 0:
                        break
                    w.add(patient_id=pid, charge_id=cid, party=PATIENT, kind="patient_payment",
                          amount=take, source=("payment", pay_id), service_date=dos)
                    w.add(patient_id=pid, charge_id=None, party=PATIENT, kind="patient_payment",
                          amount=-take, source=("payment", pay_id))
                    per[pay_id] = per.get(pay_id, 0) + take
                    credit += take
                    need -= take
            elif bal > 0:
                owed.append((dos, cid, bal))
        for dos, cid, bal in owed:
            for pay_id in sorted(per):
                take = min(bal, per[pay_id], credit)
                if take <= 0:
                    continue
                w.add(patient_id=pid, charge_id=cid, party=PATIENT, kind="patient_payment",
                      amount=-take, source=("payment", pay_id), service_date=dos)
                w.add(patient_id=pid, charge_id=None, party=PATIENT, kind="patient_payment",
                      amount=take, source=("payment", pay_id))
                per[pay_id] -= take
                credit -= take
                bal -= take
    return w.write()


def post_patient_payment(*, session: Executor, user: str, payment: Mapping[str, Any] | Any) -> int:
    """Apply a patient payment to the patient's share: the named claim or encounter first,
    then oldest line first; the rest is credit.

    Args:
        session: the command's transaction.
        user: who posted the payment.
        payment: the payment (a ``Payment``, a Core row or a mapping with ``id``,
            ``patient_id``, ``amount_cents``, ``date``, ``claim_id``, ``encounter_id``).

    Returns:
        How many entries were written (dated the payment's date).
    """
    lock(session)
    p = _as_dict(payment)
    pid, left = p["patient_id"], int(p["amount_cents"])
    w = _Writer(session, user, p["date"])
    ensure_open(session, w.posted_on, "payment")
    first = _preferred_lines(session, p.get("claim_id"), p.get("encounter_id"))
    rank = {cid: i for i, cid in enumerate(first)}
    owed = [x for x in _patient_lines(session, [pid]).get(pid, []) if x[2] > 0]
    owed.sort(key=lambda x: (rank.get(x[1], len(rank)), x[0], x[1]))
    for dos, cid, bal in owed:
        take = min(bal, left)
        if take <= 0:
            break
        w.add(patient_id=pid, charge_id=cid, party=PATIENT, kind="patient_payment", amount=-take,
              source=("payment", p["id"]), service_date=dos)
        left -= take
    w.add(patient_id=pid, charge_id=None, party=PATIENT, kind="patient_payment", amount=-left,
          source=("payment", p["id"]))
    return w.write()


def reverse_payment(*, session: Executor, user: str, payment_id: int,
                    posted_on: dt.date | None = None) -> int:
    """Undo a reversed payment's entries (wherever it was applied)."""
    return reverse(session=session, user=user, source_type="payment", source_id=payment_id,
                   posted_on=posted_on)


def _patient_by_account(session: Executor, account: str) -> Any:
    row = session.execute(select(t.patient.c.id, t.patient.c.account).where(
        t.patient.c.account == account.strip().upper())).first()
    if row is None:
        raise NotFoundError(f"No patient with account {account}",
                            "Find it with medbill patient search")
    return row


def add_refund(*, session: Executor, user: str, account: str, amount: str | Decimal, method: str,
               reference: str | None = None, reason: str | None = None,
               date: dt.date | None = None) -> dict[str, Any]:
    """Refund a patient from their credit, never more than the credit.

    Returns:
        The refund row as a dict.
    """
    from medbill_cli.services import audit

    lock(session)
    p = _patient_by_account(session, account)
    cents = amount_cents(amount, "Amount", allow_zero=False)
    m = (method or "").strip().lower()
    if m not in REFUND_METHODS:
        raise InputError(f"Method '{method}' must be one of {', '.join(REFUND_METHODS)}")
    ref = (reference or "").strip() or None
    if m == "check" and ref is None:
        raise InputError("A refund by check needs the check number", "Give --reference")
    if ref is not None and len(ref) > 50:
        raise InputError("The reference is longer than 50 characters", "Shorten it")
    day = date or today()
    ensure_open(session, day, "refund")
    credit = credit_of(session, p.id)
    if cents > credit:
        raise InputError(f"{p.account} has a credit of {fmt(max(credit, 0))}; a refund of "
                         f"{fmt(cents)} is {fmt(cents - max(credit, 0))} more than is held",
                         "Refund at most the credit (see medbill credit list)")
    row = session.execute(insert(t.refund).values(
        patient_id=p.id, amount_cents=cents, method=m, reference=ref,
        reason=(reason or "").strip() or None, posted_on=day, created_by=user)
        .returning(*t.refund.c)).one()
    w = _Writer(session, user, day)
    w.add(patient_id=p.id, charge_id=None, party=PATIENT, kind="refund", amount=cents,
          source=("refund", row.id))
    w.write()
    audit.record(session=session, user=user, action="create", entity="refund", entity_id=row.id,
                 after=audit.snapshot(RowRecord.of(row)))
    return dict(row._mapping)


# --------------------------------------------------------------------------- write-offs


def _target_lines(session: Executor, charge_id: int | None, claim_id: int | None
                  ) -> tuple[list[int], int]:
    """The charge lines written off, and their patient."""
    if (charge_id is None) == (claim_id is None):
        raise InputError("Give either --charge or --claim")
    if charge_id is not None:
        ch = _charge_rows(session, [charge_id]).get(charge_id)
        if ch is None:
            raise NotFoundError(f"No charge {charge_id}", "See medbill charge list")
        return [charge_id], ch.patient_id
    claim = session.execute(select(t.claim.c.id, t.claim.c.patient_id).where(
        t.claim.c.id == claim_id)).first()
    if claim is None:
        raise NotFoundError(f"No claim {claim_id}", "See medbill claim list")
    ids = list(session.execute(select(t.claim_line.c.charge_id).where(
        t.claim_line.c.claim_id == claim_id).order_by(t.claim_line.c.line_number)).scalars())
    return ids, claim.patient_id


def write_off(*, session: Executor, user: str, amount: str | Decimal, reason: str,
              charge_id: int | None = None, claim_id: int | None = None,
              note: str | None = None, party: str | None = None,
              date: dt.date | None = None) -> dict[str, Any]:
    """Write off part of what one party owes on a line or a claim's lines (oldest line first).

    Args:
        session: the command's transaction.
        user: who writes off.
        amount: as typed; never more than the party owes there.
        reason: small-balance, courtesy, bad-debt, timely-filing, contractual or other.
        charge_id: one charge line, or
        claim_id: the claim's lines.
        note: free text.
        party: ``patient`` or ``insurance`` (default: insurance for timely-filing and
            contractual, else the patient).
        date: the accounting date (default today).

    Returns:
        The adjustment row as a dict.
    """
    from medbill_cli.services import audit

    lock(session)
    why = (reason or "").strip().lower()
    if why not in REASONS:
        raise InputError(f"Reason '{reason}' must be one of {', '.join(REASONS)}")
    cents = amount_cents(amount, "Amount", allow_zero=False)
    who = (party or ("insurance" if why in INSURANCE_REASONS else "patient")).strip().lower()
    if who not in ("patient", "insurance"):
        raise InputError(f"Party '{party}' must be patient or insurance")
    ids, patient_id = _target_lines(session, charge_id, claim_id)
    day = date or today()
    ensure_open(session, day, "write-off")
    balances = line_balances(session, ids)
    takes: list[tuple[int, Party, int]] = []
    left = cents
    for cid in ids:
        held = sorted(balances.get(cid, {}).items(), key=lambda kv: RANK.get(kv[0].kind, 9))
        for pty, bal in held:
            if pty.is_patient != (who == "patient") or bal <= 0 or left <= 0:
                continue
            take = min(bal, left)
            takes.append((cid, pty, take))
            left -= take
    if left > 0:
        owed = cents - left
        where = f"charge {charge_id}" if charge_id is not None else f"claim {claim_id}"
        raise InputError(f"The {who} owes {fmt(owed)} on {where}; a write-off of {fmt(cents)} is "
                         f"{fmt(left)} more than is owed", "Write off at most what is owed")
    parties = {p for _, p, _ in takes}
    main = next(iter(parties)) if len(parties) == 1 else PATIENT
    row = session.execute(insert(t.adjustment).values(
        patient_id=patient_id, charge_id=charge_id, claim_id=claim_id,
        coverage_id=main.coverage_id, party=main.kind if len(parties) == 1 else who,
        amount_cents=cents, reason=why, note=(note or "").strip() or None, posted_on=day,
        status="posted", created_by=user).returning(*t.adjustment.c)).one()
    charges = _charge_rows(session, ids)
    w = _Writer(session, user, day)
    for cid, pty, take in takes:
        w.add(patient_id=patient_id, charge_id=cid, party=pty, kind="write_off", amount=-take,
              source=("adjustment", row.id), service_date=charges[cid].date_of_service)
    w.write()
    audit.record(session=session, user=user, action="create", entity="adjustment",
                 entity_id=row.id, after=audit.snapshot(RowRecord.of(row)))
    return dict(row._mapping)


def reverse_adjustment(*, session: Executor, user: str, adjustment_id: int,
                       reason: str | None = None, date: dt.date | None = None) -> dict[str, Any]:
    """Undo a write-off: its entries are reversed and the adjustment is marked reversed."""
    from sqlalchemy import update

    from medbill_cli.services import audit

    a = t.adjustment
    row = session.execute(select(a).where(a.c.id == adjustment_id)).first()
    if row is None:
        raise NotFoundError(f"No adjustment {adjustment_id}", "See medbill ledger show ACCOUNT")
    if row.status == "reversed":
        raise InputError(f"Adjustment {adjustment_id} is already reversed; a reversal cannot be "
                         "reversed", "Post a new adjustment instead")
    why = (reason or "").strip() or None
    reverse(session=session, user=user, source_type="adjustment", source_id=adjustment_id,
            posted_on=date)
    session.execute(update(a).where(a.c.id == adjustment_id).values(
        status="reversed", reversed_reason=why, reversed_by=user, reversed_at=utcnow()))
    after = session.execute(select(a).where(a.c.id == adjustment_id)).one()
    audit.record(session=session, user=user, action="reverse", entity="adjustment",
                 entity_id=adjustment_id, before=audit.snapshot(RowRecord.of(row)),
                 after=audit.snapshot(RowRecord.of(after)))
    return dict(after._mapping)


# --------------------------------------------------------------------------- moving balances


def bill_to(*, session: Executor, user: str, charge_ids: Sequence[int], coverage_id: int,
            posted_on: dt.date | None = None) -> int:
    """Move what other parties hold on these lines to the coverage a claim is sent to.

    For a claim to a coverage that does not hold the lines (a coverage added after charge
    entry, a claim to a later payer): each other party's positive balance is transferred to
    it; patient payments applied to the lines go back to credit first, to be applied again
    when the payer hands a share back to the patient.

    The transfers' source is (``transfer``, charge id): they net to zero, and a void of the
    charge (which reverses its ``charge`` source) leaves them alone.

    Returns:
        How many entries were written.
    """
    lock(session)
    to = party_of_coverage(session, coverage_id)
    day = open_day(session, posted_on or today())
    charges = _charge_rows(session, charge_ids)
    w = _Writer(session, user, day)
    for cid, parties in line_balances(session, charge_ids).items():
        ch = charges[cid]
        base = {"patient_id": ch.patient_id, "charge_id": cid, "service_date": ch.date_of_service,
                "source": ("transfer", cid)}
        for pty, bal in parties.items():
            if pty == to:
                continue
            if pty.is_patient:
                for pay_id, applied in _applied(session, cid):
                    base_p = {**base, "source": ("payment", pay_id)}
                    w.add(**base_p, party=PATIENT, kind="patient_payment", amount=applied)
                    w.add(**{**base_p, "charge_id": None, "service_date": None}, party=PATIENT,
                          kind="patient_payment", amount=-applied)
                    bal += applied
            if bal > 0:
                w.add(**base, party=pty, kind="transfer", amount=-bal)
                w.add(**base, party=to, kind="transfer", amount=bal)
    return w.write()


# --------------------------------------------------------------------------- bad debt


def write_off_patient_balance(*, session: Executor, user: str, patient_id: int, reason: str,
                              note: str | None = None, date: dt.date | None = None
                              ) -> dict[str, Any]:
    """Write off everything the patient owes on their lines (an account sent to collections).

    One adjustment (no charge or claim: the whole account) with a ``write_off`` entry on each
    line the patient owes on, for exactly what is owed there.

    Args:
        session: the command's transaction.
        user: who writes off.
        patient_id: the patient.
        reason: one of ``REASONS`` (collections use ``bad-debt``).
        note: free text (why the account went to collections).
        date: the accounting date (default today).

    Returns:
        The adjustment row as a dict.
    """
    from medbill_cli.services import audit

    lock(session)
    why = (reason or "").strip().lower()
    if why not in REASONS:
        raise InputError(f"Reason '{reason}' must be one of {', '.join(REASONS)}")
    day = date or today()
    ensure_open(session, day, "write-off")
    owed = [x for x in _patient_lines(session, [patient_id]).get(patient_id, []) if x[2] > 0]
    cents = sum(bal for _, _, bal in owed)
    if cents <= 0:
        raise InputError("The patient owes nothing on the account", "See medbill patient balance")
    row = session.execute(insert(t.adjustment).values(
        patient_id=patient_id, charge_id=None, claim_id=None, coverage_id=None, party="patient",
        amount_cents=cents, reason=why, note=(note or "").strip() or None, posted_on=day,
        status="posted", created_by=user).returning(*t.adjustment.c)).one()
    w = _Writer(session, user, day)
    for dos, cid, bal in owed:
        w.add(patient_id=patient_id, charge_id=cid, party=PATIENT, kind="write_off", amount=-bal,
              source=("adjustment", row.id), service_date=None if dos == dt.date.min else dos)
    w.write()
    audit.record(session=session, user=user, action="create", entity="adjustment",
                 entity_id=row.id, after=audit.snapshot(RowRecord.of(row)))
    return dict(row._mapping)


def recovered_cents(session: Executor, adjustment_id: int) -> int:
    """How much of a write-off has been recovered (its ``bad_debt_recovery`` entries)."""
    e = t.ledger_entry
    return int(session.execute(select(func.coalesce(func.sum(e.c.amount_cents), 0)).where(
        e.c.source_type == "adjustment", e.c.source_id == adjustment_id,
        e.c.kind == "bad_debt_recovery")).scalar_one())


def recover_bad_debt(*, session: Executor, user: str, adjustment_id: int, amount: int,
                     date: dt.date | None = None) -> int:
    """Post money received on a written-off account as a bad-debt recovery.

    The write-off is undone for ``amount`` cents (oldest line first, never more than was
    written off on a line less what was recovered there): a ``bad_debt_recovery`` entry puts
    the amount back on the patient's line, and the patient's credit (the money received) then
    pays it. Each line nets to what it was, the write-off's source nets to minus what is still
    written off, and the credit is used.

    Args:
        session: the command's transaction.
        user: who posted the money.
        adjustment_id: the bad-debt write-off.
        amount: cents to recover (at most the credit and what is still written off).
        date: the accounting date (the payment's).

    Returns:
        How many entries were written.
    """
    lock(session)
    if amount <= 0:
        return 0
    e = t.ledger_entry
    adj = session.execute(select(t.adjustment).where(t.adjustment.c.id == adjustment_id)).one()
    q = (select(e.c.charge_id, func.min(e.c.service_date).label("dos"),
                func.sum(e.c.amount_cents).label("cents"))
         .where(e.c.source_type == "adjustment", e.c.source_id == adjustment_id)
         .group_by(e.c.charge_id))
    still = sorted((r.dos or dt.date.min, r.charge_id, -int(r.cents))
                    for r in session.execute(q) if int(r.cents) < 0)
    left = min(amount, sum(x[2] for x in still), credit_of(session, adj.patient_id))
    day = date or today()
    w = _Writer(session, user, open_day(session, day))
    for dos, cid, cents in still:
        take = min(cents, left)
        if take <= 0:
            break
        w.add(patient_id=adj.patient_id, charge_id=cid, party=PATIENT, kind="bad_debt_recovery",
              amount=take, source=("adjustment", adjustment_id),
              service_date=None if dos == dt.date.min else dos)
        left -= take
    n = w.write()
    n += settle_patients(session=session, user=user, patient_ids=[adj.patient_id],
                         posted_on=w.posted_on)
    return n


def unrecover_bad_debt(*, session: Executor, user: str, adjustment_id: int,
                       date: dt.date | None = None) -> int:
    """Money recovered on a written-off account was taken back (its payment reversed): what
    the patient owes again on the write-off's lines is written off again, up to what was
    recovered on each line (a negative ``bad_debt_recovery``).

    Returns:
        How many entries were written.
    """
    lock(session)
    e = t.ledger_entry
    adj = session.execute(select(t.adjustment).where(t.adjustment.c.id == adjustment_id)).one()
    q = (select(e.c.charge_id, func.min(e.c.service_date).label("dos"),
                func.sum(e.c.amount_cents).label("cents"))
         .where(e.c.source_type == "adjustment", e.c.source_id == adjustment_id,
                e.c.kind == "bad_debt_recovery")
         .group_by(e.c.charge_id))
    recovered = {r.charge_id: (r.dos, int(r.cents)) for r in session.execute(q) if int(r.cents)}
    balances = line_balances(session, recovered)
    w = _Writer(session, user, open_day(session, date or today()))
    for cid, (dos, cents) in sorted(recovered.items(),
                                    key=lambda kv: (kv[1][0] or dt.date.min, kv[0])):
        take = min(cents, balances.get(cid, {}).get(PATIENT, 0))
        if take > 0:
            w.add(patient_id=adj.patient_id, charge_id=cid, party=PATIENT,
                  kind="bad_debt_recovery", amount=-take, source=("adjustment", adjustment_id),
                  service_date=dos)
    return w.write()
