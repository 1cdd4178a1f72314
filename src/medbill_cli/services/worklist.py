"""Follow-up worklists: what needs a biller today, each item with its age and what to do.

Kinds are a registry (``KINDS``): a kind is a name, a default for ``--days``, and a function
from (session, days, today) to items. Another kind plugs in with one ``register(Kind(...))``.

- ``held``: claims the scrub held, with their error findings.
- ``rejected``: claims a TA1, 999 or 277 rejected, with the reason in words.
- ``no-response``: claims submitted (or accepted) N days ago or more, with no 835 yet.
- ``timely-filing``: unbilled charges and rejected claims within N days of the payer's filing
  limit, or past it.
- ``denied``: open denials, oldest first.
- ``credit``: patients holding unapplied money (the ledger's credit).
- ``unbilled``: charges not on a claim N days after the date of service.
- ``eligibility``: patients seen N days from today (default tomorrow) with no eligibility
  answer for that date, or an inactive or rejected one (``services.eligibility``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, func, select

from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError
from medbill_cli.money import fmt
from medbill_cli.services.acks import rejection_reasons

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session as OrmSession

    # Kinds read with Core: a command's session or, for speed, its bare connection.
    Session = OrmSession | Connection


@dataclass(frozen=True)
class Item:
    kind: str
    record: str  # what the item is: claim 12, charge 40, denial 3, patient P000001
    age_days: int
    reason: str
    action: str
    pcn: str | None = None
    patient: str | None = None
    payer: str | None = None
    amount_cents: int | None = None

    def public(self) -> dict[str, Any]:
        return {"kind": self.kind, "record": self.record, "pcn": self.pcn,
                "patient": self.patient, "payer": self.payer, "age_days": self.age_days,
                "amount": fmt(self.amount_cents) if self.amount_cents is not None else None,
                "reason": self.reason, "action": self.action}


Finder = Callable[["Session", int, dt.date], list[Item]]


@dataclass(frozen=True)
class Kind:
    name: str
    default_days: int
    help: str
    find: Finder


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind to the worklist (``medbill worklist NAME``)."""
    KINDS[kind.name] = kind
    return kind


def _age(today: dt.date, when: dt.datetime | dt.date | None) -> int:
    if when is None:
        return 0
    day = when.date() if isinstance(when, dt.datetime) else when
    return (today - day).days


