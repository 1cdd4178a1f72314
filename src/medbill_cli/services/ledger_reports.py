"""Reading the ledger: a patient's balance, A/R aging, credits and an account's entries.

Everything here is a sum of ledger entries (``services/ledger.py`` writes them); nothing is
stored. Amounts are integer cents.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from medbill_cli.dates import today
from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from medbill_cli.services.ledger import Executor

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
AGING_BY = ("payer", "patient", "party")
AGING_BASIS = ("dos", "transfer")
# Medicare (MA, MB) and Medicaid (MC): an overpayment is refunded within 60 days.
SIXTY_DAY_INDICATORS = frozenset({"MA", "MB", "MC"})
REFUND_WITHIN_DAYS = 60
# Which total of ``patient_balance`` each kind (and the reversal of each kind) counts in.
KIND_TOTAL = {"charge": "charges", "insurance_payment": "insurance_paid",
              "contractual": "adjustments", "adjustment": "adjustments",
              "write_off": "adjustments", "patient_payment": "patient_paid",
              "refund": "refunds", "transfer": "transfers",
              "bad_debt_recovery": "adjustments"}


def _pairs(result: Any) -> dict[Any, Any]:
    return {row[0]: row[1] for row in result}


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


def _patient(session: Executor, account: str) -> Any:
    row = session.execute(select(t.patient.c.id, t.patient.c.account).where(
        t.patient.c.account == account.strip().upper())).first()
    if row is None:
        raise NotFoundError(f"No patient with account {account}",
                            "Find it with medbill patient search")
    return row


def _payer_ids(session: Executor, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Payer row id -> (EDI payer id, name)."""
    out: dict[int, tuple[str, str]] = {}
    for part in chunks(sorted(ids)):
        q = select(t.payer.c.id, t.payer.c.payer_id, t.payer.c.name).where(t.payer.c.id.in_(part))
        out.update({r.id: (r.payer_id, r.name) for r in session.execute(q)})
    return out


def party_label(kind: str, payer: str | None) -> str:
    """``patient`` or ``PAYERID:priority`` (CLI.md)."""
    return "patient" if kind == "patient" else f"{payer or '?'}:{kind}"


def kind_sums(session: Executor, *, patient_id: int | None = None,
              start: dt.date | None = None, end: dt.date | None = None) -> dict[str, int]:
    """Signed sums by entry kind for entries posted from ``start`` to ``end`` (both
    included), a reversal counted with the kind it reverses (a reversed payment nets out).

    For the day sheet (``start == end``: the day's payments and adjustments) and KPIs (the
    period's insurance and patient payments, contractual adjustments).
    """
    e = t.ledger_entry
    o = e.alias("o")
    q = (select(e.c.kind, o.c.kind.label("orig"), func.sum(e.c.amount_cents).label("cents"))
         .select_from(e.outerjoin(o, o.c.id == e.c.reverses_id))
         .group_by(e.c.kind, o.c.kind))
    if patient_id is not None:
        q = q.where(e.c.patient_id == patient_id)
    if start is not None:
        q = q.where(e.c.posted_on >= start)
    if end is not None:
        q = q.where(e.c.posted_on <= end)
    out: dict[str, int] = defaultdict(int)
    for r in session.execute(q):
        out[(r.orig if r.kind == "reversal" else r.kind) or "?"] += int(r.cents)
    return dict(out)


@dataclass(frozen=True)
class DayMoney:
    """A day's money from the ledger, in the day sheet's breakdown (positive cents = money in
    or written off; a reversal on the day counts negative against its kind).

    ``provider`` is the provider id a figure is credited to, None when there is none.
    """

    patient_payments: list[tuple[int | None, str, int]]  # (provider, method, cents) per payment
    insurance_payments: list[tuple[int | None, tuple[str, int], int]]  # (provider, claim, cents)
    adjustments: list[tuple[int | None, str, str, int]]  # (provider, group, reason, cents)
    patient_responsibility: list[tuple[int | None, str, int]]  # (provider, CARC, cents)


