"""Money through charge entry: amounts parse exactly, and totals stay exact under any sequence
of charges, voids and payments (property tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from charge_support import charging, charging_sqlite  # noqa: F401
from conftest import Cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medbill_cli.money import D, fmt, from_cents, parse_amount, to_cents


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("125", 12500),
        ("125.5", 12550),
        ("$1,250.00", 125000),
        ("0.01", 1),
        ("$999,999.99", 99999999),
    ],
)
def test_money_parse_exact_cents(text: str, cents: int) -> None:
    assert to_cents(parse_amount(text)) == cents


def test_money_fee_and_payment_store_exact_cents(charging: Cli) -> None:
    charging.ok("fee", "set", "99214", "$1,250.00")
    charging.ok("charge", "add", "--patient", "P000001", "--date", "today", "--code", "99214",
                "--units", "999", "--dx", "I10")
    assert charging.db.scalar("SELECT amount_cents FROM charge") == 125000 * 999
    assert charging.json("charge", "list")[0]["amount"] == "1248750.00"  # type: ignore[index]
    charging.ok(
        "payment", "add", "--patient", "P000001", "--amount", "$1,250.00", "--method", "cash"
    )
    assert charging.db.scalar("SELECT amount_cents FROM payment") == 125000


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), st.integers(0, 10**7), st.integers(1, 999), st.integers(0, 3)),
        st.tuples(st.just("void"), st.integers(0, 50)),
        st.tuples(st.just("payment"), st.integers(1, 10**7),
                  st.sampled_from(["cash", "card", "eft"])),
    ),
    min_size=1,
    max_size=12,
)


def _totals(session) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import func
    from sqlmodel import select

    from medbill_cli.db.models import Charge, Payment

    live = session.exec(select(func.coalesce(func.sum(Charge.amount_cents), 0))
                        .where(Charge.status != "void")).one()
    void = session.exec(select(func.coalesce(func.sum(Charge.amount_cents), 0))
                        .where(Charge.status == "void")).one()
    paid = session.exec(select(func.coalesce(func.sum(Payment.amount_cents), 0))).one()
    return int(live), int(void), int(paid)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_money_totals_exact_under_any_sequence(charging_sqlite: Cli, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    from medbill_cli.db.engine import make_engine, session_scope
    from medbill_cli.services.charges import ChargeRequest, add_charge, list_charges, void_charge
    from medbill_cli.services.payments import add_payment

    eng = make_engine(charging_sqlite.db.url)
    try:
        with session_scope(eng) as s:
            base_live, base_void, base_paid = _totals(s)
        live, void, paid = base_live, base_void, base_paid
        mine: list[tuple[int, int]] = []  # (charge id, amount cents) entered by this example
        for op in ops:
            with session_scope(eng) as s:
                if op[0] == "charge":
                    _, fee, units, day = op
                    res = add_charge(session=s, user="prop", request=ChargeRequest(
                        patient="P000001", date=dt.date(2024, 1, 1 + day), code="99214", dx=["I10"],
                        units=units, fee=from_cents(fee)))
                    assert res.charge.id is not None and res.charge.amount_cents == fee * units
                    mine.append((res.charge.id, fee * units))
                    live += fee * units
                elif op[0] == "void":
                    if not mine:
                        continue
                    cid, amount = mine.pop(op[1] % len(mine))
                    void_charge(session=s, user="prop", charge_id=cid, reason="property test")
                    live -= amount
                    void += amount
                else:
                    _, cents, method = op
                    add_payment(session=s, user="prop", patient="P000001", amount=fmt(cents),
                                method=method, kind="prepayment", date=dt.date(2024, 1, 5))
                    paid += cents
        with session_scope(eng, write=False) as s:
            assert _totals(s) == (live, void, paid)
            views = list_charges(session=s, status="unbilled")
            listed = sum((parse_amount(v.charge.amount_cents and fmt(v.charge.amount_cents) or "0")
                          for v in views), D(0))
            assert to_cents(listed) == live
            assert sum(
                Decimal(fmt(v.charge.fee_cents)) * v.charge.units for v in views
            ) == from_cents(live)
    finally:
        eng.dispose()
