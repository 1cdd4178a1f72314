"""Patient statements: who gets one, at which dunning level, and the recorded runs.

Balances come from the ledger only (``ledger_reports.accounts_lines``): what the patient owes
on their lines less their unapplied credit. A patient gets a statement when that is at least
``--min-balance`` and more than zero, and the account is not in collections; a balance still
with insurance, a zero balance and a credit get none.

Dunning: an account's cycle starts with its first statement; the level follows the days from
that day to the run's as-of day (the practice's ``dunning_*_days``: second at 30, final at 60,
proposed for collections at 90). A proposed account gets no statement; the biller decides
with ``collections send``. A same-day rerun finds the same days, so the level does not
advance. A new cycle starts when the patient has paid (or had written off) at least the last
statement's balance since it was sent, or after a payment plan.

Payment plans: an account on an active plan gets a plan statement asking for this month's
amount instead. A month (counted from the plan's start day) in which the patient paid less
than the monthly amount (or than what was left, if less) breaks the plan: the run marks it
missed and the account drops back into the cycle with a first statement.

A run is recorded (``statement_run``, one ``statement_item`` per account with its level and
amounts) after the PDF is written beside its target and before it is renamed into place.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from medbill_cli.dates import today
from medbill_cli.db import tables as t
from medbill_cli.db.dialect import insert_many
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError, NotFoundError
from medbill_cli.money import amount_cents, fmt

if TYPE_CHECKING:
    from medbill_cli.forms.statement import StatementDoc
    from medbill_cli.services.ledger import Executor

LEVELS = ("first", "second", "final", "collections")
MESSAGES = {
    "first": "Thank you for choosing us. This statement shows the services we provided, what "
             "your insurance paid, and the balance that is now yours to pay. Please pay it "
             "within 30 days.",
    "second": "Second notice: we have not received payment of the balance on our last "
              "statement. Please pay it now, or call us to set up a payment plan.",
    "final": "FINAL NOTICE: your account is seriously past due. Unless it is paid or a payment "
             "plan is arranged within 30 days, it may be referred to a collection agency.",
    "plan": "You are on a payment plan. Please pay at least this month's amount by the end of "
            "the plan month; a missed month ends the plan and the full balance becomes due.",
    "none": "This statement shows the services we provided and your account's balance.",
}
PLAN_MISSED_NOTE = ("Your payment plan has ended because a monthly payment was missed; the "
                    "full balance is now due.")
NO_ADDRESS_NOTE = "no mailing address"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def bucket4(age: int) -> int:
    """A statement's aging column: 0 current (0-30 days), 1 31-60, 2 61-90, 3 over 90."""
    return 0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class PlanState:
    status: str  # active|missed|paid
    month_start: dt.date | None  # the current plan month's first day (None: not started)
    month_due: int  # cents still asked for this month
    paid: int  # paid since the plan's start
    missed_end: dt.date | None  # the last day of the month missed


def plan_state(plan: Any, payments: Sequence[tuple[dt.date, int]], due_now: int,
               day: dt.date) -> PlanState:
    """Where a plan stands on ``day`` from the patient's payments (date, cents) and balance."""
    start, monthly = plan.start_on, int(plan.monthly_cents)
    paid_total = sum(c for d, c in payments if start <= d <= day)
    if plan.status == "missed":
        return PlanState("missed", None, 0, paid_total, plan.ended_on)
    if due_now <= 0:
        return PlanState("paid", None, 0, paid_total, None)
    if day < start:
        return PlanState("active", None, min(monthly, due_now), 0, None)
    k, before = 0, 0
    while add_months(start, k + 1) <= day:
        lo, hi = add_months(start, k), add_months(start, k + 1)
        got = sum(c for d, c in payments if lo <= d < hi)
        need = min(monthly, max(int(plan.balance_cents) - before, 0))
        if got < need:
            return PlanState("missed", None, 0, paid_total, hi - dt.timedelta(days=1))
        before += got
        k += 1
    lo = add_months(start, k)
    got = sum(c for d, c in payments if lo <= d <= day)
    return PlanState("active", lo, max(min(monthly, due_now) - got, 0), paid_total, None)