_DAY_KINDS = ("insurance_payment", "contractual", "adjustment", "write_off", "transfer",
              "patient_payment")


def day_money(session: Executor, *, day: dt.date | None = None,
              start: dt.datetime | None = None, end: dt.datetime | None = None) -> DayMoney:
    """The payments and adjustments of one day, summed from its ledger entries: those posted
    on ``day``, or (``start``/``end``) those entered in that span of time.

    * patient payments: each payment's entries of the day netted (its moves between credit
      and lines cancel out; a reversal the same day leaves nothing), credited to the
      provider of the payment's visit, by the payment's method;
    * insurance payments: per remittance claim (an 835 CLP or a paper EOB, its lines
      together) and line, credited to the line's provider (the charge's, else its visit's);
    * adjustments: contractual and other remittance adjustments by group and CARC, denial
      write-offs by the denial's, and write-offs (``adjust``) as group ``WO`` by reason;
    * patient responsibility: PR amounts the payer moved on, by CARC.

    Returns:
        The day's figures, one tuple per (source, line) with a non-zero sum.
    """
    e, o = t.ledger_entry, t.ledger_entry.alias("o")
    ch, enc, pay, penc = t.charge, t.encounter, t.payment, t.encounter.alias("penc")
    adj, el = t.adjustment, t.era_line
    kind = func.coalesce(o.c.kind, e.c.kind)
    q = (select(kind.label("kind"), func.coalesce(o.c.amount_cents, e.c.amount_cents)
                .label("orig"), e.c.amount_cents, e.c.group_code, e.c.carc, e.c.source_type,
                e.c.source_id, e.c.charge_id,
                func.coalesce(ch.c.provider_id, enc.c.provider_id).label("line_provider"),
                penc.c.provider_id.label("pay_provider"), pay.c.method, adj.c.reason,
                el.c.era_claim_id)
         .select_from(e.outerjoin(o, o.c.id == e.c.reverses_id)
                      .outerjoin(ch, ch.c.id == e.c.charge_id)
                      .outerjoin(enc, enc.c.id == ch.c.encounter_id)
                      .outerjoin(pay, and_(e.c.source_type == "payment",
                                           pay.c.id == e.c.source_id))
                      .outerjoin(penc, penc.c.id == pay.c.encounter_id)
                      .outerjoin(adj, and_(e.c.source_type == "adjustment",
                                           adj.c.id == e.c.source_id))
                      .outerjoin(el, and_(e.c.source_type == "era_line",
                                          el.c.id == e.c.source_id)))
         .where(kind.in_(_DAY_KINDS)))
    if day is not None:
        q = q.where(e.c.posted_on == day)
    if start is not None:
        q = q.where(e.c.created_at >= start)
    if end is not None:
        q = q.where(e.c.created_at < end)
    pays: dict[int, list[Any]] = defaultdict(lambda: [None, "", 0])
    ins: dict[tuple[int | None, tuple[str, int]], int] = defaultdict(int)
    adjs: dict[tuple[int | None, str, str, tuple[str, int]], int] = defaultdict(int)
    pr: dict[tuple[int | None, str, tuple[str, int]], int] = defaultdict(int)
    for r in session.execute(q):
        cents = -int(r.amount_cents)
        src = (r.source_type, r.source_id)
        if r.kind == "patient_payment":
            if r.source_type == "payment":
                p = pays[r.source_id]
                p[0], p[1], p[2] = r.pay_provider, r.method or "", p[2] + cents
        elif r.kind == "insurance_payment":
            claim = ("era_claim", r.era_claim_id) if r.era_claim_id is not None else src
            ins[(r.line_provider, claim)] += cents
        elif r.kind == "transfer":
            # PR moves the payer's share on: counted once, on the side it leaves (the payer's).
            if r.group_code == "PR" and int(r.orig) < 0:
                pr[(r.line_provider, r.carc or "", src)] += cents
        elif r.kind == "write_off":
            adjs[(r.line_provider, "WO", r.reason or "", src)] += cents
        else:
            adjs[(r.line_provider, r.group_code or "", r.carc or "", src)] += cents
    return DayMoney(
        patient_payments=[(p[0], p[1], p[2]) for _, p in sorted(pays.items()) if p[2]],
        insurance_payments=[(prov, claim, c) for (prov, claim), c in ins.items() if c],
        adjustments=[(prov, g, why, c) for (prov, g, why, _), c in adjs.items() if c],
        patient_responsibility=[(prov, carc, c) for (prov, carc, _), c in pr.items() if c])


