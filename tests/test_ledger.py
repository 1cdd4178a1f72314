"""services/ledger.py on its own: allocation, posting rules, and random sequences of charges,
remittances (random splits, held denials) and their reversals, paper EOBs posted from their
ERA rows (as ``eob post`` writes them) and reversed by a reversal claim payment, patient
payments and their reversals, refunds, write-offs, voids, charge corrections (``charge
update``: the old amount reversed, the new one posted), claims to a payer (``claim generate``
moving the line) and claim rebuilds, checked after every step against ``ledger check`` and a
small model that tracks each line's balance per party by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import Db
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import (
    add_charge,
    add_coverage,
    add_patient,
    add_payer,
    add_payment,
    connection,
    problems,
)
from sqlalchemy import text

DOS = dt.date.today() - dt.timedelta(days=10)


# --------------------------------------------------------------------------- allocate


@settings(deadline=None)  # pure arithmetic: a deadline only measures the machine's load
@given(st.integers(-(10**9), 10**9), st.lists(st.integers(-5, 10**7), min_size=1, max_size=12))
def test_allocate_sums_to_the_total_and_follows_the_weights(total: int, weights: list[int]) -> None:
    from medbill_cli.services.ledger import allocate

    parts = allocate(total, weights)
    assert sum(parts) == total and len(parts) == len(weights)
    w = [max(x, 0) for x in weights]
    if sum(w) == 0:
        w = [1] * len(weights)
    for part, x in zip(parts, w, strict=True):
        exact = abs(total) * x / sum(w)
        assert abs(abs(part) - exact) < 1, (part, exact)
        assert part == 0 or (part > 0) == (total > 0)


def test_allocate_examples() -> None:
    from medbill_cli.services.ledger import allocate

    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(1000, [7500, 2500]) == [750, 250]
    assert allocate(5, [0, 0]) == [3, 2]
    assert allocate(0, [3, 4]) == [0, 0]
    assert allocate(7, []) == []


# --------------------------------------------------------------------------- the model


@dataclass
class Model:
    """What each party should owe, kept by hand: insurance per (line, coverage), the
    patient's share per line before payments, and the patient's money (payments - refunds)."""

    chain: list[int]
    ins: dict[tuple[int, int], int] = field(default_factory=dict)
    share: dict[int, int] = field(default_factory=dict)
    money: int = 0

    def holder(self) -> int | None:
        return self.chain[0] if self.chain else None

    def after(self, cov: int) -> int | None:
        i = self.chain.index(cov)
        return self.chain[i + 1] if i + 1 < len(self.chain) else None

    def move(self, cid: int, cov: int | None, cents: int) -> None:
        if cov is None:
            self.share[cid] = self.share.get(cid, 0) + cents
        else:
            self.ins[(cid, cov)] = self.ins.get((cid, cov), 0) + cents

    def applied(self) -> int:
        return min(self.money, sum(max(v, 0) for v in self.share.values()))


def _compare(c: Any, m: Model, patient_id: int) -> None:
    from medbill_cli.services import ledger
    from medbill_cli.services.ledger_reports import patient_balance

    assert problems(c) == []
    lines = ledger.line_balances(c, list(m.share) or [0])
    got_ins = {
        (cid, p.coverage_id): v
        for cid, ps in lines.items()
        for p, v in ps.items()
        if p.coverage_id is not None and v
    }
    assert got_ins == {k: v for k, v in m.ins.items() if v}
    patient_lines = sum(v for ps in lines.values() for p, v in ps.items() if p.is_patient)
    assert patient_lines == sum(m.share.values()) - m.applied()
    assert ledger.credit_of(c, patient_id) == m.money - m.applied()
    acct = f"L{patient_id:06d}"
    b = patient_balance(session=c, account=acct)
    assert (
        b["charges"] - b["insurance_paid"] - b["adjustments"] - b["patient_paid"] + b["refunds"]
    ) == b["balance"]
    assert b["balance"] == sum(b["owed_by"].values()) - b["credit"]


@dataclass
class Remit:
    key: int
    cid: int
    cov: int
    nxt: int | None
    paid: int
    adj: int
    pr: int
    held: bool
    reversed: bool = False
    paper: bool = False  # an EOB's ERA rows, posted by post_era_claims (key: its era_claim)


def _paper_eob(c: Any, pid: int, r: Remit) -> int:
    """The rows ``eob post`` writes for one line (claim, ERA, claim payment, line, CAS, the
    denial when held), then the ledger posting from them; returns the era_claim id."""
    from sqlalchemy import insert

    from medbill_cli.db import tables as t
    from medbill_cli.services import ledger

    def new(table: Any, **values: Any) -> int:
        return int(c.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())

    claim = new(t.claim, pcn=f"PB{r.key}", patient_id=pid, coverage_id=r.cov, status="submitted")
    era = new(t.era, payer_key="PAPER", trace_number=f"EOB{r.key}", posted_on=dt.date.today())
    ec = new(t.era_claim, era_id=era, claim_id=claim, pcn=f"PB{r.key}", status_code="1",
             outcome="partial" if r.held else "paid", paid_cents=r.paid)
    line = new(t.era_line, era_claim_id=ec, seq=1, charge_id=r.cid, paid_cents=r.paid)
    for group, carc, cents in (("CO", "45", r.adj), ("PR", "2", r.pr), ("OA", "23", 999)):
        new(t.era_adjustment, era_claim_id=ec, era_line_id=line, group_code=group, carc=carc,
            amount_cents=cents)
    if r.held:
        new(t.denial, claim_id=claim, era_claim_id=ec, era_line_id=line, charge_id=r.cid,
            group_code="CO", carc="45", amount_cents=r.adj, opened_on=dt.date.today())
    ledger.post_era_claims(session=c, user="t", era_claim_ids=[ec])
    return ec


def _paper_reversal(c: Any, r: Remit) -> None:
    """A reversal claim payment (CLP02 22) of a paper EOB, posted as ``era import`` posts one."""
    from sqlalchemy import insert, select

    from medbill_cli.db import tables as t
    from medbill_cli.services import ledger

    target = c.execute(select(t.era_claim).where(t.era_claim.c.id == r.key)).one()
    era = int(c.execute(insert(t.era).values(
        payer_key="PAPER", trace_number=f"REV{r.key}", posted_on=dt.date.today())
        .returning(t.era.c.id)).scalar_one())
    ec = int(c.execute(insert(t.era_claim).values(
        era_id=era, claim_id=target.claim_id, pcn=target.pcn, status_code="22",
        outcome="reversal", paid_cents=-r.paid, reverses_id=r.key)
        .returning(t.era_claim.c.id)).scalar_one())
    for group, carc, cents in (("CO", "45", r.adj), ("PR", "2", r.pr)):
        c.execute(insert(t.era_adjustment).values(era_claim_id=ec, group_code=group, carc=carc,
                                                  amount_cents=-cents))
    ledger.post_era_claims(session=c, user="t", era_claim_ids=[ec])


def _unbill(m: Model, st_: dict[str, Any], cid: int) -> None:
    """A void or correction reverses the line's moves to a claim's payer: undo them here."""
    for frm, to, cents in reversed(st_["bills"].pop(cid, [])):
        m.move(cid, to, -cents)
        m.move(cid, frm, cents)


def _step(c: Any, data: Any, m: Model, st_: dict[str, Any]) -> None:  # noqa: C901 - one switch
    from sqlalchemy import update

    from medbill_cli.db import tables as t
    from medbill_cli.errors import InputError
    from medbill_cli.services import ledger

    pid = st_["patient"]
    op = data.draw(
        st.sampled_from(
            [
                "charge",
                "charge",
                "remit",
                "remit",
                "reverse",
                "pay",
                "unpay",
                "refund",
                "write_off",
                "void",
                "correct",
                "bill",
                "rebuild",
                "paper",
                "paper",
                "unpaper",
            ]
        )
    )
    if op == "charge" or not m.share:
        cents = data.draw(st.integers(1, 50_000))
        cid = add_charge(c, pid, cents, DOS - dt.timedelta(days=data.draw(st.integers(0, 40))))
        m.share.setdefault(cid, 0)
        m.move(cid, m.holder(), cents)
        return
    if op in ("remit", "paper"):
        owed = sorted((k, v) for k, v in m.ins.items() if v > 0)
        if not owed:
            return
        (cid, cov), bal = data.draw(st.sampled_from(owed))
        paid = data.draw(st.integers(0, bal))
        adj = data.draw(st.integers(0, bal - paid))
        pr = data.draw(st.integers(0, bal - paid - adj))
        held = data.draw(st.booleans())
        st_["key"] += 1
        r = Remit(st_["key"], cid, cov, m.after(cov), paid, adj, pr, held, paper=op == "paper")
        if r.paper:
            r.key = _paper_eob(c, pid, r)
            m.move(cid, cov, -paid - (0 if held else adj) - pr)
            m.move(cid, r.nxt, pr)
            st_["remits"].append(r)
            return
        ledger.post_remittance(
            session=c,
            user="t",
            payer=cov,
            source=("eob", r.key),
            lines=[
                ledger.RemitLine(
                    cid,
                    paid,
                    (
                        ledger.RemitAdjustment("CO", "45", adj),
                        ledger.RemitAdjustment("PR", "2", pr),
                        ledger.RemitAdjustment("OA", "23", 999),
                    ),
                    held=held,
                )
            ],
        )
        m.move(cid, cov, -paid - (0 if held else adj) - pr)
        m.move(cid, r.nxt, pr)
        st_["remits"].append(r)
        return
    if op in ("reverse", "unpaper"):
        live = [
            r
            for r in st_["remits"]
            if not r.reversed and (r.paid or r.pr or (r.adj and not r.held))
            and r.paper == (op == "unpaper")
        ]
        if not live:
            return
        r = data.draw(st.sampled_from(live))
        if r.paper:
            _paper_reversal(c, r)
            r.reversed = True
            m.move(r.cid, r.cov, r.paid + (0 if r.held else r.adj) + r.pr)
            m.move(r.cid, r.nxt, -r.pr)
            return
        ledger.reverse(session=c, user="t", source_type="eob", source_id=r.key)
        r.reversed = True
        m.move(r.cid, r.cov, r.paid + (0 if r.held else r.adj) + r.pr)
        m.move(r.cid, r.nxt, -r.pr)
        with pytest.raises(InputError, match="already reversed"):
            ledger.reverse(session=c, user="t", source_type="eob", source_id=r.key)
        return
    if op == "pay":
        cents = data.draw(st.integers(1, 30_000))
        pay = add_payment(c, pid, cents, dt.date.today())
        st_["payments"].append((pay, cents))
        m.money += cents
        return
    if op == "unpay":
        # A reversal that leaves the patient's credit negative (money refunded from the
        # payment being reversed) leaves a debt the model does not follow.
        credit = ledger.credit_of(c, pid)

        def unapplied(pay: int) -> int:
            return -int(c.execute(text(
                "SELECT coalesce(sum(amount_cents), 0) FROM ledger_entry WHERE charge_id IS NULL"
                " AND source_type = 'payment' AND source_id = :p"), {"p": pay}).scalar_one())

        live = [(p, v) for p, v in st_["payments"]
                if m.money - v >= 0 and credit - unapplied(p) >= 0]
        if not live:
            return
        pay, cents = data.draw(st.sampled_from(live))
        st_["payments"].remove((pay, cents))
        c.execute(update(t.payment).where(t.payment.c.id == pay).values(status="reversed"))
        ledger.reverse_payment(session=c, user="t", payment_id=pay)
        m.money -= cents
        return
    credit = m.money - m.applied()
    if op == "refund":
        with pytest.raises(InputError, match="more than is held"):
            ledger.add_refund(
                session=c,
                user="t",
                account=f"L{pid:06d}",
                amount=f"{(credit + 1) / 100:.2f}",
                method="eft",
            )
        if credit <= 0:
            return
        cents = data.draw(st.integers(1, credit))
        ledger.add_refund(
            session=c, user="t", account=f"L{pid:06d}", amount=f"{cents / 100:.2f}", method="card"
        )
        m.money -= cents
        return
    if op == "write_off":
        cid = data.draw(st.sampled_from(sorted(m.share)))
        held = ledger.line_balances(c, [cid]).get(cid, {})
        insured = [(p, v) for p, v in held.items() if not p.is_patient and v > 0]
        patient = sum(v for p, v in held.items() if p.is_patient)
        who = data.draw(st.sampled_from(["patient", "insurance"]))
        if who == "insurance" and len(insured) == 1:
            party, bal = insured[0]
        elif who == "patient" and patient > 0:
            party, bal = ledger.PATIENT, patient
        else:
            return
        with pytest.raises(InputError, match="more than is owed"):
            ledger.write_off(
                session=c,
                user="t",
                amount=f"{(bal + 1) / 100:.2f}",
                reason="other",
                charge_id=cid,
                party=who,
            )
        cents = data.draw(st.integers(1, bal))
        ledger.write_off(
            session=c,
            user="t",
            amount=f"{cents / 100:.2f}",
            reason="other",
            charge_id=cid,
            party=who,
        )
        m.move(cid, party.coverage_id, -cents)
        return
    if op == "void":
        live = [cid for cid in m.share if cid not in st_["void"]]
        if not live:
            return
        cid = data.draw(st.sampled_from(live))
        amount = c.execute(t.charge.select().where(t.charge.c.id == cid)).one().amount_cents
        c.execute(update(t.charge).where(t.charge.c.id == cid).values(status="void"))
        ledger.void_charge(session=c, user="t", charge_id=cid)
        st_["void"].add(cid)
        st_["billed"].discard(cid)
        _unbill(m, st_, cid)
        m.move(cid, st_["first_holder"], -amount)
        return
    live = [cid for cid in sorted(m.share) if cid not in st_["void"]]
    if op == "correct":
        # charge update on an unbilled line: the old amount reversed as a void reverses it
        # (with any move to a claim's payer), the new amount posted as a new charge.
        unbilled = [cid for cid in live if cid not in st_["billed"]]
        if not unbilled:
            return
        cid = data.draw(st.sampled_from(unbilled))
        old = c.execute(t.charge.select().where(t.charge.c.id == cid)).one().amount_cents
        cents = data.draw(st.integers(1, 50_000).filter(lambda v: v != old))
        row = c.execute(update(t.charge).where(t.charge.c.id == cid)
                        .values(amount_cents=cents, fee_cents=cents)
                        .returning(*t.charge.c)).one()
        ledger.void_charge(session=c, user="t", charge_id=cid)
        ledger.post_charge(session=c, user="t", charge=row)
        _unbill(m, st_, cid)
        m.move(cid, st_["first_holder"], -old)
        m.move(cid, m.holder(), cents)
        return
    if op == "bill":
        # claim generate to one of the patient's coverages: what other payers hold on the line
        # moves to it (a line with a patient share is left out: its payments go back to
        # credit, which the model does not follow).
        free = [cid for cid in live if cid not in st_["billed"] and not m.share.get(cid)]
        if not free or not m.chain:
            return
        cid = data.draw(st.sampled_from(free))
        to = data.draw(st.sampled_from(m.chain))
        ledger.bill_to(session=c, user="t", charge_ids=[cid], coverage_id=to)
        for (line, cov), bal in sorted(m.ins.items()):
            if line == cid and cov != to and bal > 0:
                m.move(cid, cov, -bal)
                m.move(cid, to, bal)
                st_["bills"].setdefault(cid, []).append((cov, to, bal))
        st_["billed"].add(cid)
        return
    if op == "rebuild":
        # claim rebuild: the claim is set aside and its charges unbilled; no money moves.
        if not st_["billed"]:
            return
        cid = data.draw(st.sampled_from(sorted(st_["billed"])))
        n = c.execute(text("SELECT count(*) FROM ledger_entry")).scalar_one()
        st_["billed"].discard(cid)
        assert c.execute(text("SELECT count(*) FROM ledger_entry")).scalar_one() == n


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_ledger_random_sequences_keep_every_invariant_and_match_the_model(
    db: Db, data: Any
) -> None:
    eng = db.engine()
    try:
        with eng.connect() as c:
            tx = c.begin()
            try:
                a, b = add_payer(c, "PAYA"), add_payer(c, "PAYB")
                pid = add_patient(c, "L000000")
                c.execute(
                    text("UPDATE patient SET account = :a WHERE id = :i"),
                    {"a": f"L{pid:06d}", "i": pid},
                )
                n = data.draw(st.integers(0, 2))
                chain = [
                    add_coverage(c, pid, payer, prio)
                    for payer, prio in [(a, "primary"), (b, "secondary")][:n]
                ]
                m = Model(chain)
                state: dict[str, Any] = {
                    "patient": pid,
                    "key": 0,
                    "remits": [],
                    "payments": [],
                    "void": set(),
                    "billed": set(),
                    "bills": {},
                    "first_holder": m.holder(),
                }
                for _ in range(data.draw(st.integers(1, 14))):
                    _step(c, data, m, state)
                    _compare(c, m, pid)
            finally:
                tx.rollback()
    finally:
        eng.dispose()


# --------------------------------------------------------------------------- rules


def _world(c: Any, *, coverages: int = 1) -> tuple[int, list[int]]:
    payers = [add_payer(c, f"PAY{i}") for i in range(coverages)]
    pid = add_patient(c, "L000000")
    c.execute(text("UPDATE patient SET account = :a WHERE id = :i"), {"a": f"L{pid:06d}", "i": pid})
    covs = [
        add_coverage(c, pid, p, prio)
        for p, prio in zip(payers, ("primary", "secondary", "tertiary"), strict=False)
    ]
    return pid, covs


def test_ledger_self_pay_hundred_forty_cash_sixty_owed(db: Db) -> None:
    from medbill_cli.services.ledger_reports import ar_aging, patient_balance

    with connection(db) as c:
        pid, _ = _world(c, coverages=0)
        add_charge(c, pid, 10000, DOS)
        add_payment(c, pid, 4000, dt.date.today())
        b = patient_balance(session=c, account=f"L{pid:06d}")
        assert (b["owed_by"], b["patient_due"], b["credit"], b["balance"]) == (
            {"patient": 6000},
            6000,
            0,
            6000,
        )
        rows = ar_aging(session=c, by="patient")
        assert rows[-1]["total"] == 6000 and rows[0]["0-30"] == 6000
        assert problems(c) == []


def test_ledger_secondary_gets_the_primary_pr_then_the_patient_its_pr(db: Db) -> None:
    from medbill_cli.services import ledger
    from medbill_cli.services.ledger_reports import patient_balance

    with connection(db) as c:
        pid, (prim, sec) = _world(c, coverages=2)
        cid = add_charge(c, pid, 10000, DOS)
        add_payment(c, pid, 500, dt.date.today())  # a copay before adjudication: credit
        ledger.post_remittance(
            session=c,
            user="t",
            payer=prim,
            source=("eob", 1),
            lines=[
                ledger.RemitLine(
                    cid,
                    6000,
                    (
                        ledger.RemitAdjustment("CO", "45", 2000),
                        ledger.RemitAdjustment("PR", "1", 2000),
                    ),
                )
            ],
        )
        b = patient_balance(session=c, account=f"L{pid:06d}")
        assert b["owed_by"] == {"PAY1:secondary": 2000} and b["credit"] == 500
        ledger.post_remittance(
            session=c,
            user="t",
            payer=sec,
            source=("eob", 2),
            lines=[
                ledger.RemitLine(
                    cid,
                    1200,
                    (
                        ledger.RemitAdjustment("OA", "23", 8000),
                        ledger.RemitAdjustment("PR", "2", 800),
                    ),
                )
            ],
        )
        b = patient_balance(session=c, account=f"L{pid:06d}")
        assert b["owed_by"] == {"patient": 300} and b["credit"] == 0
        assert (b["insurance_paid"], b["adjustments"], b["patient_paid"]) == (7200, 2000, 500)
        assert problems(c) == []


def test_ledger_claim_level_amounts_spread_over_the_lines_to_the_cent(db: Db) -> None:
    from medbill_cli.services import ledger

    with connection(db) as c:
        pid, (cov,) = _world(c)
        ids = [add_charge(c, pid, cents, DOS) for cents in (10000, 5000, 1)]
        ledger.post_remittance(
            session=c,
            user="t",
            payer=cov,
            source=("eob", 1),
            lines=[],
            claim_charge_ids=ids,
            claim_paid_cents=10001,
            claim_adjustments=[
                ledger.RemitAdjustment("CO", "45", 3000),
                ledger.RemitAdjustment("PR", "1", 2000),
            ],
        )
        lines = ledger.line_balances(c, ids)
        insured = {cid: v for cid, ps in lines.items() for p, v in ps.items() if not p.is_patient}
        patient = {cid: v for cid, ps in lines.items() for p, v in ps.items() if p.is_patient}
        assert sum(insured.values()) == 0 and sum(patient.values()) == 2000
        assert patient == {ids[0]: 1333, ids[1]: 667}  # 2000 by 10000 : 5000 : 1, largest remainder
        with pytest.raises(Exception, match="no charge line"):
            ledger.post_remittance(
                session=c, user="t", payer=cov, source=("eob", 2), lines=[], claim_paid_cents=5
            )
        assert problems(c) == []


def test_ledger_reversal_of_a_reversal_is_refused(db: Db) -> None:
    from medbill_cli.errors import InputError
    from medbill_cli.services import ledger

    with connection(db) as c:
        pid, (cov,) = _world(c)
        cid = add_charge(c, pid, 10000, DOS)
        ledger.post_remittance(
            session=c,
            user="t",
            payer=cov,
            source=("eob", 1),
            lines=[ledger.RemitLine(cid, 8000, ())],
        )
        ledger.reverse(session=c, user="t", source_type="eob", source_id=1, by=("eob", 2))
        with pytest.raises(InputError, match="a reversal cannot be reversed"):
            ledger.reverse(session=c, user="t", source_type="eob", source_id=2)
        with pytest.raises(InputError, match="already reversed"):
            ledger.reverse(session=c, user="t", source_type="eob", source_id=1)
        with pytest.raises(InputError, match="no ledger entries"):
            ledger.reverse(session=c, user="t", source_type="eob", source_id=3)
        assert list(ledger.line_balances(c, [cid])[cid].values()) == [10000]
        assert problems(c) == []


def test_ledger_charge_dated_in_a_closed_period_posts_in_the_open_one(db: Db) -> None:
    from sqlalchemy import select

    from medbill_cli.db import tables as t
    from medbill_cli.services import ledger

    with connection(db) as c:
        pid, _ = _world(c, coverages=0)
        through = dt.date.today() - dt.timedelta(days=5)
        ledger.close_period(session=c, user="t", through=through)
        cid = add_charge(c, pid, 2500, through - dt.timedelta(days=3))
        row = c.execute(select(t.ledger_entry).where(t.ledger_entry.c.charge_id == cid)).one()
        assert row.posted_on == through + dt.timedelta(days=1)
        assert row.service_date == through - dt.timedelta(days=3)
        assert problems(c) == []


def test_ledger_bulk_posting_reads_back_as_written(db: Db) -> None:
    """Many entries at once take the fast path (COPY, or plain tuples on SQLite)."""
    from sqlalchemy import insert, select

    from medbill_cli.db import tables as t
    from medbill_cli.services import ledger
    from medbill_cli.services.ledger_reports import patient_balance

    with connection(db) as c:
        pid, (cov,) = _world(c)
        enc = c.execute(
            insert(t.encounter)
            .values(patient_id=pid, date_of_service=DOS, source="charge")
            .returning(t.encounter.c.id)
        )
        eid = enc.scalar_one()
        rows = [
            c.execute(
                insert(t.charge)
                .values(
                    encounter_id=eid,
                    patient_id=pid,
                    date_of_service=DOS,
                    code="99213",
                    fee_cents=100 + i,
                    amount_cents=100 + i,
                    dx_pointers="1",
                    status="unbilled",
                )
                .returning(*t.charge.c)
            ).one()
            for i in range(80)
        ]
        assert ledger.post_charges(session=c, user="bulk", charges=rows) == 80
        got = list(c.execute(select(t.ledger_entry).order_by(t.ledger_entry.c.id)))
        assert [
            (r.charge_id, r.amount_cents, r.coverage_id, r.posted_on, r.service_date) for r in got
        ] == [(r.id, r.amount_cents, cov, DOS, DOS) for r in rows]
        assert got[0].created_at.tzinfo is not None and got[0].created_by == "bulk"
        b = patient_balance(session=c, account=f"L{pid:06d}")
        assert b["charges"] == sum(100 + i for i in range(80)) == b["balance"]
        assert problems(c) == []


def test_ledger_statement_lines_and_day_totals(db: Db) -> None:
    from medbill_cli.services import ledger
    from medbill_cli.services.ledger_reports import account_lines, kind_sums, patient_balance

    with connection(db) as c:
        pid, (cov,) = _world(c)
        a = add_charge(c, pid, 10000, DOS)
        b = add_charge(c, pid, 4000, DOS + dt.timedelta(days=1))
        ledger.post_remittance(
            session=c,
            user="t",
            payer=cov,
            source=("eob", 1),
            lines=[
                ledger.RemitLine(
                    a,
                    7000,
                    (
                        ledger.RemitAdjustment("CO", "45", 2000),
                        ledger.RemitAdjustment("PR", "1", 1000),
                    ),
                )
            ],
        )
        add_payment(c, pid, 600, dt.date.today())
        ledger.reverse(session=c, user="t", source_type="eob", source_id=1, by=("eob", 2))
        ledger.post_remittance(
            session=c,
            user="t",
            payer=cov,
            source=("eob", 3),
            lines=[
                ledger.RemitLine(
                    a,
                    6000,
                    (
                        ledger.RemitAdjustment("CO", "45", 2500),
                        ledger.RemitAdjustment("PR", "1", 1500),
                    ),
                )
            ],
        )
        lines = account_lines(session=c, account=f"L{pid:06d}")
        assert [
            (
                r["charge"],
                r["charges"],
                r["insurance_paid"],
                r["adjustments"],
                r["patient_paid"],
                r["owed_by"],
                r["patient_due"],
            )
            for r in lines
        ] == [
            (a, 10000, 6000, 2500, 600, {"patient": 900}, 900),
            (b, 4000, 0, 0, 0, {"PAY0:primary": 4000}, 0),
        ]
        bal = patient_balance(session=c, account=f"L{pid:06d}")
        assert bal["patient_due"] == 900 and bal["credit"] == 0
        day = kind_sums(c, start=dt.date.today(), end=dt.date.today())
        assert (day["insurance_payment"], day["contractual"], day["patient_payment"]) == (
            -6000,
            -2500,
            -600,
        )
        assert "reversal" not in day and day["transfer"] == 0
        assert problems(c) == []


def test_ledger_bill_to_moves_a_self_pay_line_to_the_payer_and_its_payment_to_credit(
    db: Db,
) -> None:
    from medbill_cli.services import ledger
    from medbill_cli.services.ledger_reports import patient_balance

    with connection(db) as c:
        pid, _ = _world(c, coverages=0)
        cid = add_charge(c, pid, 10000, DOS)  # no coverage yet: the patient's
        add_payment(c, pid, 4000, dt.date.today())
        acct = f"L{pid:06d}"
        assert patient_balance(session=c, account=acct)["owed_by"] == {"patient": 6000}
        cov = add_coverage(c, pid, add_payer(c, "LATE1"))
        assert ledger.bill_to(session=c, user="t", charge_ids=[cid], coverage_id=cov) == 4
        b = patient_balance(session=c, account=acct)
        assert (b["owed_by"], b["credit"]) == ({"LATE1:primary": 10000}, 4000)
        assert ledger.bill_to(session=c, user="t", charge_ids=[cid], coverage_id=cov) == 0
        ledger.post_remittance(
            session=c,
            user="t",
            payer=cov,
            source=("eob", 1),
            lines=[ledger.RemitLine(cid, 5000, (ledger.RemitAdjustment("PR", "2", 5000),))],
        )
        b = patient_balance(session=c, account=acct)
        assert (b["owed_by"], b["credit"], b["balance"]) == ({"patient": 1000}, 0, 1000)
        assert problems(c) == []
        # A void takes the charge from whoever holds it, after undoing the move.
        from sqlalchemy import update

        from medbill_cli.db import tables as t

        other = add_charge(c, pid, 2500, DOS, post=False)
        row = c.execute(t.charge.select().where(t.charge.c.id == other)).one()
        ledger.post_charge(session=c, user="t", charge=row, chain=[])  # entered as self-pay
        assert ledger.bill_to(session=c, user="t", charge_ids=[other], coverage_id=cov) == 2
        c.execute(update(t.charge).where(t.charge.c.id == other).values(status="void"))
        assert ledger.void_charge(session=c, user="t", charge_id=other) == 3
        assert set(ledger.line_balances(c, [other])[other].values()) == {0}
        assert problems(c) == []


def test_ledger_posts_through_an_orm_session_as_the_write_paths_will(db: Db) -> None:
    """payments.py and remit.py hold a Session and ORM rows, not a Core connection."""
    from sqlmodel import Session

    from medbill_cli.db.models import Payment
    from medbill_cli.services import ledger
    from medbill_cli.services.ledger_reports import patient_balance

    with connection(db) as c:
        pid, (cov,) = _world(c)
        cid = add_charge(c, pid, 10000, DOS)
    eng = db.engine()
    try:
        with Session(eng) as s:
            pay = Payment(patient_id=pid, date=dt.date.today(), amount_cents=2500, method="cash")
            s.add(pay)
            s.flush()
            assert ledger.post_patient_payment(session=s, user="orm", payment=pay) == 1
            ledger.post_remittance(
                session=s,
                user="orm",
                payer=cov,
                source=("eob", 1),
                lines=[
                    ledger.RemitLine(
                        cid,
                        6000,
                        (
                            ledger.RemitAdjustment("CO", "45", 1500),
                            ledger.RemitAdjustment("PR", "3", 2500),
                        ),
                    )
                ],
            )
            ledger.reverse_payment(session=s, user="orm", payment_id=pay.id)
            pay.status = "reversed"
            s.commit()
    finally:
        eng.dispose()
    with connection(db) as c:
        b = patient_balance(session=c, account=f"L{pid:06d}")
        assert (b["owed_by"], b["credit"], b["patient_paid"]) == ({"patient": 2500}, 0, 0)
        assert problems(c) == []