def _names(session: Session, model: Any, key: str, ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for part in chunks(sorted(i for i in ids if i is not None)):
        out.update(dict(session.execute(select(model.c.id, model.c[key])
                                        .where(model.c.id.in_(list(part)))).all()))
    return out


def _claim_items(session: Session, rows: Sequence[Any], kind: str, today: dt.date,
                 reason: Callable[[Any], str], action: Callable[[Any], str],
                 since: Callable[[Any], Any]) -> list[Item]:
    return [Item(kind, f"claim {r.id}", _age(today, since(r)), reason(r), action(r), r.pcn,
                 r.account, r.payer_code, r.total_cents) for r in rows]


_CLAIM_COLS = (t.claim.c.id, t.claim.c.pcn, t.claim.c.patient_id, t.claim.c.payer_id,
               t.claim.c.total_cents, t.claim.c.created_at, t.claim.c.submitted_at,
               t.claim.c.first_dos, t.patient.c.account, t.payer.c.payer_id.label("payer_code"))


def _claims(*where: Any) -> Any:
    """The claims matching ``where`` with their patient's account and payer's id."""
    c = t.claim.c
    return (select(*_CLAIM_COLS).join(t.patient, t.patient.c.id == c.patient_id)
            .outerjoin(t.payer, t.payer.c.id == c.payer_id).where(*where))


# --------------------------------------------------------------------------- the kinds


def find_held(session: Session, days: int, today: dt.date) -> list[Item]:
    c, f = t.claim.c, t.claim_finding.c
    rows = list(session.execute(_claims(c.status == "held").order_by(c.id)))
    rows = [r for r in rows if _age(today, r.created_at) >= days]
    findings: dict[int, list[str]] = {}
    for part in chunks([r.id for r in rows]):
        q = (select(f.claim_id, f.edit, f.line, f.message).where(f.claim_id.in_(list(part)),
                                                                 f.severity == "error")
             .order_by(f.id))
        for cid, edit, line, msg in session.execute(q):
            findings.setdefault(cid, []).append(f"{edit}{f' line {line}' if line else ''}: {msg}")
    return _claim_items(session, rows, "held", today,
                        lambda r: "; ".join(findings.get(r.id, [])) or "held by the scrub",
                        lambda r: f"Fix the findings (medbill claim show {r.id}), then "
                                  f"medbill claim scrub {r.id}", lambda r: r.created_at)


def find_rejected(session: Session, days: int, today: dt.date) -> list[Item]:
    c = t.claim.c
    rows = list(session.execute(_claims(c.status == "rejected").order_by(c.id)))
    reasons = rejection_reasons(session, [r.id for r in rows])
    rows = [r for r in rows if _age(today, reasons.get(r.id, ("", r.submitted_at))[1]) >= days]
    return _claim_items(
        session, rows, "rejected", today,
        lambda r: reasons.get(r.id, ("rejected (no acknowledgment on file)", None))[0],
        lambda r: "Correct what the reason names (patient, coverage or charge), then send it "
                  f"again as an original with a new claim number (medbill claim history {r.id})",
        lambda r: reasons.get(r.id, ("", r.submitted_at))[1])


def find_no_response(session: Session, days: int, today: dt.date) -> list[Item]:
    c, ec = t.claim.c, t.era_claim.c
    cutoff = dt.datetime.combine(today - dt.timedelta(days=days), dt.time.max, tzinfo=dt.UTC)
    q = (_claims(c.status.in_(("submitted", "accepted")), c.submitted_at <= cutoff,
                 ~exists().where(ec.claim_id == c.id))
         .add_columns(c.status).order_by(c.submitted_at, c.id))
    rows = list(session.execute(q))
    return _claim_items(
        session, rows, "no-response", today,
        lambda r: f"{r.status}, no 835 after {_age(today, r.submitted_at)} days",
        lambda r: f"Ask the payer: medbill claim status-request {r.id} --output status.276 "
                  "(or call), and resend if they have no record", lambda r: r.submitted_at)


def _primary_payers(session: Session, patient_ids: set[int]) -> dict[int, tuple[int, str, int]]:
    """patient id -> (payer row id, payer id, timely filing days) of the primary coverage."""
    cov, pay = t.coverage.c, t.payer.c
    out: dict[int, tuple[int, str, int]] = {}
    for part in chunks(sorted(patient_ids)):
        q = (select(cov.patient_id, pay.id, pay.payer_id, pay.timely_filing_days)
             .join(t.payer, pay.id == cov.payer_id)
             .where(cov.patient_id.in_(list(part)), cov.priority == "primary")
             .order_by(cov.id))
        for pid, payer_row, payer_id, limit in session.execute(q):
            out[pid] = (payer_row, payer_id, limit)
    return out


def _filing_note(today: dt.date, dos: dt.date, limit: int) -> tuple[int, str]:
    left = (dos + dt.timedelta(days=limit) - today).days
    if left < 0:
        return left, f"past the payer's {limit}-day filing limit by {-left} days"
    return left, f"{left} days left of the payer's {limit}-day filing limit"


def find_timely_filing(session: Session, days: int, today: dt.date) -> list[Item]:
    ch, c = t.charge.c, t.claim.c
    items: list[Item] = []
    charges = list(session.execute(select(ch.id, ch.patient_id, ch.date_of_service, ch.amount_cents,
                                          ch.code).where(ch.status == "unbilled")))
    rejected = list(session.execute(_claims(c.status == "rejected")))
    payers = _primary_payers(session, {r.patient_id for r in charges})
    limits = {pid: lim for pid, lim in session.execute(select(t.payer.c.id,
                                                              t.payer.c.timely_filing_days))}
    accounts = _names(session, t.patient, "account", {r.patient_id for r in charges})
    for r in charges:
        if r.patient_id not in payers:
            continue
        _, payer_id, limit = payers[r.patient_id]
        left, note = _filing_note(today, r.date_of_service, limit)
        if left <= days:
            items.append(Item("timely-filing", f"charge {r.id}", _age(today, r.date_of_service),
                              f"unbilled {r.code}: {note}",
                              "Bill it now: medbill claim generate, scrub, export" if left >= 0
                              else "Appeal with proof of timely filing, or write it off",
                              None, accounts.get(r.patient_id), payer_id, r.amount_cents))
    for r in rejected:
        limit = limits.get(r.payer_id, 365)
        left, note = _filing_note(today, r.first_dos or r.created_at.date(), limit)
        if left <= days:
            items.append(Item("timely-filing", f"claim {r.id}", _age(today, r.first_dos),
                              f"rejected claim: {note}",
                              "Correct and resend it today" if left >= 0
                              else "Appeal with proof of timely filing (the rejection), "
                                   "or write it off",
                              r.pcn, r.account, r.payer_code, r.total_cents))
    return sorted(items, key=lambda i: -i.age_days)


def _carc_words(session: Session, codes: set[str]) -> dict[str, str]:
    k = t.code.c
    out: dict[str, str] = {}
    for part in chunks(sorted(codes)):
        q = select(k.code, k.long_description).where(k.system == "carc", k.code.in_(list(part)))
        out.update(dict(session.execute(q).all()))
    return out


def find_denied(session: Session, days: int, today: dt.date) -> list[Item]:
    d, c = t.denial.c, t.claim.c
    q = (select(d.id, d.claim_id, d.payer_id, d.group_code, d.carc, d.rarc, d.amount_cents,
                d.opened_on, c.pcn, c.patient_id).join(t.claim, c.id == d.claim_id)
         .where(d.status == "open").order_by(d.opened_on, d.id))
    rows = [r for r in session.execute(q) if _age(today, r.opened_on) >= days]
    words = _carc_words(session, {r.carc for r in rows})
    accounts = _names(session, t.patient, "account", {r.patient_id for r in rows})
    payers = _names(session, t.payer, "payer_id", {r.payer_id for r in rows})
    return [Item("denied", f"denial {r.id}", _age(today, r.opened_on),
                 f"{r.group_code}-{r.carc} {words.get(r.carc, '')}".strip()
                 + (f" (remarks {r.rarc})" if r.rarc else ""),
                 f"Work it: medbill denial work {r.id} --note ... (correct and resend, or appeal)",
                 r.pcn, accounts.get(r.patient_id), payers.get(r.payer_id), r.amount_cents)
            for r in rows]


def _insurance_pending(session: Session, today: dt.date) -> set[str]:
    """Accounts with a balance still held by a coverage (a claim not yet answered, or a
    denial not yet worked): their credit waits for the patient's share to be known."""
    e, p = t.ledger_entry.c, t.patient.c
    q = (select(p.account).select_from(t.ledger_entry.join(t.patient, p.id == e.patient_id))
         .where(e.coverage_id.is_not(None), e.charge_id.is_not(None), e.posted_on <= today)
         .group_by(p.account, e.coverage_id).having(func.sum(e.amount_cents) > 0))
    return {str(a) for a in session.execute(q).scalars()}


def find_credit(session: Session, days: int, today: dt.date) -> list[Item]:
    """Credits to refund or apply. A credit on an account whose insurance still holds a
    balance is left out (``credit list`` shows it): it is usually the copay collected before
    the payer answered, and the ledger applies it to the patient's share when that lands."""
    from medbill_cli.services.ledger_reports import credits

    rows = credits(session=session, as_of=today)
    pending = _insurance_pending(session, today) if rows else set()
    items = [Item("credit", f"patient {r['account']}", r["age"],
                  f"paid {fmt(r['credit'])} more than owed"
                  + (" (over 60 days: refund it)" if r["age"] > 60 or r["overdue"] else ""),
                  "Refund it (medbill refund add) or apply it to a later visit", None,
                  r["account"], None, r["credit"])
             for r in rows if r["account"] not in pending]
    return [i for i in sorted(items, key=lambda i: -i.age_days) if i.age_days >= days]


def find_unbilled(session: Session, days: int, today: dt.date) -> list[Item]:
    ch = t.charge.c
    cutoff = today - dt.timedelta(days=days)
    q = (select(ch.id, ch.patient_id, ch.date_of_service, ch.code, ch.amount_cents)
         .where(ch.status == "unbilled", ch.date_of_service <= cutoff)
         .order_by(ch.date_of_service, ch.id))
    rows = list(session.execute(q))
    payers = _primary_payers(session, {r.patient_id for r in rows})
    accounts = _names(session, t.patient, "account", {r.patient_id for r in rows})
    return [Item("unbilled", f"charge {r.id}", _age(today, r.date_of_service),
                 f"{r.code} not on a claim after {_age(today, r.date_of_service)} days"
                 + ("" if r.patient_id in payers else "; the patient has no primary coverage"),
                 "medbill claim generate" if r.patient_id in payers
                 else "Add the coverage (medbill coverage add) or bill the patient",
                 None, accounts.get(r.patient_id),
                 payers[r.patient_id][1] if r.patient_id in payers else None, r.amount_cents)
            for r in rows]


register(Kind("held", 0, "claims the scrub held, with their findings", find_held))
register(Kind("rejected", 0, "claims rejected by a TA1, 999 or 277, with the reason",
              find_rejected))
register(Kind("no-response", 30, "claims sent N days ago with no 835", find_no_response))
register(Kind("timely-filing", 30, "unbilled charges and rejected claims near or past the payer's "
                                   "filing limit", find_timely_filing))
register(Kind("denied", 0, "open denials by age", find_denied))
register(Kind("credit", 0, "patients who paid more than they owe, with nothing left with "
                          "their insurance", find_credit))
register(Kind("unbilled", 3, "charges not on a claim N days after the date of service",
              find_unbilled))


def find_eligibility(session: Session, days: int, today: dt.date) -> list[Item]:
    from sqlmodel import Session as OrmSession

    from medbill_cli.services.eligibility import eligibility_worklist

    orm = session if isinstance(session, OrmSession) else OrmSession(bind=session)
    return [Item("eligibility", f"patient {i.account}", 0, f"{i.reason} for {i.date}", i.fix,
                 patient=i.account)
            for i in eligibility_worklist(orm, today + dt.timedelta(days=days))]


register(Kind("eligibility", 1, "patients seen in N days (tomorrow) with no eligibility answer "
                                "or an inactive one", find_eligibility))


def worklist(*, session: Session, kinds: Sequence[str] = (), days: int | None = None,
             today: dt.date | None = None) -> list[Item]:
    """The items of the chosen kinds (default: every kind), kind by kind.

    Args:
        session: a session (read only).
        kinds: names from ``KINDS``.
        days: each kind's threshold in days (default: the kind's own).
        today: the day ages count to.

    Raises:
        InputError: an unknown kind or a negative --days (exit 3).
    """
    names = list(dict.fromkeys(k.strip().lower() for k in kinds)) or list(KINDS)
    unknown = [k for k in names if k not in KINDS]
    if unknown:
        raise InputError(f"Unknown worklist kind '{unknown[0]}'", f"Use one of {', '.join(KINDS)}")
    if days is not None and days < 0:
        raise InputError(f"--days {days} is negative", "Give a number of days, 0 or more")
    day = today or dt.date.today()
    out: list[Item] = []
    for name in names:
        kind = KINDS[name]
        out += kind.find(session, kind.default_days if days is None else days, day)
    return out


__all__ = ["KINDS", "Item", "Kind", "register", "worklist"]
