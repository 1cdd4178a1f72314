"""Close of day: balance the day's encounter forms against the charges and payments entered.

The day
    A date D. Its encounters are those with date of service D. Its charges are the charges on
    those encounters, and any charge with date of service D. Its point-of-service payments are
    the posted payments on those encounters (whatever their date, so a copay posted late against
    the visit still counts for the visit), and the posted payments dated D that belong to no
    encounter and no claim. The cash drawer holds every posted payment dated D.

Live charges and posted payments
    A charge counts while its status is not ``void``; a payment while its status is ``posted``.
    Voided charges and reversed payments count as never entered.

A form total that is absent (``None``) means the form states no such total: it is not compared
(an absent collected total is not "nothing collected"). An explicit 0.00 is compared.

Discrepancy kinds (``expected`` is what the paper says, ``actual`` what was entered;
``difference`` = actual - expected, so negative means less was entered than the form says):

``missing_charge``
    An encounter from an encounter form (source ``form``) with no live charge, unless the form
    states 0.00 charges (a no-charge visit). Expected: the form's charges (0.00 when absent);
    actual 0.00.
``charge_mismatch``
    A form encounter with live charges whose total differs from the form's stated charges.
``charge_without_encounter``
    Live charges on an encounter that was opened by charge entry (source ``charge``: no
    encounter form behind it), one row per encounter; also a live charge dated D whose
    encounter is dated another day. Expected 0.00, actual the charges.
``unposted_payment``
    A form encounter whose form states money collected (> 0.00) with no posted payment.
``payment_mismatch``
    A form encounter whose posted payments differ from the form's stated collected total
    (including payments posted where the form states 0.00 collected).
``payment_without_encounter``
    A posted payment dated D linked to no encounter and no claim (and not a later payment on
    account, kind ``patient``), one row per payment; or posted payments on an encounter
    opened by charge entry (no form to balance them against), one row per encounter.
    Expected 0.00, actual the payment.
``drawer_mismatch``
    With ``--drawer``: for each method counted, the count differs from the posted payments
    dated D by that method. Expected: posted; actual: counted (a negative difference is a
    short drawer). Methods not counted are not compared. ``encounter`` and ``patient`` are null.

Totals (the JSON shape of ``reconcile --format json``)
    ``encounters``: every encounter of the day (from forms and opened by charge entry).
    ``form_charges`` / ``form_collected``: the totals stated on the day's forms (absent = 0).
    ``entered_charges``: the day's live charges. ``posted_payments``: the day's point-of-service
    payments as defined above. A payment dated D for a visit on another day counts for that
    visit's day, and here only in the drawer (payments by method), as does a later payment on
    account or on a claim.

The day is balanced when there is no discrepancy. A day with no activity is balanced, with zeros.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError
from medbill_cli.money import AmountError, fmt, parse_amount, to_cents
from medbill_cli.status import ChargeStatus, PaymentStatus

KINDS = (
    "missing_charge",
    "charge_without_encounter",
    "charge_mismatch",
    "unposted_payment",
    "payment_mismatch",
    "payment_without_encounter",
    "drawer_mismatch",
)
METHODS = ("cash", "check", "card", "eft")

KIND_TITLES = {
    "missing_charge": "Encounters with no charge entered",
    "charge_without_encounter": "Charges with no encounter form",
    "charge_mismatch": "Charges entered differ from the encounter form",
    "unposted_payment": "Collected on the form, not posted",
    "payment_mismatch": "Posted payment differs from the form",
    "payment_without_encounter": "Payments with no encounter",
    "drawer_mismatch": "Cash drawer differs from payments posted",
}


@dataclass(frozen=True)
class Discrepancy:
    """One thing out of balance. Amounts in cents; ``difference`` = actual - expected."""

    kind: str
    encounter: int | None
    patient: str | None
    expected_cents: int
    actual_cents: int
    method: str | None = None  # drawer_mismatch only; shown to people, not in the JSON shape
    payment: int | None = None  # payment_without_encounter for an unlinked payment

    @property
    def difference_cents(self) -> int:
        return self.actual_cents - self.expected_cents

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "encounter": self.encounter, "patient": self.patient,
                "expected": fmt(self.expected_cents), "actual": fmt(self.actual_cents),
                "difference": fmt_signed(self.difference_cents)}


def fmt_signed(cents: int) -> str:
    """A signed amount: ``"-25.00"`` or ``"25.00"``."""
    return ("-" if cents < 0 else "") + fmt(abs(cents))


@dataclass
class Reconciliation:
    """The day's totals side by side, and every discrepancy."""

    date: dt.date
    encounters: int = 0
    form_encounters: int = 0
    charges: int = 0  # live charges counted
    voided_charges: int = 0
    payments: int = 0  # posted point-of-service payments counted
    form_charges_cents: int = 0
    entered_charges_cents: int = 0
    form_collected_cents: int = 0
    posted_payments_cents: int = 0
    by_method_cents: dict[str, int] = field(default_factory=dict)  # posted payments dated the day
    drawer_cents: dict[str, int] | None = None
    discrepancies: list[Discrepancy] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list, repr=False)  # what the hash covers

    @property
    def balanced(self) -> bool:
        return not self.discrepancies

    def as_json(self) -> dict[str, Any]:
        """Exactly the shape in CLI.md."""
        return {
            "date": self.date.isoformat(),
            "balanced": self.balanced,
            "encounters": self.encounters,
            "form_charges": fmt(self.form_charges_cents),
            "entered_charges": fmt(self.entered_charges_cents),
            "form_collected": fmt(self.form_collected_cents),
            "posted_payments": fmt(self.posted_payments_cents),
            "discrepancies": [d.as_json() for d in self.discrepancies],
        }

    def rows_hash(self) -> str:
        """SHA-256 over the day's encounter, charge and payment rows, in a fixed order."""
        lines = ["\x1f".join("" if v is None else str(v) for v in row)
                 for row in sorted(self.rows, key=lambda r: (r[0], r[1]))]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def snapshot(self) -> dict[str, Any]:
        """Counts and totals to keep with a close."""
        return {
            "date": self.date.isoformat(),
            "balanced": self.balanced,
            "encounters": self.encounters,
            "form_encounters": self.form_encounters,
            "charges": self.charges,
            "voided_charges": self.voided_charges,
            "payments": self.payments,
            "form_charges": fmt(self.form_charges_cents),
            "entered_charges": fmt(self.entered_charges_cents),
            "form_collected": fmt(self.form_collected_cents),
            "posted_payments": fmt(self.posted_payments_cents),
            "by_method": {m: fmt(c) for m, c in self.by_method_cents.items()},
            "drawer": ({m: fmt(c) for m, c in self.drawer_cents.items()}
                       if self.drawer_cents is not None else None),
            "discrepancies": [d.as_json() for d in self.discrepancies],
            "rows": len(self.rows),
        }