def kind_totals(session: Executor, *, patient_id: int | None = None,
                as_of: dt.date | None = None) -> dict[str, int]:
    """Sums by total (``KIND_TOTAL``), a reversal counted with the kind it reverses."""
    out: dict[str, int] = defaultdict(int)
    for kind, cents in kind_sums(session, patient_id=patient_id, end=as_of).items():
        out[KIND_TOTAL.get(kind, kind)] += cents
    return dict(out)


def patient_balance(*, session: Executor, account: str, as_of: dt.date | None = None
                    ) -> dict[str, Any]:
    """What each party owes on a patient's lines, and the patient's credit (CLI.md's shape).

    ``charges - insurance_paid - adjustments - patient_paid + refunds = balance``, and
    ``balance = sum(owed_by) - credit``. ``patient_due`` is what the patient owes on lines;
    ``credit`` their unapplied money. Amounts are cents (``owed_by`` by party label).

    Args:
        session: a session or connection.
        account: the patient's account number.
        as_of: count entries posted up to this date (default today).

    Returns:
        The balance as a dict of cents.
    """
    p = _patient(session, account)
    day = as_of or today()
    sums = kind_totals(session, patient_id=p.id, as_of=day)
    e = t.ledger_entry
    q = (select(e.c.coverage_id, e.c.party, e.c.payer_id,
                func.sum(e.c.amount_cents).label("cents"),
                func.count(e.c.charge_id).label("lines"))
         .where(e.c.patient_id == p.id, e.c.posted_on <= day)
         .group_by(e.c.coverage_id, e.c.party, e.c.payer_id, e.c.charge_id.is_(None)))
    rows = list(session.execute(q))
    payers = _payer_ids(session, {r.payer_id for r in rows if r.payer_id is not None})
    owed: dict[str, int] = defaultdict(int)
    credit = 0
    for r in rows:
        if r.lines == 0:  # no charge line: the patient's credit
            credit -= int(r.cents)
            continue
        label = party_label(r.party, payers.get(r.payer_id, ("", ""))[0] if r.payer_id else None)
        owed[label] += int(r.cents)
    owed_by = {k: v for k, v in sorted(owed.items(), key=lambda kv: (kv[0] == "patient", kv[0]))
               if v != 0}
    balance = sum(owed_by.values()) - credit
    return {
        "account": p.account, "as_of": day, "charges": sums.get("charges", 0),
        "insurance_paid": -sums.get("insurance_paid", 0),
        "adjustments": -sums.get("adjustments", 0), "patient_paid": -sums.get("patient_paid", 0),
        "refunds": sums.get("refunds", 0), "owed_by": owed_by,
        "patient_due": owed_by.get("patient", 0), "credit": credit, "balance": balance,
    }


