"""Collections and payment plans: the end of the dunning cycle, and the way around it.

``collections send`` writes the patient's balance off as bad debt (one write-off through
``services/ledger.py``, reason ``bad-debt``, the note the reason given) and records the
account as in collections: it gets no more statements. Money received later (a patient
payment, e.g. forwarded by the agency) first pays any new balance, as every payment does; the
rest is a bad-debt recovery: the write-off is undone for that amount and the payment pays it,
so the ledger shows the money as recovered bad debt, not as a credit. Once all of it is
recovered the account leaves collections (status ``recovered``); reversing the write-off
(``adjust --reverse``) takes it out too (status ``reversed``).

``plan add`` puts an account on a monthly payment plan (``services/statements.py`` asks for
the month's amount instead of dunning).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from medbill_cli.dates import today
from medbill_cli.db import tables as t
from medbill_cli.errors import InputError
from medbill_cli.money import amount_cents, fmt
from medbill_cli.services import audit, ledger
from medbill_cli.services.records import RowRecord

if TYPE_CHECKING:
    from medbill_cli.services.ledger import Executor


def _active(session: Executor, patient_id: int) -> Any:
    """The patient's collection in force: active, its write-off not reversed."""
    c, a = t.collection, t.adjustment
    return session.execute(select(c).join(a, a.c.id == c.c.adjustment_id).where(
        c.c.patient_id == patient_id, c.c.status == "active", a.c.status == "posted")).first()


def _owed(session: Executor, account: str, day: dt.date) -> tuple[Any, int, int]:
    """The patient row, what they owe on their lines and their credit (cents)."""
    from medbill_cli.services.ledger_reports import _patient, patient_balance

    p = _patient(session, account)
    bal = patient_balance(session=session, account=p.account, as_of=day)
    return p, int(bal["patient_due"]), int(bal["credit"])


def send(*, session: Executor, user: str, account: str, reason: str,
         date: dt.date | None = None) -> dict[str, Any]:
    """Send an account to collections: its patient balance is written off as bad debt.

    Refused: no patient balance, a credit, already in collections.

    Returns:
        The collection as a dict (amount in cents).
    """
    from medbill_cli import validate as v

    why = v.reason(reason, needed_for="Sending an account to collections", max_len=200)
    day = date or today()
    ledger.lock(session)
    p, due, credit = _owed(session, account, day)
    if _active(session, p.id) is not None:
        raise InputError(f"{p.account} is already in collections", "See medbill collections list")
    if credit > 0:
        raise InputError(f"{p.account} has a credit of {fmt(credit)}",
                         "Apply or refund the credit first (medbill credit list)")
    if due <= 0:
        raise InputError(f"{p.account} has no patient balance to send to collections",
                         "See medbill patient balance")
    adj = ledger.write_off_patient_balance(session=session, user=user, patient_id=p.id,
                                           reason="bad-debt", note=f"Collections: {why}",
                                           date=day)
    row = session.execute(insert(t.collection).values(
        patient_id=p.id, adjustment_id=adj["id"], amount_cents=adj["amount_cents"], reason=why,
        sent_on=day, status="active", created_by=user).returning(*t.collection.c)).one()
    audit.record(session=session, user=user, action="create", entity="collection",
                 entity_id=row.id, after=audit.snapshot(RowRecord.of(row)))
    return {**dict(row._mapping), "account": p.account}


def recover(*, session: Executor, user: str, patient_id: int, date: dt.date) -> int:
    """After a payment on an account in collections: post what the payment left as credit as
    a bad-debt recovery (at most what is still written off). Returns the cents recovered."""
    c = _active(session, patient_id)
    if c is None:
        return 0
    before = ledger.recovered_cents(session, c.adjustment_id)
    left = int(c.amount_cents) - before
    credit = ledger.credit_of(session, patient_id)
    take = min(left, credit)
    if take <= 0:
        return 0
    ledger.recover_bad_debt(session=session, user=user, adjustment_id=c.adjustment_id,
                            amount=take, date=date)
    got = ledger.recovered_cents(session, c.adjustment_id) - before
    after: dict[str, Any] = {"recovered": fmt(before + got)}
    if before + got >= int(c.amount_cents):
        session.execute(update(t.collection).where(t.collection.c.id == c.id)
                        .values(status="recovered"))
        after["status"] = "recovered"
    audit.record(session=session, user=user, action="recover", entity="collection",
                 entity_id=c.id, before={"recovered": fmt(before)}, after=after)
    return got