def parse_drawer(text: str | None) -> dict[str, int] | None:
    """``cash=120.00,check=45.00,card=300.00`` -> cents by method.

    Args:
        text: the counted drawer as typed, or None.

    Returns:
        Cents by method, or None when no drawer was given.
    """
    if text is None:
        return None
    out: dict[str, int] = {}
    hint = "Use --drawer cash=120.00,check=45.00,card=300.00"
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        method, sep, amount = part.partition("=")
        method = method.strip().lower()
        if not sep or method not in METHODS:
            raise InputError(f"Drawer entry '{part}' is not METHOD=AMOUNT with a method of "
                             f"{', '.join(METHODS)}", hint)
        if method in out:
            raise InputError(f"Drawer method '{method}' is given twice", hint)
        try:
            out[method] = to_cents(parse_amount(amount))
        except AmountError as exc:
            raise InputError(f"Drawer {method}: {exc}", hint) from None
    if not out:
        raise InputError("The drawer count is empty", hint)
    return out


def reconcile_day(
    *, session: Session, date: dt.date, drawer: dict[str, int] | None = None, lock: bool = False,
) -> Reconciliation:
    """Balance one day.

    Args:
        session: the command's session.
        date: the day.
        drawer: the counted cash drawer in cents by method, or None.
        lock: take the day lock first (before closing), so that no charge or payment lands
            between reading the day and closing it.

    Returns:
        The reconciliation: totals, payments by method, discrepancies in kind order.
    """
    if lock:
        from medbill_cli.services import audit

        audit.lock_chain(session)  # the day lock (``days.lock_days``) is the chain's
    r = Reconciliation(date=date, drawer_cents=drawer)
    e, c, pay, pat = t.encounter.c, t.charge.c, t.payment.c, t.patient.c
    day_enc_ids = select(e.id).where(e.date_of_service == date)

    conn = session.connection()  # Core rows: no ORM bookkeeping for thousands of rows
    encs = conn.execute(
        select(e.id, e.patient_id, pat.account, e.source, e.form_number, e.form_charges_cents,
               e.form_collected_cents)
        .join(t.patient, pat.id == e.patient_id)
        .where(e.date_of_service == date)
        .order_by(e.id)
    ).all()
    charges = conn.execute(
        select(c.id, c.encounter_id, c.patient_id, c.date_of_service, c.code, c.modifiers,
               c.units, c.amount_cents, c.status)
        .where(or_(c.date_of_service == date, c.encounter_id.in_(day_enc_ids)))
    ).all()
    payments = conn.execute(
        select(pay.id, pay.encounter_id, pay.claim_id, pay.patient_id, pay.date,
               pay.amount_cents, pay.method, pay.kind, pay.status)
        .where(or_(pay.date == date, pay.encounter_id.in_(day_enc_ids)))
    ).all()

    enc_by_id = {e[0]: e for e in encs}
    accounts = {e[1]: e[2] for e in encs}
    missing_accounts = {c[2] for c in charges} | {p[3] for p in payments}
    missing_accounts -= set(accounts)
    if missing_accounts:
        for part in chunks(sorted(missing_accounts)):
            accounts.update({i: a for i, a in conn.execute(
                select(pat.id, pat.account).where(pat.id.in_(part)))})

    live_total: dict[int, int] = defaultdict(int)
    live_count: dict[int, int] = defaultdict(int)
    stray_charges: dict[int, int] = defaultdict(int)  # dated the day, encounter on another day
    stray_patient: dict[int, int] = {}
    r.rows.extend(("charge", *c) for c in charges)
    for _cid, enc_id, pid, _dos, _code, _mods, _units, amount, status in charges:
        if status == ChargeStatus.VOID:
            r.voided_charges += 1
            continue
        r.charges += 1
        r.entered_charges_cents += amount
        if enc_id in enc_by_id:
            live_total[enc_id] += amount
            live_count[enc_id] += 1
        else:
            stray_charges[enc_id] += amount
            stray_patient[enc_id] = pid

    paid: dict[int, int] = defaultdict(int)
    by_method: dict[str, int] = defaultdict(int)
    unlinked: list[tuple[int, int, int]] = []  # payment id, patient id, cents
    r.rows.extend(("payment", *p) for p in payments)
    for pay_id, enc_id, claim_id, pid, pay_date, amount, method, kind, status in payments:
        if status != PaymentStatus.POSTED:
            continue
        if pay_date == date:
            by_method[method] += amount
        if enc_id in enc_by_id:
            paid[enc_id] += amount
            r.payments += 1
            r.posted_payments_cents += amount
        elif pay_date == date and enc_id is None and claim_id is None and kind != "patient":
            unlinked.append((pay_id, pid, amount))
            r.payments += 1
            r.posted_payments_cents += amount
    r.by_method_cents = {m: by_method[m] for m in METHODS if by_method.get(m)}
    r.by_method_cents.update({m: c for m, c in by_method.items() if m not in METHODS})

    found: list[Discrepancy] = []
    r.rows.extend(("encounter", *e) for e in encs)
    live_get, count_get, paid_get = live_total.get, live_count.get, paid.get
    for enc_id, _pid, account, source, _form, form_charges, collected in encs:
        r.encounters += 1
        live, n_live, posted = live_get(enc_id, 0), count_get(enc_id, 0), paid_get(enc_id, 0)
        if source != "form":
            if n_live:
                found.append(Discrepancy("charge_without_encounter", enc_id, account, 0, live))
            if posted:
                found.append(Discrepancy("payment_without_encounter", enc_id, account, 0, posted))
            continue
        r.form_encounters += 1
        r.form_charges_cents += form_charges or 0
        r.form_collected_cents += collected or 0
        if n_live == 0:
            if form_charges != 0:
                found.append(Discrepancy("missing_charge", enc_id, account, form_charges or 0, 0))
        elif form_charges is not None and live != form_charges:
            found.append(Discrepancy("charge_mismatch", enc_id, account, form_charges, live))
        if collected is not None:
            if collected > 0 and posted == 0:
                found.append(Discrepancy("unposted_payment", enc_id, account, collected, 0))
            elif posted != collected:
                found.append(Discrepancy("payment_mismatch", enc_id, account, collected, posted))
    for enc_id, cents in stray_charges.items():
        found.append(Discrepancy("charge_without_encounter", enc_id,
                                 accounts.get(stray_patient[enc_id]), 0, cents))
    for pay_id, pid, amount in unlinked:
        found.append(Discrepancy("payment_without_encounter", None, accounts.get(pid), 0, amount,
                                 payment=pay_id))
    if drawer:
        for m in METHODS:
            if m in drawer and drawer[m] != r.by_method_cents.get(m, 0):
                found.append(Discrepancy("drawer_mismatch", None, None,
                                         r.by_method_cents.get(m, 0), drawer[m], method=m))
    order = {k: i for i, k in enumerate(KINDS)}
    r.discrepancies = sorted(found, key=lambda d: (order[d.kind], d.encounter or 0, d.payment or 0,
                                                   METHODS.index(d.method) if d.method else 0))
    return r