def line_party_balances(session: Executor, *, as_of: dt.date | None = None) -> list[Any]:
    """Every (line, party) with a balance: charge, coverage, party, payer, patient, date of
    service, first posting date and cents."""
    e = t.ledger_entry
    q = (select(e.c.charge_id, e.c.coverage_id, func.max(e.c.party).label("party"),
                func.max(e.c.payer_id).label("payer_id"),
                func.max(e.c.patient_id).label("patient_id"),
                func.min(e.c.service_date).label("dos"), func.min(e.c.posted_on).label("since"),
                func.sum(e.c.amount_cents).label("cents"))
         .where(e.c.charge_id.is_not(None))
         .group_by(e.c.charge_id, e.c.coverage_id)
         .having(func.sum(e.c.amount_cents) != 0))
    if as_of is not None:
        q = q.where(e.c.posted_on <= as_of)
    return list(session.execute(q))


def ar_aging(*, session: Executor, as_of: dt.date | None = None, by: str = "payer",
             basis: str = "dos") -> list[dict[str, Any]]:
    """A/R in age buckets from the ledger: every line's balance with the party that owes it.

    Self-pay and patient balances are included (by payer, in one ``(patient)`` row). Credits
    (unapplied patient money) are not A/R: see ``credits``.

    Args:
        session: a session or connection.
        as_of: entries posted up to this date (default today).
        by: ``payer`` (payer name), ``patient`` (account) or ``party`` (primary, secondary,
            tertiary, patient).
        basis: age from the date of service (``dos``) or from the day the balance moved to
            its party (``transfer``).

    Returns:
        Rows ``{by, buckets..., total}`` in cents, sorted by key; the last row is ``TOTAL``.
    """
    key_by = (by or "").strip().lower()
    if key_by not in AGING_BY:
        raise InputError(f"--by '{by}' must be payer, patient or party")
    how = (basis or "").strip().lower()
    if how not in AGING_BASIS:
        raise InputError(f"--basis '{basis}' must be dos or transfer")
    day = as_of or today()
    rows = line_party_balances(session, as_of=day)
    names: dict[int, str] = {}
    if key_by == "payer":
        names = {k: v[1] for k, v in _payer_ids(
            session, {r.payer_id for r in rows if r.payer_id is not None}).items()}
    elif key_by == "patient":
        ids = sorted({r.patient_id for r in rows})
        for part in chunks(ids):
            q = select(t.patient.c.id, t.patient.c.account).where(t.patient.c.id.in_(part))
            names.update({r.id: r.account for r in session.execute(q)})
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BUCKETS, 0))
    for r in rows:
        start = (r.dos if how == "dos" else r.since) or r.since
        bk = bucket((day - start).days)
        if key_by == "payer":
            key = "(patient)" if r.coverage_id is None else names.get(r.payer_id, "(no payer)")
        elif key_by == "patient":
            key = names.get(r.patient_id, str(r.patient_id))
        else:
            key = r.party
        table[key][bk] += int(r.cents)
    out: list[dict[str, Any]] = [{key_by: k, **v, "total": sum(v.values())}
                                 for k, v in sorted(table.items())]
    totals = {b: sum(v[b] for v in table.values()) for b in BUCKETS}
    out.append({key_by: "TOTAL", **totals, "total": sum(totals.values())})
    return out


def ar_total(*, session: Executor, as_of: dt.date | None = None) -> int:
    """A/R: the sum of every line's balance (patient credit not netted), in cents."""
    e = t.ledger_entry
    q = select(func.coalesce(func.sum(e.c.amount_cents), 0)).where(e.c.charge_id.is_not(None))
    if as_of is not None:
        q = q.where(e.c.posted_on <= as_of)
    return int(session.execute(q).scalar_one())


