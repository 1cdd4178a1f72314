"""ledger backfill: build the ledger from a database made before it

Replays what happened, in the order it happened: charges (each to the coverage its first
claim went to, else the first coverage in force on its date of service, else the patient),
posted 835 claim payments (payments and CO/OA/PI adjustments against the claim's payer, PR
amounts transferred to the next coverage or the patient, denied amounts held with the payer)
and their reversals, patient payments (the named claim or encounter first, then oldest line
first, the rest credit; credit applied when a patient share appears) and their reversals,
charge voids, and denials closed by working them (written off the payer). The rules are those
of ``services/ledger.py``, written again here with Core alone: a migration must not depend on
code that changes after it.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from medbill_cli.db.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RANK = {"primary": 0, "secondary": 1, "tertiary": 2}
CONTRACTUAL = frozenset({"45", "A2", "42", "253"})
POSTED = ("paid", "partial", "denied")
AUTO_CLOSE = ("closed: the posting was reversed", "closed: the claim was paid")
USER = "migration 0007"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _t(name: str, *cols: tuple[str, Any]) -> Any:
    return sa.table(name, *(sa.column(c, typ) for c, typ in cols))


N, S, D, A = sa.Integer(), sa.String(), sa.Date(), UTCDateTime()
COVERAGE = _t("coverage", ("id", N), ("patient_id", N), ("payer_id", N), ("priority", S),
              ("effective", D), ("termination", D))
CHARGE = _t("charge", ("id", N), ("patient_id", N), ("encounter_id", N), ("date_of_service", D),
            ("amount_cents", N), ("status", S), ("created_at", A), ("created_by", S),
            ("voided_at", A), ("voided_by", S))
CLAIM = _t("claim", ("id", N), ("coverage_id", N), ("patient_id", N))
CLAIM_LINE = _t("claim_line", ("claim_id", N), ("charge_id", N), ("line_number", N))
ERA = _t("era", ("id", N), ("posted_on", D), ("created_at", A), ("created_by", S))
ERA_CLAIM = _t("era_claim", ("id", N), ("era_id", N), ("claim_id", N), ("outcome", S),
               ("paid_cents", N), ("reverses_id", N))
ERA_LINE = _t("era_line", ("id", N), ("era_claim_id", N), ("charge_id", N), ("paid_cents", N))
ERA_ADJ = _t("era_adjustment", ("id", N), ("era_claim_id", N), ("era_line_id", N),
             ("group_code", S), ("carc", S), ("amount_cents", N))
DENIAL = _t("denial", ("id", N), ("claim_id", N), ("era_claim_id", N), ("era_line_id", N),
            ("charge_id", N), ("status", S), ("note", S), ("worked_at", A), ("worked_by", S),
            ("group_code", S), ("carc", S))
PAYMENT = _t("payment", ("id", N), ("patient_id", N), ("encounter_id", N), ("claim_id", N),
             ("date", D), ("amount_cents", N), ("status", S), ("created_at", A),
             ("created_by", S), ("reversed_at", A), ("reversed_by", S))
ENTRY = _t("ledger_entry", ("id", N), ("patient_id", N), ("charge_id", N), ("coverage_id", N),
           ("party", S), ("payer_id", N), ("kind", S), ("amount_cents", N), ("posted_on", D),
           ("service_date", D), ("source_type", S), ("source_id", N), ("reverses_id", N),
           ("group_code", S), ("carc", S), ("created_by", S), ("created_at", A))


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split (as ``services.ledger.allocate``)."""
    if not weights:
        return []
    sign = -1 if total < 0 else 1
    amount = abs(total)
    w = [max(x, 0) for x in weights]
    if sum(w) == 0:
        w = [1] * len(weights)
    den = sum(w)
    shares = [amount * x // den for x in w]
    rems = sorted(((amount * x % den, -i) for i, x in enumerate(w)), reverse=True)
    for _, neg_i in rems[:amount - sum(shares)]:
        shares[-neg_i] += 1
    return [sign * s for s in shares]


class Replay:
    """The ledger being rebuilt, in memory: entries, and the balances they make."""

    def __init__(self) -> None:
        self.cov: dict[int, Any] = {}
        self.covs_of: dict[int, list[Any]] = defaultdict(list)
        self.charge: dict[int, Any] = {}
        self.rows: list[dict[str, Any]] = []
        self.bal: dict[tuple[int, int | None], int] = defaultdict(int)
        self.applied: dict[int, dict[int, int]] = defaultdict(dict)
        self.pool: dict[int, dict[int, int]] = defaultdict(dict)
        self.lines_of: dict[int, set[int]] = defaultdict(set)
        self.by_source: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.reversed: set[int] = set()

    # ---------------------------------------------------------------- entries

    def add(self, *, patient: int, charge: int | None, cov: int | None, kind: str, amount: int,
            day: dt.date, at: dt.datetime, user: str | None, source: tuple[str, int],
            reverses: int | None = None, group: str | None = None, carc: str | None = None) -> None:
        if amount == 0:
            return
        c = self.cov.get(cov) if cov is not None else None
        eid = len(self.rows) + 1
        self.rows.append({
            "id": eid, "patient_id": patient, "charge_id": charge, "coverage_id": cov,
            "party": c.priority if c is not None else "patient",
            "payer_id": c.payer_id if c is not None else None, "kind": kind,
            "amount_cents": amount, "posted_on": day,
            "service_date": self.charge[charge].date_of_service if charge else None,
            "source_type": source[0], "source_id": source[1], "reverses_id": reverses,
            "group_code": group, "carc": carc, "created_by": user or USER, "created_at": at})
        self.by_source[source].append(eid)
        if charge is None:
            per = self.pool[patient]
            if source[0] == "payment":
                per[source[1]] = per.get(source[1], 0) - amount
            else:
                per[0] = per.get(0, 0) - amount  # refunds: none before the ledger
        else:
            self.bal[(charge, cov)] += amount
            if cov is None:
                self.lines_of[patient].add(charge)
                if source[0] == "payment":
                    per_line = self.applied[charge]
                    per_line[source[1]] = per_line.get(source[1], 0) - amount

    def credit(self, patient: int) -> int:
        return sum(self.pool[patient].values())

    def chain(self, patient: int, dos: dt.date) -> list[Any]:
        rows = [c for c in self.covs_of.get(patient, [])
                if (c.effective is None or c.effective <= dos)
                and (c.termination is None or dos <= c.termination)]
        return sorted(rows, key=lambda c: (RANK.get(c.priority, 9), c.id))

    def next_party(self, charge: Any, payer: int) -> int | None:
        chain = self.chain(charge.patient_id, charge.date_of_service)
        ids = [c.id for c in chain]
        if payer in ids:
            i = ids.index(payer)
            return ids[i + 1] if i + 1 < len(ids) else None
        rank = RANK.get(self.cov[payer].priority, 9) if payer in self.cov else 9
        later = [c.id for c in chain if RANK.get(c.priority, 9) > rank]
        return later[0] if later else None

    # ---------------------------------------------------------------- patient money

    def settle(self, patient: int, day: dt.date, at: dt.datetime) -> None:
        lines = sorted(self.lines_of.get(patient, ()),
                       key=lambda c: (self.charge[c].date_of_service, c))
        for cid in lines:
            need = -self.bal[(cid, None)]
            if need <= 0:
                continue
            for pay_id in sorted(self.applied.get(cid, {}), reverse=True):
                take = min(need, self.applied[cid][pay_id])
                if take <= 0:
                    continue
                self.add(patient=patient, charge=cid, cov=None, kind="patient_payment",
                         amount=take, day=day, at=at, user=None, source=("payment", pay_id))
                self.add(patient=patient, charge=None, cov=None, kind="patient_payment",
                         amount=-take, day=day, at=at, user=None, source=("payment", pay_id))
                need -= take
        for cid in lines:
            owed = self.bal[(cid, None)]
            for pay_id in sorted(p for p in self.pool[patient] if p):
                take = min(owed, self.pool[patient][pay_id], self.credit(patient))
                if take <= 0:
                    continue
                self.add(patient=patient, charge=cid, cov=None, kind="patient_payment",
                         amount=-take, day=day, at=at, user=None, source=("payment", pay_id))
                self.add(patient=patient, charge=None, cov=None, kind="patient_payment",
                         amount=take, day=day, at=at, user=None, source=("payment", pay_id))
                owed -= take

    def payment(self, p: Any, first: list[int]) -> None:
        left = p.amount_cents
        rank = {c: i for i, c in enumerate(first)}
        lines = sorted(self.lines_of.get(p.patient_id, ()),
                       key=lambda c: (rank.get(c, len(rank)), self.charge[c].date_of_service, c))
        for cid in lines:
            take = min(max(self.bal[(cid, None)], 0), left)
            if take > 0:
                self.add(patient=p.patient_id, charge=cid, cov=None, kind="patient_payment",
                         amount=-take, day=p.date, at=p.created_at, user=p.created_by,
                         source=("payment", p.id))
                left -= take
        self.add(patient=p.patient_id, charge=None, cov=None, kind="patient_payment",
                 amount=-left, day=p.date, at=p.created_at, user=p.created_by,
                 source=("payment", p.id))

    # ---------------------------------------------------------------- reversals

    def reverse(self, sources: list[tuple[str, int]], day: dt.date, at: dt.datetime,
                user: str | None, by: tuple[str, int] | None = None) -> None:
        patients: set[int] = set()
        for src in sources:
            for eid in list(self.by_source.get(src, [])):
                r = self.rows[eid - 1]
                if r["kind"] == "reversal" or eid in self.reversed:
                    continue
                self.reversed.add(eid)
                self.add(patient=r["patient_id"], charge=r["charge_id"], cov=r["coverage_id"],
                         kind="reversal", amount=-r["amount_cents"], day=day, at=at, user=user,
                         source=by or src, reverses=eid, group=r["group_code"], carc=r["carc"])
                patients.add(r["patient_id"])
        for pid in sorted(patients):
            self.settle(pid, day, at)


def _load(conn: Any, table: Any, *where: Any) -> list[Any]:
    q = sa.select(*table.c)
    for w in where:
        q = q.where(w)
    return list(conn.execute(q.order_by(table.c.id)))


def _events(conn: Any, r: Replay) -> list[tuple[dt.datetime, int, int, str, Any]]:
    """(when, order, id, what, row), sorted: the database's history."""
    ev: list[tuple[dt.datetime, int, int, str, Any]] = []
    for ch in r.charge.values():
        ev.append((ch.created_at or EPOCH, 0, ch.id, "charge", ch))
        if ch.status == "void":
            ev.append((ch.voided_at or ch.created_at or EPOCH, 4, ch.id, "void", ch))
    eras = {e.id: e for e in _load(conn, ERA)}
    for ec in _load(conn, ERA_CLAIM, ERA_CLAIM.c.claim_id.is_not(None),
                    ERA_CLAIM.c.outcome.in_((*POSTED, "reversal"))):
        era = eras[ec.era_id]
        ev.append((era.created_at or EPOCH, 1, ec.id, "era", (ec, era)))
    for p in _load(conn, PAYMENT):
        ev.append((p.created_at or EPOCH, 2, p.id, "payment", p))
        if p.status == "reversed":
            ev.append((p.reversed_at or p.created_at or EPOCH, 3, p.id, "payment_reversal", p))
    for d in _load(conn, DENIAL, DENIAL.c.status == "closed"):
        last = (d.note or "").split("\n")[-1]
        if not any(a in last for a in AUTO_CLOSE):
            ev.append((d.worked_at or EPOCH, 5, d.id, "denial", d))
    ev.sort(key=lambda x: (x[0], x[1], x[2]))
    return ev


class Backfill:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.r = Replay()
        for c in _load(conn, COVERAGE):
            self.r.cov[c.id] = c
            self.r.covs_of[c.patient_id].append(c)
        self.r.charge = {c.id: c for c in _load(conn, CHARGE)}
        self.of_encounter: dict[int, list[int]] = defaultdict(list)
        for ch in self.r.charge.values():
            self.of_encounter[ch.encounter_id].append(ch.id)
        self.claims = {c.id: c for c in _load(conn, CLAIM)}
        self.claim_lines: dict[int, list[int]] = defaultdict(list)
        self.first_claim: dict[int, int] = {}
        q = sa.select(CLAIM_LINE.c.claim_id, CLAIM_LINE.c.charge_id).order_by(
            CLAIM_LINE.c.claim_id, CLAIM_LINE.c.line_number)
        for cl in conn.execute(q):
            self.claim_lines[cl.claim_id].append(cl.charge_id)
            self.first_claim.setdefault(cl.charge_id, cl.claim_id)
        self.era_lines: dict[int, list[Any]] = defaultdict(list)
        for ln in _load(conn, ERA_LINE):
            self.era_lines[ln.era_claim_id].append(ln)
        self.adjs: dict[int, list[Any]] = defaultdict(list)
        for a in _load(conn, ERA_ADJ):
            self.adjs[a.era_claim_id].append(a)
        self.denials: dict[int, list[Any]] = defaultdict(list)
        for d in _load(conn, DENIAL):
            self.denials[d.era_claim_id].append(d)

    def charge(self, ch: Any) -> None:
        claim = self.claims.get(self.first_claim.get(ch.id, -1))
        cov = claim.coverage_id if claim is not None and claim.coverage_id in self.r.cov else None
        if cov is None:
            chain = self.r.chain(ch.patient_id, ch.date_of_service)
            cov = chain[0].id if chain else None
        self.r.add(patient=ch.patient_id, charge=ch.id, cov=cov, kind="charge",
                   amount=ch.amount_cents, day=ch.date_of_service, at=ch.created_at or EPOCH,
                   user=ch.created_by, source=("charge", ch.id))
        if cov is None:
            self.r.settle(ch.patient_id, ch.date_of_service, ch.created_at or EPOCH)

    def era(self, ec: Any, era: Any) -> None:
        if ec.outcome == "reversal":
            target = ec.reverses_id
            if target is None:
                return
            srcs = [("era_claim", target)] + [("era_line", ln.id) for ln in self.era_lines[target]]
            self.r.reverse(srcs, era.posted_on, era.created_at or EPOCH, era.created_by,
                           by=("era_claim", ec.id))
            return
        claim = self.claims.get(ec.claim_id)
        if claim is None or claim.coverage_id is None:
            return
        payer = claim.coverage_id
        denials = self.denials.get(ec.id, [])
        whole = any(d.era_line_id is None for d in denials)
        held_lines = {d.era_line_id for d in denials if d.era_line_id is not None}
        line_by_id = {ln.id: ln for ln in self.era_lines[ec.id]}
        loose_paid, loose_adj = 0, []
        posts: list[tuple[int, tuple[str, int], int, list[tuple[Any, bool]]]] = []
        for ln in self.era_lines[ec.id]:
            adjs = [(a, whole or ln.id in held_lines) for a in self.adjs[ec.id]
                    if a.era_line_id == ln.id]
            if ln.charge_id is None or ln.charge_id not in self.r.charge:
                loose_paid += ln.paid_cents
                loose_adj += [(a.group_code, a.carc, a.amount_cents, h) for a, h in adjs]
            else:
                posts.append((ln.charge_id, ("era_line", ln.id), ln.paid_cents,
                              [((a.group_code, a.carc, a.amount_cents), h) for a, h in adjs]))
        if not self.era_lines[ec.id]:
            loose_paid += ec.paid_cents
        loose_adj += [(a.group_code, a.carc, a.amount_cents, whole) for a in self.adjs[ec.id]
                      if a.era_line_id is None or a.era_line_id not in line_by_id]
        if loose_paid or loose_adj:
            spread = [c for c in self.claim_lines.get(claim.id, []) if c in self.r.charge]
            if spread:
                weights = [max(self.r.bal[(c, payer)], 0) or self.r.charge[c].amount_cents
                           for c in spread]
                paid_split = _allocate(loose_paid, weights)
                splits = [(g, c, _allocate(amt, weights), h) for g, c, amt, h in loose_adj]
                for i, cid in enumerate(spread):
                    posts.append((cid, ("era_claim", ec.id), paid_split[i],
                                  [((g, c, s[i]), h) for g, c, s, h in splits]))
        at, day = era.created_at or EPOCH, era.posted_on
        patients: set[int] = set()
        for cid, src, paid, adjs in posts:
            ch = self.r.charge[cid]
            patients.add(ch.patient_id)
            base: dict[str, Any] = {"patient": ch.patient_id, "charge": cid, "day": day, "at": at,
                    "user": era.created_by, "source": src}
            self.r.add(**base, cov=payer, kind="insurance_payment", amount=-paid)
            nxt = self.r.next_party(ch, payer)
            for (group, carc, amt), held in adjs:
                if carc == "23" and group != "PR":
                    continue
                if group == "PR":
                    self.r.add(**base, cov=payer, kind="transfer", amount=-amt, group="PR",
                               carc=carc)
                    self.r.add(**base, cov=nxt, kind="transfer", amount=amt, group="PR",
                               carc=carc)
                elif not held:
                    kind = "contractual" if group == "CO" and carc in CONTRACTUAL else "adjustment"
                    self.r.add(**base, cov=payer, kind=kind, amount=-amt, group=group, carc=carc)
        for pid in sorted(patients):
            self.r.settle(pid, day, at)

    def denial(self, d: Any) -> None:
        claim = self.claims.get(d.claim_id)
        if claim is None or claim.coverage_id is None:
            return
        payer = claim.coverage_id
        adjs = [a for a in self.adjs.get(d.era_claim_id, [])
                if a.group_code != "PR" and a.carc != "23"
                and (d.era_line_id is None or a.era_line_id == d.era_line_id)]
        held = sum(a.amount_cents for a in adjs)
        ids = [d.charge_id] if d.charge_id is not None else self.claim_lines.get(claim.id, [])
        spread = [c for c in ids if c in self.r.charge]
        if not spread or not held:
            return
        split = _allocate(held, [self.r.bal[(c, payer)] for c in spread])
        at = d.worked_at or EPOCH
        for cid, cents in zip(spread, split, strict=True):
            self.r.add(patient=self.r.charge[cid].patient_id, charge=cid, cov=payer,
                       kind="adjustment", amount=-cents, day=at.date(), at=at, user=d.worked_by,
                       source=("denial", d.id), group=d.group_code, carc=d.carc)

    def run(self) -> list[dict[str, Any]]:
        r = self.r
        for _, _, _, what, row in _events(self.conn, r):
            if what == "charge":
                self.charge(row)
            elif what == "void":
                at = row.voided_at or row.created_at or EPOCH
                r.reverse([("charge", row.id)], at.date(), at, row.voided_by)
            elif what == "era":
                self.era(*row)
            elif what == "payment":
                first = (self.claim_lines.get(row.claim_id, []) if row.claim_id is not None
                         else self.of_encounter.get(row.encounter_id, []))
                r.payment(row, first)
            elif what == "payment_reversal":
                at = row.reversed_at or row.created_at or EPOCH
                r.reverse([("payment", row.id)], at.date(), at, row.reversed_by)
            elif what == "denial":
                self.denial(row)
        return r.rows


def upgrade() -> None:
    conn = op.get_bind()
    rows = Backfill(conn).run()
    for i in range(0, len(rows), 5000):
        conn.execute(sa.insert(ENTRY), rows[i:i + 5000])
    if rows and conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('ledger_entry', 'id'), "
                             "(SELECT max(id) FROM ledger_entry))"))


def downgrade() -> None:
    op.execute("DELETE FROM ledger_entry")
