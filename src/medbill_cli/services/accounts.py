"""What is owed, claim by claim: insurance balances, patient balances, statements and A/R aging.

Balances are computed from the posted rows, never stored, so they cannot drift. For a claim
(not closed, not a void), as of a date (postings by their posting date, payments by their date):

* ``charge``: the claim's total;
* ``insurance paid``: the sum of CLP04 over its postings (a reversal's negative amount included);
* ``adjustments``: every CAS amount that is not PR, except CARC 23 (the prior payer's
  adjudication) on secondary and tertiary postings, minus the amounts of denials still open
  or being worked (a denial stays receivable from the payer until it is closed);
* ``patient responsibility``: the PR amounts of the latest payer in the chain (a secondary's
  PR replaces the primary's) on postings that were not reversed; zero before adjudication;
* ``patient paid``: the patient's payments applied to the claim: those given for the claim
  (``--claim``) or its encounter, then the rest oldest claim first; what is left is a credit.

Then ``patient due = patient responsibility - patient paid`` and
``insurance balance = charge - insurance paid - adjustments - patient responsibility``;
their sum is the claim's A/R balance. Denied amounts on open denials appear under the payer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from medbill_cli.dates import today
from medbill_cli.db import tables as t
from medbill_cli.db.models.charges import Charge
from medbill_cli.db.models.claims import Claim
from medbill_cli.db.models.payments import Payment
from medbill_cli.db.models.registration import Patient, Payer
from medbill_cli.db.models.remit import Denial, Era, EraAdjustment, EraClaim
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError
from medbill_cli.services.patients import get_patient
from medbill_cli.services.remit import ADJUDICATED, POSTED_OUTCOMES, Outcome
from medbill_cli.status import ChargeStatus, ClaimStatus, DenialStatus, PaymentStatus

POSTED = POSTED_OUTCOMES
BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")


@dataclass
class ClaimBalance:
    claim_id: int
    pcn: str
    patient_id: int
    account: str
    payer_id: int | None
    payer: str
    first_dos: dt.date | None
    status: str
    charge_cents: int
    paid_cents: int = 0
    adjustment_cents: int = 0
    patient_resp_cents: int = 0
    patient_paid_cents: int = 0
    held_denial_cents: int = 0

    @property
    def patient_due_cents(self) -> int:
        return self.patient_resp_cents - self.patient_paid_cents

    @property
    def insurance_cents(self) -> int:
        return self.charge_cents - self.paid_cents - self.adjustment_cents - self.patient_resp_cents

    @property
    def balance_cents(self) -> int:
        return self.insurance_cents + self.patient_due_cents


@dataclass
class Balances:
    claims: list[ClaimBalance]
    credits: dict[int, int] = field(default_factory=dict)  # patient id -> unapplied payments
    unbilled: dict[int, int] = field(default_factory=dict)  # patient id -> charges not on a claim


def _oldest_first(b: ClaimBalance) -> tuple[dt.date, int]:
    return (b.first_dos or dt.date.min, b.claim_id)


def compute_balances(
    *, session: Session, as_of: dt.date | None = None, patient_id: int | None = None,
) -> Balances:
    """Every open claim's balance split between payer and patient (see the module docstring).

    Args:
        session: a session.
        as_of: count postings and payments up to this date (default today).
        patient_id: one patient only.

    Returns:
        The claims' balances, unapplied patient credits and unbilled charges per patient.
    """
    day = as_of or today()
    q = (select(Claim, Patient.account, Payer.name)
         .join(Patient, col(Patient.id) == Claim.patient_id)
         .outerjoin(Payer, col(Payer.id) == Claim.payer_id)
         .where(Claim.status != ClaimStatus.CLOSED.value, Claim.frequency != "8"))
    if patient_id is not None:
        q = q.where(Claim.patient_id == patient_id)
    out: dict[int, ClaimBalance] = {}
    for cl, acct, payer in session.exec(q.order_by(col(Claim.id))):
        start = cl.first_dos or cl.created_at.date()
        if start > day:
            continue
        assert cl.id is not None
        out[cl.id] = ClaimBalance(cl.id, cl.pcn, cl.patient_id, acct or "", cl.payer_id,
                                  payer or "", cl.first_dos, cl.status, cl.total_cents)
    ids = list(out)
    # posting id -> claim, outcome, payer sequence, paid, reversed by
    postings: dict[int, tuple[int, str, int, int, int | None]] = {}
    ec, era, adj = t.era_claim.c, t.era.c, t.era_adjustment.c
    for chunk in chunks(ids):
        pq = (sa.select(ec.id, ec.claim_id, ec.outcome, ec.payer_sequence, ec.paid_cents,
                        ec.reversed_by_id)
              .select_from(t.era_claim.join(t.era, era.id == ec.era_id))
              .where(ec.claim_id.in_(chunk), ec.outcome.in_(POSTED), era.posted_on <= day))
        for pid, cid, outcome, seq, paid, rev in session.execute(pq):
            postings[pid] = (cid, outcome, seq, paid, rev)
    pr_by: dict[int, int] = defaultdict(int)  # posting -> PR total
    for posting_ids in chunks(list(postings)):
        aq = (sa.select(adj.era_claim_id, adj.group_code, adj.carc, func.sum(adj.amount_cents))
              .where(adj.era_claim_id.in_(posting_ids))
              .group_by(adj.era_claim_id, adj.group_code, adj.carc))
        for pid, group, carc, total in session.execute(aq):
            cid, _, seq, _, _ = postings[pid]
            if group == "PR":
                pr_by[pid] += int(total)
            elif not (carc == "23" and seq >= 2):
                out[cid].adjustment_cents += int(total)
    active_seq: dict[int, int] = {}
    for cid, outcome, seq, paid, rev in postings.values():
        b = out[cid]
        b.paid_cents += paid
        if outcome != Outcome.REVERSAL and (rev is None or rev not in postings):
            active_seq[cid] = max(active_seq.get(cid, 0), seq)
    for pid, (cid, outcome, seq, _paid, rev) in postings.items():
        live = outcome != Outcome.REVERSAL and (rev is None or rev not in postings)
        if live and seq == active_seq.get(cid):
            out[cid].patient_resp_cents += pr_by[pid]
    for chunk in chunks(ids):
        dq = select(Denial).where(col(Denial.claim_id).in_(chunk), Denial.opened_on <= day)
        for d in session.exec(dq):
            held = d.status != DenialStatus.CLOSED or (d.worked_at is not None
                                                        and d.worked_at.date() > day)
            if held:
                out[d.claim_id].held_denial_cents += d.amount_cents
                out[d.claim_id].adjustment_cents -= d.amount_cents

    # Patient payments.
    enc_claim: dict[int, int] = {}
    for chunk in chunks(ids):
        ch, ln = t.charge.c, t.claim_line.c
        eq = (sa.select(ch.encounter_id, func.min(ln.claim_id))
              .select_from(t.charge.join(t.claim_line, ln.charge_id == ch.id))
              .where(ln.claim_id.in_(chunk)).group_by(ch.encounter_id))
        for enc, cid in session.execute(eq):
            enc_claim[enc] = cid
    payq = select(Payment).where(Payment.status == PaymentStatus.POSTED.value, Payment.date <= day)
    if patient_id is not None:
        payq = payq.where(Payment.patient_id == patient_id)
    pool: dict[int, int] = defaultdict(int)
    for pay in session.exec(payq.order_by(col(Payment.date), col(Payment.id))):
        target = pay.claim_id if pay.claim_id in out else enc_claim.get(pay.encounter_id or -1)
        if target is not None and out[target].patient_id == pay.patient_id:
            out[target].patient_paid_cents += pay.amount_cents
        else:
            pool[pay.patient_id] += pay.amount_cents
    by_patient: dict[int, list[ClaimBalance]] = defaultdict(list)
    for b in out.values():
        by_patient[b.patient_id].append(b)
    credits: dict[int, int] = {}
    for pid, amount in pool.items():
        for b in sorted(by_patient.get(pid, []), key=_oldest_first):
            if amount <= 0:
                break
            take = min(amount, max(b.patient_due_cents, 0))
            b.patient_paid_cents += take
            amount -= take
        if amount:
            credits[pid] = amount
    charge = t.charge.c
    uq = (sa.select(charge.patient_id, func.sum(charge.amount_cents))
          .where(charge.status == ChargeStatus.UNBILLED.value, charge.date_of_service <= day)
          .group_by(charge.patient_id))
    if patient_id is not None:
        uq = uq.where(charge.patient_id == patient_id)
    unbilled = {pid: int(total) for pid, total in session.execute(uq)}
    return Balances(list(out.values()), credits, unbilled)


# --------------------------------------------------------------------------- patient


@dataclass
class PatientAccount:
    account: str
    claims: list[ClaimBalance]
    credit_cents: int
    unbilled_cents: int

    def totals(self) -> dict[str, int]:
        t = {k: sum(getattr(b, k) for b in self.claims) for k in (
            "charge_cents", "paid_cents", "adjustment_cents", "patient_resp_cents",
            "patient_paid_cents", "patient_due_cents", "insurance_cents", "balance_cents")}
        t["credit_cents"] = self.credit_cents
        t["unbilled_cents"] = self.unbilled_cents
        # What the patient owes now: their share on adjudicated claims, less unapplied credit.
        t["balance_due_cents"] = t["patient_due_cents"] - self.credit_cents
        return t


def patient_account(*, session: Session, account: str,
                    as_of: dt.date | None = None) -> PatientAccount:
    p = get_patient(session=session, account=account)
    assert p.id is not None
    bal = compute_balances(session=session, as_of=as_of, patient_id=p.id)
    return PatientAccount(p.account or "", sorted(bal.claims, key=_oldest_first),
                          bal.credits.get(p.id, 0), bal.unbilled.get(p.id, 0))


def statement_text(*, session: Session, account: str, as_of: dt.date | None = None) -> str:
    """A plain-text statement: each claim's charges, insurance paid, adjustments, patient
    payments and what the patient owes."""
    from medbill_cli.db.models.registration import Practice
    from medbill_cli.money import fmt

    acct = patient_account(session=session, account=account, as_of=as_of)
    p = get_patient(session=session, account=account)
    practice = session.exec(select(Practice).limit(1)).first()
    day = as_of or today()
    w = 78
    lines: list[str] = []
    if practice is not None:
        lines += [practice.name, practice.address,
                  f"{practice.city}, {practice.state} {practice.zip[:5]}", ""]
    lines += ["PATIENT STATEMENT".center(w), "=" * w,
              f"Account {acct.account}    Statement date {day.isoformat()}",
              f"{p.first_name} {p.last_name}"]
    if p.address:
        lines += [p.address, f"{p.city or ''}, {p.state or ''} {(p.zip or '')[:5]}"]
    lines += ["", f"{'Date':<11}{'Claim':<14}{'Charges':>10}{'Ins paid':>10}{'Adjust':>10}"
                  f"{'You paid':>10}{'Ins owes':>10}{'You owe':>10}", "-" * w]
    for b in acct.claims:
        lines.append(f"{(b.first_dos.isoformat() if b.first_dos else ''):<11}{b.pcn[:13]:<14}"
                     f"{fmt(b.charge_cents):>10}{fmt(b.paid_cents):>10}{fmt(b.adjustment_cents):>10}"
                     f"{fmt(b.patient_paid_cents):>10}{fmt(b.insurance_cents):>10}{fmt(b.patient_due_cents):>10}")
    t = acct.totals()
    lines += ["-" * w,
              f"{'Totals':<25}{fmt(t['charge_cents']):>10}{fmt(t['paid_cents']):>10}{fmt(t['adjustment_cents']):>10}"
              f"{fmt(t['patient_paid_cents']):>10}{fmt(t['insurance_cents']):>10}{fmt(t['patient_due_cents']):>10}",
              ""]
    if acct.credit_cents:
        lines.append(f"Unapplied payments (credit): {fmt(acct.credit_cents)}")
    if acct.unbilled_cents:
        lines.append(f"Charges not yet billed to insurance: {fmt(acct.unbilled_cents)}")
    lines += [f"{'BALANCE DUE':<20}{'$' + fmt(max(t['balance_due_cents'], 0)):>{w - 20}}", "=" * w,
              "Insurance pending amounts are not yet due from you.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- aging


def bucket(age: int) -> str:
    if age <= 30:
        return "0-30"
    if age <= 60:
        return "31-60"
    if age <= 90:
        return "61-90"
    if age <= 120:
        return "91-120"
    return "120+"


def ar_aging(*, session: Session, as_of: dt.date | None = None,
             by: str = "payer") -> list[dict[str, Any]]:
    """A/R in buckets by age from the first date of service: one row per payer (the patients'
    share in one ``(patient)`` row) or per patient account; the last row is the total.

    Amounts are integer cents; each row's buckets sum to its total, and the total row is the
    sum of the rows.
    """
    import pandas as pd

    if by not in ("payer", "patient"):
        raise InputError(f"--by '{by}' must be payer or patient")
    day = as_of or today()
    bal = compute_balances(session=session, as_of=day)
    records: list[tuple[str, str, int]] = []
    for b in bal.claims:
        age = (day - (b.first_dos or day)).days
        bk = bucket(age)
        if by == "payer":
            if b.insurance_cents:
                records.append((b.payer or "(no payer)", bk, b.insurance_cents))
            if b.patient_due_cents:
                records.append(("(patient)", bk, b.patient_due_cents))
        elif b.balance_cents:
            records.append((b.account, bk, b.balance_cents))
    df = pd.DataFrame(records, columns=["key", "bucket", "cents"])
    if df.empty:
        table = pd.DataFrame(0, index=pd.Index([], name="key"), columns=list(BUCKETS),
                             dtype="int64")
    else:
        table = df.pivot_table(index="key", columns="bucket", values="cents", aggfunc="sum",
                               fill_value=0)
        table = table.reindex(columns=list(BUCKETS), fill_value=0).astype("int64")
    table["total"] = table[list(BUCKETS)].sum(axis=1)
    rows: list[dict[str, Any]] = []
    for key, r in table.sort_index().iterrows():
        rows.append({by: key, **{bk: int(r[bk]) for bk in BUCKETS}, "total": int(r["total"])})
    totals = {bk: int(table[bk].sum()) for bk in BUCKETS}
    rows.append({by: "TOTAL", **totals, "total": int(table["total"].sum())})
    return rows


# --------------------------------------------------------------------------- KPIs

CONTRACTUAL_CARCS = ("45", "A2", "42", "253")


def _pct(num: int, den: int) -> str:
    from decimal import Decimal

    if den == 0:
        return "n/a"
    return f"{(Decimal(num) * 100 / Decimal(den)).quantize(Decimal('0.1'))}%"


def kpis(*, session: Session, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Revenue-cycle KPIs for ``start``..``end`` (both included), each with its formula and the
    numbers that went into it.

    Returns:
        Rows of ``kpi``, ``value``, ``formula``, ``numbers``.
    """
    from decimal import Decimal

    from medbill_cli.db.models.claims import ClaimFinding
    from medbill_cli.money import fmt

    if end < start:
        raise InputError("--to is before --from", "Give --from DATE --to DATE with --from first")
    days = (end - start).days + 1
    t0 = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    t1 = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)

    # Claims submitted in the period, and those that passed the scrub with no error and were
    # not rejected.
    c = t.claim.c
    submitted = [(int(i), str(st)) for i, st in session.execute(sa.select(c.id, c.status).where(
        c.submitted_at.is_not(None), c.submitted_at >= t0, c.submitted_at < t1))]
    sub_ids = [cid for cid, _ in submitted]
    held: set[int] = set()
    for chunk in chunks(sub_ids):
        held.update(session.exec(select(ClaimFinding.claim_id).where(
            col(ClaimFinding.claim_id).in_(chunk), ClaimFinding.severity == "error")))
    clean = sum(1 for cid, st in submitted if cid not in held and st != ClaimStatus.REJECTED)

    # Claims adjudicated in the period: their first posting ever falls in it.
    ec = t.era_claim.c
    first = (sa.select(ec.claim_id, func.min(ec.id))
             .where(ec.claim_id.is_not(None), ec.outcome.in_(ADJUDICATED))
             .group_by(ec.claim_id))
    firsts = {cid: pid for cid, pid in session.execute(first)}
    adjudicated: list[tuple[int, str]] = []
    era = t.era.c
    for chunk in chunks(list(firsts.values())):
        q = (sa.select(ec.claim_id, ec.outcome)
             .select_from(t.era_claim.join(t.era, era.id == ec.era_id))
             .where(ec.id.in_(chunk), era.posted_on >= start, era.posted_on <= end))
        adjudicated += [(int(cid), str(oc)) for cid, oc in session.execute(q)]
    first_pass = sum(1 for _, oc in adjudicated if oc == Outcome.PAID)
    posted_claims = set(session.exec(
        select(EraClaim.claim_id).join(Era, col(Era.id) == EraClaim.era_id)
        .where(col(EraClaim.outcome).in_(ADJUDICATED), Era.posted_on >= start,
               Era.posted_on <= end).distinct()))
    denied_claims = set(session.exec(
        select(Denial.claim_id).where(Denial.opened_on >= start, Denial.opened_on <= end)
        .distinct()))

    # Money in the period.
    charges = int(session.exec(select(func.coalesce(func.sum(Charge.amount_cents), 0)).where(
        Charge.status != ChargeStatus.VOID.value, Charge.date_of_service >= start,
        Charge.date_of_service <= end)).one())
    ins_paid = int(session.exec(select(func.coalesce(func.sum(EraClaim.paid_cents), 0))
                                .join(Era, col(Era.id) == EraClaim.era_id)
                                .where(col(EraClaim.claim_id).is_not(None),
                                       col(EraClaim.outcome).in_(POSTED), Era.posted_on >= start,
                                       Era.posted_on <= end)).one())
    pat_paid = int(session.exec(select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
        Payment.status == PaymentStatus.POSTED.value, Payment.date >= start,
        Payment.date <= end)).one())
    contractual = int(session.exec(
        select(func.coalesce(func.sum(EraAdjustment.amount_cents), 0))
        .join(EraClaim, col(EraClaim.id) == EraAdjustment.era_claim_id)
        .join(Era, col(Era.id) == EraClaim.era_id)
        .where(col(EraClaim.claim_id).is_not(None), col(EraClaim.outcome).in_(POSTED),
               EraAdjustment.group_code == "CO", col(EraAdjustment.carc).in_(CONTRACTUAL_CARCS),
               Era.posted_on >= start, Era.posted_on <= end)).one())
    ar_total = sum(b.balance_cents for b in compute_balances(session=session, as_of=end).claims)

    # Charge lag: days from date of service to entry, over charges entered in the period.
    ch = t.charge.c
    entered = session.execute(sa.select(ch.date_of_service, ch.created_at).where(
        ch.status != ChargeStatus.VOID.value, ch.created_at >= t0, ch.created_at < t1))
    lags = [((created.date() if isinstance(created, dt.datetime) else created) - dos).days
            for dos, created in entered]

    denied = len(denied_claims & posted_claims) if posted_claims else len(denied_claims)
    daily = Decimal(charges) / days if days else Decimal(0)
    dar = "n/a" if daily == 0 else f"{(Decimal(ar_total) / daily).quantize(Decimal('0.1'))} days"
    lag = "n/a" if not lags else f"{(Decimal(sum(lags)) / len(lags)).quantize(Decimal('0.1'))} days"
    return [
        {"kpi": "clean-claim rate", "value": _pct(clean, len(submitted)),
         "formula": "claims submitted with no scrub error and not rejected / claims submitted",
         "numbers": f"{clean} / {len(submitted)}"},
        {"kpi": "first-pass resolution rate", "value": _pct(first_pass, len(adjudicated)),
         "formula": "claims paid in full on their first remittance / claims first adjudicated "
                    "in the period",
         "numbers": f"{first_pass} / {len(adjudicated)}"},
        {"kpi": "denial rate", "value": _pct(denied, len(posted_claims)),
         "formula": "claims with a denial opened in the period / claims with a remittance "
                    "posted in the period",
         "numbers": f"{len(denied_claims & posted_claims)} / {len(posted_claims)}"},
        {"kpi": "days in A/R", "value": dar,
         "formula": "A/R at the end of the period / (charges with service in the period / "
                    "days in the period)",
         "numbers": f"{fmt(ar_total)} / ({fmt(charges)} / {days})"},
        {"kpi": "net collection rate", "value": _pct(ins_paid + pat_paid, charges - contractual),
         "formula": "(insurance payments + patient payments) / (charges - contractual "
                    "adjustments CO-45/A2/42/253)",
         "numbers": f"({fmt(ins_paid)} + {fmt(pat_paid)}) / ({fmt(charges)} - {fmt(contractual)})"},
        {"kpi": "charge lag", "value": lag,
         "formula": "average of (date entered - date of service) over charges entered in the "
                    "period",
         "numbers": f"{sum(lags)} days / {len(lags)} charges"},
    ]