# --------------------------------------------------------------------------- reading


def practice_row(session: Executor) -> Any:
    row = session.execute(select(t.practice).order_by(t.practice.c.id).limit(1)).first()
    if row is None:
        raise NotFoundError("The practice is not set up", "Run medbill practice set first")
    return row


def _patient_totals(session: Executor, day: dt.date, patient_ids: Sequence[int] | None = None
                    ) -> dict[int, tuple[int, int]]:
    """Patient -> (what they owe on their lines, their credit), from the ledger."""
    e = t.ledger_entry
    q = (select(e.c.patient_id, e.c.charge_id.is_(None).label("loose"),
                func.sum(e.c.amount_cents).label("cents"))
         .where(e.c.coverage_id.is_(None), e.c.posted_on <= day)
         .group_by(e.c.patient_id, e.c.charge_id.is_(None)))
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    parts: list[Sequence[int] | None] = (list(chunks(sorted(set(patient_ids))))
                                         if patient_ids is not None else [None])
    for part in parts:
        qq = q if part is None else q.where(e.c.patient_id.in_(part))
        for r in session.execute(qq):
            if r.loose:
                out[r.patient_id][1] -= int(r.cents)
            else:
                out[r.patient_id][0] += int(r.cents)
    return {k: (v[0], v[1]) for k, v in out.items()}


def in_collections(session: Executor) -> set[int]:
    """Patients in collections: an active collection whose write-off stands."""
    c, a = t.collection, t.adjustment
    return set(session.execute(select(c.c.patient_id).join(a, a.c.id == c.c.adjustment_id)
                               .where(c.c.status == "active", a.c.status == "posted")).scalars())


def active_plans(session: Executor, patient_ids: Sequence[int] | None = None) -> dict[int, Any]:
    pp = t.payment_plan
    q = select(pp).where(pp.c.status == "active").order_by(pp.c.id)
    out: dict[int, Any] = {}
    for part in (chunks(sorted(set(patient_ids))) if patient_ids is not None else [None]):
        qq = q if part is None else q.where(pp.c.patient_id.in_(part))
        out.update({r.patient_id: r for r in session.execute(qq)})
    return out


def reductions(session: Executor, patient_ids: Sequence[int], since: dt.date, day: dt.date
               ) -> dict[int, list[tuple[dt.date, str, int]]]:
    """Patient -> [(day, source type, cents)]: what patient payments (``payment``) and
    write-offs of the patient's share (``adjustment``) took off the account, by day."""
    e = t.ledger_entry
    out: dict[int, list[tuple[dt.date, str, int]]] = defaultdict(list)
    for part in chunks(sorted(set(patient_ids))):
        q = (select(e.c.patient_id, e.c.posted_on, e.c.source_type,
                    func.sum(e.c.amount_cents).label("cents"))
             .where(e.c.patient_id.in_(part), e.c.coverage_id.is_(None),
                    e.c.source_type.in_(("payment", "adjustment")),
                    e.c.posted_on >= since, e.c.posted_on <= day)
             .group_by(e.c.patient_id, e.c.posted_on, e.c.source_type))
        for r in session.execute(q):
            if int(r.cents):
                out[r.patient_id].append((r.posted_on, r.source_type, -int(r.cents)))
    return out


def _last_items(session: Executor, patient_ids: Sequence[int], day: dt.date) -> dict[int, Any]:
    """Each patient's latest statement item in a run as of ``day`` or earlier."""
    si, sr = t.statement_item, t.statement_run
    out: dict[int, Any] = {}
    for part in chunks(sorted(set(patient_ids))):
        q = (select(si.c.patient_id, si.c.level, si.c.cycle_start, si.c.due_cents,
                    sr.c.as_of, si.c.id)
             .join(sr, sr.c.id == si.c.run_id)
             .where(si.c.patient_id.in_(part), sr.c.as_of <= day)
             .order_by(sr.c.as_of, si.c.id))
        for r in session.execute(q):
            out[r.patient_id] = r
    return out