def credits(*, session: Executor, older_than: int | None = None, as_of: dt.date | None = None
            ) -> list[dict[str, Any]]:
    """Patients holding a credit, oldest credit first.

    A credit's age counts from the day the patient's unapplied money last went above zero.
    Medicare and Medicaid (filing indicator MA, MB, MC) want an overpayment refunded within 60
    days of its identification: ``refund_by`` is that day for a patient with such a coverage.

    Returns:
        Rows: account, credit (cents), since, age (days), medicare_medicaid, refund_by, overdue.
    """
    if older_than is not None and older_than < 0:
        raise InputError("--older-than must be 0 or more days")
    day = as_of or today()
    e = t.ledger_entry
    q = (select(e.c.patient_id, func.sum(e.c.amount_cents).label("cents"))
         .where(e.c.charge_id.is_(None), e.c.posted_on <= day)
         .group_by(e.c.patient_id).having(func.sum(e.c.amount_cents) < 0))
    held = {r.patient_id: -int(r.cents) for r in session.execute(q)}
    out: list[dict[str, Any]] = []
    for part in chunks(sorted(held)):
        since: dict[int, dt.date] = {}
        running: dict[int, int] = defaultdict(int)
        q2 = (select(e.c.patient_id, e.c.posted_on, e.c.amount_cents)
              .where(e.c.patient_id.in_(part), e.c.charge_id.is_(None), e.c.posted_on <= day)
              .order_by(e.c.patient_id, e.c.posted_on, e.c.id))
        for r in session.execute(q2):
            before = running[r.patient_id]
            running[r.patient_id] = before + int(r.amount_cents)
            if before >= 0 > running[r.patient_id]:
                since[r.patient_id] = r.posted_on
        c = t.coverage
        mm = set(session.execute(
            select(c.c.patient_id).join(t.payer, t.payer.c.id == c.c.payer_id)
            .where(c.c.patient_id.in_(part),
                   t.payer.c.filing_indicator.in_(sorted(SIXTY_DAY_INDICATORS)))).scalars())
        accounts = _pairs(session.execute(select(t.patient.c.id, t.patient.c.account).where(
            t.patient.c.id.in_(part))))
        for pid in part:
            start = since.get(pid, day)
            age = (day - start).days
            if older_than is not None and age < older_than:
                continue
            refund_by = start + dt.timedelta(days=REFUND_WITHIN_DAYS) if pid in mm else None
            out.append({"account": accounts.get(pid, str(pid)), "credit": held[pid],
                        "since": start, "age": age, "medicare_medicaid": pid in mm,
                        "refund_by": refund_by,
                        "overdue": refund_by is not None and day > refund_by})
    out.sort(key=lambda r: (r["since"], r["account"]))
    return out


def _claims_of(session: Executor, charge_ids: Sequence[int]) -> dict[int, int]:
    """Charge -> the latest claim it is on."""
    out: dict[int, int] = {}
    cl = t.claim_line
    for part in chunks(sorted(set(charge_ids))):
        q = (select(cl.c.charge_id, func.max(cl.c.claim_id).label("claim"))
             .where(cl.c.charge_id.in_(part)).group_by(cl.c.charge_id))
        out.update({r.charge_id: r.claim for r in session.execute(q)})
    return out


def ledger_rows(*, session: Executor, account: str, claim: int | None = None,
                charge: int | None = None) -> list[dict[str, Any]]:
    """An account's entries, oldest first, each with its party's running balance.

    Args:
        session: a session or connection.
        account: the patient's account number.
        claim: only the lines of this claim.
        charge: only this charge line.

    Returns:
        Rows: id, date, charge, claim, party, kind, amount (cents), balance (the party's
        running balance over the rows shown), source (``type:id``), user.
    """
    p = _patient(session, account)
    e = t.ledger_entry
    q = select(e).where(e.c.patient_id == p.id).order_by(e.c.id)
    if claim is not None:
        found = session.execute(select(t.claim.c.id, t.claim.c.patient_id).where(
            t.claim.c.id == claim)).first()
        if found is None or found.patient_id != p.id:
            raise NotFoundError(f"No claim {claim} for {p.account}", "See medbill claim list")
        lines = select(t.claim_line.c.charge_id).where(t.claim_line.c.claim_id == claim)
        q = q.where(e.c.charge_id.in_(lines))
    if charge is not None:
        q = q.where(e.c.charge_id == charge)
    rows = list(session.execute(q))
    payers = _payer_ids(session, {r.payer_id for r in rows if r.payer_id is not None})
    claims = _claims_of(session, [r.charge_id for r in rows if r.charge_id is not None])
    running: dict[str, int] = defaultdict(int)
    out: list[dict[str, Any]] = []
    for r in rows:
        label = party_label(r.party, payers.get(r.payer_id, ("", ""))[0] if r.payer_id else None)
        running[label] += int(r.amount_cents)
        out.append({"id": r.id, "date": r.posted_on, "charge": r.charge_id,
                    "claim": claims.get(r.charge_id) if r.charge_id is not None else None,
                    "party": label, "kind": r.kind, "amount": int(r.amount_cents),
                    "balance": running[label], "source": f"{r.source_type}:{r.source_id}",
                    "user": r.created_by})
    return out