def unrecover(*, session: Executor, user: str, patient_id: int) -> int:
    """After a payment on an account in collections is reversed: what it had recovered is
    bad debt again. Returns the cents written off again."""
    c, a = t.collection, t.adjustment
    row = session.execute(
        select(c).join(a, a.c.id == c.c.adjustment_id)
        .where(c.c.patient_id == patient_id, c.c.status.in_(("active", "recovered")),
               a.c.status == "posted").order_by(c.c.id.desc())).first()
    if row is None:
        return 0
    before = ledger.recovered_cents(session, row.adjustment_id)
    ledger.unrecover_bad_debt(session=session, user=user, adjustment_id=row.adjustment_id)
    after = ledger.recovered_cents(session, row.adjustment_id)
    if after == before:
        return 0
    if row.status == "recovered" and after < int(row.amount_cents):
        session.execute(update(c).where(c.c.id == row.id).values(status="active"))
    audit.record(session=session, user=user, action="unrecover", entity="collection",
                 entity_id=row.id, before={"recovered": fmt(before), "status": row.status},
                 after={"recovered": fmt(after), "status": "active"
                        if after < int(row.amount_cents) else row.status})
    return before - after


def list_collections(*, session: Executor) -> list[dict[str, Any]]:
    """Accounts sent to collections, oldest first, with what was recovered since."""
    c, p, a = t.collection, t.patient, t.adjustment
    q = (select(c, p.c.account, a.c.status.label("write_off"))
         .join(p, p.c.id == c.c.patient_id).join(a, a.c.id == c.c.adjustment_id)
         .order_by(c.c.sent_on, c.c.id))
    out = []
    for r in session.execute(q):
        # A reversed write-off (adjust --reverse) takes the account out of collections.
        reversed_ = r.write_off != "posted"
        got = 0 if reversed_ else ledger.recovered_cents(session, r.adjustment_id)
        out.append({"id": r.id, "account": r.account, "sent_on": r.sent_on,
                    "amount": fmt(r.amount_cents), "recovered": fmt(got),
                    "outstanding": fmt(0 if reversed_ else int(r.amount_cents) - got),
                    "status": "reversed" if reversed_ else r.status,
                    "reason": r.reason, "adjustment": r.adjustment_id, "user": r.created_by})
    return out


# --------------------------------------------------------------------------- plans


def add_plan(*, session: Executor, user: str, account: str, monthly: str | Decimal,
             start: dt.date) -> dict[str, Any]:
    """Put an account on a monthly payment plan from ``start``.

    Refused: an amount of zero or more than the balance, no balance, an account in
    collections or already on an active plan.

    Returns:
        The plan as a dict (amounts in cents).
    """
    from medbill_cli.services.statements import active_plans

    cents = amount_cents(monthly, "--monthly", allow_zero=False)
    day = today()
    p, due, credit = _owed(session, account, day)
    balance = due - credit
    if _active(session, p.id) is not None:
        raise InputError(f"{p.account} is in collections", "A plan cannot be set up on it")
    if active_plans(session, [p.id]):
        raise InputError(f"{p.account} already has an active payment plan",
                         "See medbill plan list")
    if balance <= 0:
        raise InputError(f"{p.account} has no patient balance for a plan",
                         "See medbill patient balance")
    if cents > balance:
        raise InputError(f"--monthly {fmt(cents)} is more than the balance of {fmt(balance)}",
                         "Give a monthly amount of at most the balance")
    row = session.execute(insert(t.payment_plan).values(
        patient_id=p.id, monthly_cents=cents, start_on=start, balance_cents=balance,
        status="active", created_by=user).returning(*t.payment_plan.c)).one()
    audit.record(session=session, user=user, action="create", entity="payment_plan",
                 entity_id=row.id, after=audit.snapshot(RowRecord.of(row)))
    return {**dict(row._mapping), "account": p.account}


def list_plans(*, session: Executor, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Every plan with where it stands on ``as_of`` (default today)."""
    from medbill_cli.services.statements import _patient_totals, plan_state, reductions

    day = as_of or today()
    pp, p = t.payment_plan, t.patient
    rows = list(session.execute(select(pp, p.c.account).join(p, p.c.id == pp.c.patient_id)
                                .order_by(pp.c.id)))
    ids = [r.patient_id for r in rows]
    totals = _patient_totals(session, day, ids)
    since = min((r.start_on for r in rows), default=day)
    moved = reductions(session, ids, since, day)
    out = []
    for r in rows:
        due, credit = totals.get(r.patient_id, (0, 0))
        pays = [(d, c) for d, kind, c in moved.get(r.patient_id, []) if kind == "payment"]
        st = plan_state(r, pays, due - credit, day)
        out.append({"id": r.id, "account": r.account, "monthly": fmt(r.monthly_cents),
                    "start": r.start_on, "balance_at_start": fmt(r.balance_cents),
                    "paid": fmt(st.paid), "balance": fmt(due - credit),
                    "due_this_month": fmt(st.month_due), "status": st.status,
                    "ended_on": st.missed_end if st.status == "missed" else r.ended_on,
                    "user": r.created_by})
    return out