# --------------------------------------------------------------------------- deciding


@dataclass
class Candidate:
    """One account a run would send a statement to (or propose for collections)."""

    patient_id: int
    account: str
    level: str
    cycle_start: dt.date
    due: int  # the balance: patient's share less credit
    patient_due: int
    credit: int
    aging: tuple[int, int, int, int]
    plan: Any = None
    plan_due: int | None = None
    plan_missed: Any = None  # a plan this run finds missed (row), with ``missed_end``
    missed_end: dt.date | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0

    @property
    def amount_due(self) -> int:
        return self.plan_due if self.plan_due is not None else self.due

    def public(self) -> dict[str, Any]:
        return {"account": self.account, "level": self.level,
                "cycle_start": self.cycle_start, "balance": fmt(self.due),
                "amount_due": fmt(self.amount_due),
                "current": fmt(self.aging[0]), "days_31_60": fmt(self.aging[1]),
                "days_61_90": fmt(self.aging[2]), "days_over_90": fmt(self.aging[3]),
                "plan": self.plan.id if self.plan is not None else None}


def _levels_of(practice: Any) -> tuple[int, int, int]:
    return (int(practice.dunning_second_days), int(practice.dunning_final_days),
            int(practice.dunning_collections_days))


def dunning_level(days: int, practice: Any) -> str:
    second, final, collections = _levels_of(practice)
    if days >= collections:
        return "collections"
    if days >= final:
        return "final"
    if days >= second:
        return "second"
    return "first"


def _aging(lines: Sequence[dict[str, Any]], day: dt.date) -> tuple[int, int, int, int]:
    out = [0, 0, 0, 0]
    for ln in lines:
        if ln["patient_due"]:
            out[bucket4((day - ln["date"]).days)] += ln["patient_due"]
    return (out[0], out[1], out[2], out[3])


def candidates(*, session: Executor, as_of: dt.date | None = None, min_balance: int = 0,
               patient_ids: Sequence[int] | None = None, force: bool = False
               ) -> list[Candidate]:
    """The accounts a statement run would cover, with their level and amounts (reads only).

    Args:
        session: a session or connection.
        as_of: the statement date: entries posted up to it (default today).
        min_balance: cents; a smaller balance gets no statement.
        patient_ids: only these patients (default every patient).
        force: keep an account that would get no statement (``patient statement``), at
            level ``none`` unless it has one.

    Returns:
        Candidates by account number.
    """
    day = as_of or today()
    practice = practice_row(session)
    totals = _patient_totals(session, day, patient_ids)
    gone = in_collections(session)
    chosen: dict[int, tuple[int, int, int]] = {}
    for pid, (pdue, credit) in totals.items():
        due = pdue - credit
        if not force and (due <= 0 or due < min_balance or pid in gone):
            continue
        chosen[pid] = (due, pdue, credit)
    if force:
        for pid in patient_ids or ():
            chosen.setdefault(pid, (0, 0, 0))
    if not chosen:
        return []
    ids = sorted(chosen)
    plans = active_plans(session, ids)
    last = _last_items(session, ids, day)
    since = [r.as_of for r in last.values()] + [p.start_on for p in plans.values()]
    moved = reductions(session, ids, min(since, default=day), day)
    lines = _lines(session, ids, day)
    accounts = _accounts(session, ids)
    out: list[Candidate] = []
    for pid in ids:
        due, pdue, credit = chosen[pid]
        c = Candidate(pid, accounts[pid], "first", day, due, pdue, credit,
                      _aging(lines.get(pid, []), day), lines=lines.get(pid, []))
        plan = plans.get(pid)
        if plan is not None:
            pays = [(d, cents) for d, kind, cents in moved.get(pid, []) if kind == "payment"]
            st = plan_state(plan, pays, due, day)
            if st.status == "active":
                c.level, c.plan, c.plan_due = "plan", plan, st.month_due
                if force or st.month_due > 0:
                    out.append(c)
                continue
            if st.status == "missed":
                c.plan_missed, c.missed_end = plan, st.missed_end
        prev = last.get(pid)
        if prev is not None and prev.level != "plan" and c.plan_missed is None:
            settled = sum(cents for d, _, cents in moved.get(pid, []) if d > prev.as_of)
            if settled < int(prev.due_cents):
                c.cycle_start = prev.cycle_start
        c.level = dunning_level((day - c.cycle_start).days, practice)
        if force and due <= 0:
            c.level = "none"
        out.append(c)
    out.sort(key=lambda x: x.account)
    return out