def account_lines(*, session: Executor, account: str, as_of: dt.date | None = None
                  ) -> list[dict[str, Any]]:
    """A patient's charge lines with what happened to each, for a statement: oldest first.

    Returns:
        Rows: charge, claim, date (of service), code, charges, insurance_paid, adjustments,
        patient_paid (applied to the line), owed_by {party label: cents}, patient_due; all
        cents. The patient's credit is ``patient_balance(...)["credit"]``.
    """
    p = _patient(session, account)
    return accounts_lines(session, [p.id], as_of=as_of).get(p.id, [])


def accounts_lines(session: Executor, patient_ids: Sequence[int], *,
                   as_of: dt.date | None = None) -> dict[int, list[dict[str, Any]]]:
    """``account_lines`` for many patients at once (a statement run): patient id -> lines."""
    day = as_of or today()
    e = t.ledger_entry
    o = e.alias("o")
    rows: list[Any] = []
    for part in chunks(sorted(set(patient_ids))):
        q = (select(e.c.patient_id, e.c.charge_id, e.c.kind, o.c.kind.label("orig"), e.c.party,
                    e.c.payer_id, func.sum(e.c.amount_cents).label("cents"))
             .select_from(e.outerjoin(o, o.c.id == e.c.reverses_id))
             .where(e.c.patient_id.in_(part), e.c.charge_id.is_not(None), e.c.posted_on <= day)
             .group_by(e.c.patient_id, e.c.charge_id, e.c.kind, o.c.kind, e.c.party,
                       e.c.payer_id))
        rows += session.execute(q)
    ids = sorted({r.charge_id for r in rows})
    payers = _payer_ids(session, {r.payer_id for r in rows if r.payer_id is not None})
    info: dict[int, Any] = {}
    for part in chunks(ids):
        q2 = select(t.charge.c.id, t.charge.c.date_of_service, t.charge.c.code).where(
            t.charge.c.id.in_(part))
        info.update({r.id: r for r in session.execute(q2)})
    claims = _claims_of(session, ids)
    lines: dict[int, dict[str, Any]] = {
        cid: {"charge": cid, "claim": claims.get(cid), "date": info[cid].date_of_service,
              "code": info[cid].code, "charges": 0, "insurance_paid": 0, "adjustments": 0,
              "patient_paid": 0, "owed_by": defaultdict(int)} for cid in ids}
    owner: dict[int, int] = {}
    for r in rows:
        owner[r.charge_id] = r.patient_id
        line = lines[r.charge_id]
        kind = KIND_TOTAL.get((r.orig if r.kind == "reversal" else r.kind) or "", "")
        if kind in ("charges", "refunds"):
            line["charges"] += int(r.cents)
        elif kind in ("insurance_paid", "adjustments", "patient_paid"):
            line[kind] -= int(r.cents)
        label = party_label(r.party, payers.get(r.payer_id, ("", ""))[0] if r.payer_id else None)
        line["owed_by"][label] += int(r.cents)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for cid in sorted(ids, key=lambda c: (lines[c]["date"], c)):
        line = lines[cid]
        line["owed_by"] = {k: v for k, v in line["owed_by"].items() if v}
        line["patient_due"] = line["owed_by"].get("patient", 0)
        out[owner[cid]].append(line)
    return dict(out)