def _lines(session: Executor, ids: Sequence[int], day: dt.date
           ) -> dict[int, list[dict[str, Any]]]:
    from medbill_cli.services.ledger_reports import accounts_lines

    return accounts_lines(session, ids, as_of=day)


def _accounts(session: Executor, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for part in chunks(sorted(set(ids))):
        out.update({r.id: r.account for r in session.execute(
            select(t.patient.c.id, t.patient.c.account).where(t.patient.c.id.in_(part)))})
    return out


# --------------------------------------------------------------------------- rendering


def _city_line(city: str | None, state: str | None, zip_: str | None) -> str:
    z = zip_ or ""
    z = f"{z[:5]}-{z[5:]}" if len(z) == 9 else z
    return f"{city or ''}, {state or ''} {z}".strip(" ,")


def docs_for(session: Executor, cands: Sequence[Candidate], day: dt.date
             ) -> tuple[list[StatementDoc], int]:
    """The statements of ``cands`` (proposed accounts aside), and how many lack an address."""
    from medbill_cli.forms.statement import Address, StatementDoc, StatementLine

    pr = practice_row(session)
    practice = Address(pr.name, tuple(x for x in (
        pr.address, pr.address2, _city_line(pr.city, pr.state, pr.zip)) if x))
    remit = Address(pr.remit_name or pr.name, (
        pr.remit_address, _city_line(pr.remit_city, pr.remit_state, pr.remit_zip))
        if pr.remit_address else practice.lines)
    phone = pr.phone
    if phone and len(phone) == 10:
        phone = f"({phone[:3]}) {phone[3:6]}-{phone[6:]}"
    pt = t.patient
    people: dict[int, Any] = {}
    ids = [c.patient_id for c in cands]
    for part in chunks(sorted(set(ids))):
        q = select(pt.c.id, pt.c.first_name, pt.c.middle_name, pt.c.last_name, pt.c.address,
                   pt.c.address2, pt.c.city, pt.c.state, pt.c.zip).where(pt.c.id.in_(part))
        people.update({r.id: r for r in session.execute(q)})
    docs: list[StatementDoc] = []
    no_address = 0
    for c in cands:
        if c.level == "collections":
            continue
        p = people[c.patient_id]
        name = " ".join(x for x in (p.first_name, p.middle_name, p.last_name) if x)
        addr = tuple(x for x in (p.address, p.address2) if x)
        if addr:
            addr += (_city_line(p.city, p.state, p.zip),)
        else:
            no_address += 1
        lines = [StatementLine(
            date=ln["date"], service=ln["code"], charges=ln["charges"],
            insurance_paid=ln["insurance_paid"], adjustments=ln["adjustments"],
            patient_paid=ln["patient_paid"],
            insurance_owes=sum(v for k, v in ln["owed_by"].items() if k != "patient"),
            patient_owes=ln["patient_due"]) for ln in c.lines
            if ln["charges"] or any(ln["owed_by"].values())]
        notes: tuple[str, ...] = ()
        if c.plan_missed is not None:
            notes = (PLAN_MISSED_NOTE,)
        message = MESSAGES.get(c.level, MESSAGES["none"])
        if c.level == "plan" and c.plan is not None:
            message = (f"Payment plan: {fmt(int(c.plan.monthly_cents))} a month from "
                       f"{c.plan.start_on.isoformat()}; amount due this month "
                       f"{fmt(c.amount_due)} (balance {fmt(c.due)}). ") + MESSAGES["plan"]
        doc = StatementDoc(
            practice=practice, remit_to=remit, phone=phone, pay_url=pr.pay_url,
            account=c.account, statement_date=day, patient=Address(name, addr), lines=lines,
            credit=c.credit, balance=max(c.due, 0), amount_due=max(c.amount_due, 0),
            aging=c.aging, level=c.level, message=message,
            plan_monthly=int(c.plan.monthly_cents) if c.plan is not None else None, notes=notes)
        c.pages = doc.pages()
        docs.append(doc)
    return docs, no_address


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class RunResult:
    run_id: int | None  # None: a dry run, or nothing to record
    path: Path | None
    candidates: list[Candidate]
    statements: int
    proposed: int
    pages: int
    total_cents: int
    no_address: int


def run_statements(*, session: Executor, user: str, as_of: dt.date | None = None,
                   min_balance: str = "0", output: Path | None = None,
                   dry_run: bool = False) -> RunResult:
    """Send statements to every patient who owes (one PDF), and record the run.

    Args:
        session: the command's transaction (the caller commits right after).
        user: who runs it.
        as_of: the statement date (default today).
        min_balance: as typed; a smaller balance gets no statement.
        output: the PDF to write (owner-only, replaced atomically); not with ``dry_run``.
        dry_run: list what would be sent; nothing is written or recorded.

    Returns:
        The run, its accounts, counts and the total asked for.
    """
    from medbill_cli.inputs import output_file
    from medbill_cli.privfile import write_recorded

    if dry_run == (output is not None):
        raise InputError("Give --output FILE.pdf or --dry-run",
                         "For example: medbill statement run --output statements.pdf")
    target = None if output is None else output_file(output.expanduser()).resolve()
    minimum = amount_cents(min_balance, "--min-balance")
    day = as_of or today()
    cands = candidates(session=session, as_of=day, min_balance=minimum)
    proposed = sum(1 for c in cands if c.level == "collections")
    sent = [c for c in cands if c.level != "collections"]
    total = sum(c.amount_due for c in sent)
    if dry_run or not cands:  # nothing written or recorded
        return RunResult(None, None, cands, len(sent), proposed, 0, total, 0)
    docs, no_address = docs_for(session, cands, day)
    pages = sum(c.pages for c in sent)

    def record() -> int:
        return _record(session, user, day, minimum, target.name if docs and target else None,
                       cands, len(sent), proposed, total)

    if docs and target is not None:
        from medbill_cli.forms.statement import write_pdf

        run_id = write_recorded(target, write_pdf(docs), record)
        path: Path | None = target
    else:
        run_id, path = record(), None
    return RunResult(run_id, path, cands, len(sent), proposed, pages, total, no_address)


def _record(session: Executor, user: str, day: dt.date, minimum: int, file: str | None,
            cands: Sequence[Candidate], statements: int, proposed: int, total: int) -> int:
    from medbill_cli.db.models._base import utcnow
    from medbill_cli.services import audit

    run = session.execute(insert(t.statement_run).values(
        as_of=day, min_balance_cents=minimum, file=file, statements=statements,
        proposed=proposed, total_cents=total, created_at=utcnow(), created_by=user)
        .returning(t.statement_run.c.id)).scalar_one()
    insert_many(session, t.statement_item, [{
        "run_id": run, "patient_id": c.patient_id, "level": c.level,
        "cycle_start": c.cycle_start, "due_cents": c.due, "plan_due_cents": c.plan_due,
        "plan_id": c.plan.id if c.plan is not None else None, "current_cents": c.aging[0],
        "days_31_60_cents": c.aging[1], "days_61_90_cents": c.aging[2],
        "days_over_90_cents": c.aging[3], "pages": c.pages} for c in cands])
    entries: list[audit.AuditEntry] = [("create", "statement_run", run, None, {
        "as_of": day.isoformat(), "min_balance": fmt(minimum), "file": file,
        "statements": statements, "proposed": proposed, "total": fmt(total)})]
    pp = t.payment_plan
    for c in cands:
        if c.plan_missed is None:
            continue
        session.execute(update(pp).where(pp.c.id == c.plan_missed.id).values(
            status="missed", ended_on=c.missed_end))
        entries.append(("update", "payment_plan", c.plan_missed.id, {"status": "active"},
                        {"status": "missed", "ended_on": c.missed_end.isoformat()
                         if c.missed_end else None, "statement_run": run}))
    audit.record_many(session=session, user=user, entries=entries)
    return int(run)


def list_runs(*, session: Executor, account: str | None = None) -> list[dict[str, Any]]:
    """The runs, newest first; with ``account``, that account's statements in every run."""
    sr, si = t.statement_run, t.statement_item
    if account is None:
        q = select(sr).order_by(sr.c.id.desc())
        return [{"id": r.id, "as_of": r.as_of, "run_at": r.created_at, "user": r.created_by,
                 "statements": r.statements, "proposed": r.proposed,
                 "total": fmt(r.total_cents), "min_balance": fmt(r.min_balance_cents),
                 "file": r.file} for r in session.execute(q)]
    from medbill_cli.services.ledger_reports import _patient

    p = _patient(session, account)
    q2 = (select(si, sr.c.as_of, sr.c.created_by).join(sr, sr.c.id == si.c.run_id)
          .where(si.c.patient_id == p.id).order_by(sr.c.id.desc()))
    return [_item_public(r, p.account) | {"as_of": r.as_of, "user": r.created_by}
            for r in session.execute(q2)]


def _item_public(r: Any, account: str) -> dict[str, Any]:
    return {"run": r.run_id, "account": account, "level": r.level,
            "cycle_start": r.cycle_start, "balance": fmt(r.due_cents),
            "amount_due": fmt(r.plan_due_cents if r.plan_due_cents is not None else r.due_cents),
            "current": fmt(r.current_cents), "days_31_60": fmt(r.days_31_60_cents),
            "days_61_90": fmt(r.days_61_90_cents), "days_over_90": fmt(r.days_over_90_cents),
            "plan": r.plan_id, "pages": r.pages}


def show_run(*, session: Executor, run_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One run and its accounts (by account number)."""
    sr, si = t.statement_run, t.statement_item
    run = session.execute(select(sr).where(sr.c.id == run_id)).first()
    if run is None:
        raise NotFoundError(f"No statement run {run_id}", "See medbill statement list")
    q = (select(si, t.patient.c.account).join(t.patient, t.patient.c.id == si.c.patient_id)
         .where(si.c.run_id == run_id).order_by(t.patient.c.account))
    items = [_item_public(r, r.account) for r in session.execute(q)]
    head = {"id": run.id, "as_of": run.as_of, "run_at": run.created_at, "user": run.created_by,
            "statements": run.statements, "proposed": run.proposed,
            "total": fmt(run.total_cents), "file": run.file}
    return head, items


def patient_statement_pdf(*, session: Executor, account: str, output: Path,
                          as_of: dt.date | None = None) -> Path:
    """One patient's statement in the run's layout, at the level a run would give it; nothing
    is recorded (the dunning cycle does not advance)."""
    from medbill_cli.forms.statement import write_pdf
    from medbill_cli.inputs import output_file
    from medbill_cli.privfile import write_private
    from medbill_cli.services.ledger_reports import _patient

    target = output_file(output.expanduser()).resolve()
    p = _patient(session, account)
    day = as_of or today()
    cands = candidates(session=session, as_of=day, patient_ids=[p.id], force=True)
    for c in cands:
        if c.level == "collections" or c.patient_id in in_collections(session):
            c.level = "none"
    docs, _ = docs_for(session, cands, day)
    write_private(target, write_pdf(docs))
    return target