def statement_text(*, session: Executor, account: str, as_of: dt.date | None = None) -> str:
    """A plain-text statement from the ledger: each charge line's charges, insurance paid,
    adjustments, patient payments, what insurance still owes and what the patient owes.

    The balance due is the patient's share on the lines less their unapplied credit (never
    below zero); self-pay lines are the patient's from the start.
    """
    from medbill_cli.money import fmt

    day = as_of or today()
    lines = account_lines(session=session, account=account, as_of=day)
    bal = patient_balance(session=session, account=account, as_of=day)
    pt = t.patient
    p = session.execute(select(pt.c.first_name, pt.c.last_name, pt.c.address, pt.c.city,
                               pt.c.state, pt.c.zip)
                        .where(pt.c.account == bal["account"])).one()
    practice = session.execute(select(t.practice.c.name, t.practice.c.address, t.practice.c.city,
                                      t.practice.c.state, t.practice.c.zip).limit(1)).first()
    pcns = _pairs(session.execute(select(t.claim.c.id, t.claim.c.pcn).where(
        t.claim.c.id.in_(sorted({ln["claim"] for ln in lines if ln["claim"] is not None})))))
    w = 78
    out: list[str] = []
    if practice is not None:
        out += [practice.name, practice.address,
                f"{practice.city}, {practice.state} {practice.zip[:5]}", ""]
    out += ["PATIENT STATEMENT".center(w), "=" * w,
            f"Account {bal['account']}    Statement date {day.isoformat()}",
            f"{p.first_name} {p.last_name}"]
    if p.address:
        out += [p.address, f"{p.city or ''}, {p.state or ''} {(p.zip or '')[:5]}"]
    out += ["", f"{'Date':<11}{'Claim':<14}{'Code':<8}{'Charges':>9}{'Ins paid':>9}"
                f"{'Adjust':>9}{'You paid':>9}{'Ins owes':>9}", "-" * w]
    tot = dict.fromkeys(("charges", "insurance_paid", "adjustments", "patient_paid", "ins"), 0)
    for ln in lines:
        ins = sum(v for k, v in ln["owed_by"].items() if k != "patient")
        claim = pcns.get(ln["claim"], "") if ln["claim"] is not None else "(self-pay)"
        out.append(f"{ln['date'].isoformat():<11}{claim[:13]:<14}{ln['code'][:7]:<8}"
                   f"{fmt(ln['charges']):>9}{fmt(ln['insurance_paid']):>9}"
                   f"{fmt(ln['adjustments']):>9}{fmt(ln['patient_paid']):>9}{fmt(ins):>9}"
                   f"  you owe {fmt(ln['patient_due'])}")
        for k in ("charges", "insurance_paid", "adjustments", "patient_paid"):
            tot[k] += ln[k]
        tot["ins"] += ins
    out += ["-" * w,
            f"{'Totals':<33}{fmt(tot['charges']):>9}{fmt(tot['insurance_paid']):>9}"
            f"{fmt(tot['adjustments']):>9}{fmt(tot['patient_paid']):>9}{fmt(tot['ins']):>9}"
            f"  you owe {fmt(bal['patient_due'])}", ""]
    if bal["credit"]:
        out.append(f"Unapplied payments (credit): {fmt(bal['credit'])}")
    if bal["refunds"]:
        out.append(f"Refunded to you: {fmt(bal['refunds'])}")
    due = max(bal["patient_due"] - bal["credit"], 0)
    out += [f"{'BALANCE DUE':<20}{'$' + fmt(due):>{w - 20}}", "=" * w,
            "Insurance pending amounts are not yet due from you.", ""]
    return "\n".join(out)
