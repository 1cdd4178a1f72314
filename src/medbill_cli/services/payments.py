"""Patient payments: copays, coinsurance and prepayments at the desk, and later payments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from medbill_cli import validate as v
from medbill_cli.dates import today
from medbill_cli.db.models import Encounter, Patient, Payment
from medbill_cli.errors import InputError, NotFoundError
from medbill_cli.money import amount_cents, from_cents
from medbill_cli.services import audit, days, ledger
from medbill_cli.services.patients import get_patient
from medbill_cli.status import PaymentStatus, check_transition

METHODS = ("cash", "check", "card", "eft")
KINDS = ("copay", "coinsurance", "prepayment", "patient")


@dataclass(frozen=True)
class PaymentView:
    payment: Payment
    account: str


def add_payment(
    *, session: Session, user: str, patient: str, amount: str | Decimal, method: str,
    reference: str | None = None, date: dt.date | None = None, encounter: int | None = None,
    kind: str | None = None, claim: int | None = None,
) -> tuple[Payment, list[str]]:
    """Post a payment from a patient.

    Without ``encounter`` a payment at the desk is linked to the patient's encounter on the
    payment date (when there is exactly one); a prepayment may have none yet.

    Args:
        session: the command's session.
        user: who acts.
        patient: account number.
        amount: as typed; more than 0.00.
        method: cash, check, card or eft.
        reference: check number, card authorization, EFT trace.
        date: the day the money was taken (default today).
        encounter: the encounter the payment is for.
        kind: copay, coinsurance, prepayment, or patient (a later payment); default copay,
            or patient when ``claim`` is given.
        claim: the claim a later payment is for.

    Returns:
        The payment and warnings to show.
    """
    p = get_patient(session=session, account=patient)
    assert p.id is not None
    cents = amount_cents(amount, "Amount", allow_zero=False)
    m = (method or "").strip().lower()
    if m not in METHODS:
        raise InputError(f"Method '{method}' must be one of {', '.join(METHODS)}")
    k = (kind or ("patient" if claim is not None else "copay")).strip().lower()
    if k not in KINDS:
        raise InputError(f"Kind '{kind}' must be one of {', '.join(KINDS)}")
    ref = (v.text(reference, field="Reference", max_len=50)
           if reference and reference.strip() else None)
    if m == "check" and ref is None:
        raise InputError("A check payment needs the check number", "Give --reference")
    day = date or today()
    if day > today():
        raise InputError(f"The payment date {day.isoformat()} is in the future")
    days.ensure_open(session=session, date=day, what="payment")
    warnings: list[str] = []
    enc_id: int | None = None
    if encounter is not None:
        enc = session.get(Encounter, encounter)
        if enc is None:
            raise NotFoundError(f"No encounter {encounter}",
                                "See medbill encounter list --date DATE")
        if enc.patient_id != p.id:
            raise InputError(f"Encounter {encounter} is not {p.account}'s", "Check --encounter")
        enc_id = enc.id
    elif claim is None:
        same_day = session.exec(
            select(Encounter.id)
            .where(Encounter.patient_id == p.id, Encounter.date_of_service == day)
            .order_by(col(Encounter.id))
        ).all()
        if len(same_day) == 1:
            enc_id = same_day[0]
        elif len(same_day) > 1:
            raise InputError(f"{p.account} has {len(same_day)} encounters on {day.isoformat()}",
                             "Give --encounter ID")
        elif k != "prepayment":
            warnings.append(f"{p.account} has no encounter on {day.isoformat()}; "
                            "the payment is not linked to a visit")
    if claim is not None:
        from medbill_cli.db.models import Claim

        if session.get(Claim, claim) is None:
            raise NotFoundError(f"No claim {claim}", "See medbill claim list")
    pay = Payment(patient_id=p.id, encounter_id=enc_id, claim_id=claim, date=day,
                  amount_cents=cents, method=m, kind=k, reference=ref, created_by=user)
    session.add(pay)
    session.flush()
    audit.record(session=session, user=user, action="create", entity="payment", entity_id=pay.id,
                 after=audit.snapshot(pay))
    ledger.post_patient_payment(session=session, user=user, payment=pay)
    from medbill_cli.services.collections import recover

    got = recover(session=session, user=user, patient_id=p.id, date=day)
    if got:
        from medbill_cli.money import fmt

        warnings.append(f"{p.account} is in collections: {fmt(got)} of the payment is posted "
                        "as a bad-debt recovery")
    return pay, warnings


def list_payments(
    *, session: Session, date: dt.date | None = None, patient: str | None = None,
) -> list[PaymentView]:
    q = select(Payment, Patient.account).join(Patient, col(Patient.id) == Payment.patient_id)
    if date is not None:
        q = q.where(Payment.date == date)
    if patient:
        q = q.where(Patient.account == patient.strip().upper())
    rows = session.exec(q.order_by(col(Payment.date), col(Payment.id))).all()
    return [PaymentView(pay, acct or "") for pay, acct in rows]


def get_payment(*, session: Session, payment_id: int) -> PaymentView:
    row = session.exec(
        select(Payment, Patient.account).join(Patient, col(Patient.id) == Payment.patient_id)
        .where(Payment.id == payment_id)
    ).first()
    if row is None:
        raise NotFoundError(f"No payment {payment_id}", "See medbill payment list")
    return PaymentView(row[0], row[1] or "")


def receipt_text(*, session: Session, payment_id: int) -> str:
    """A plain-text receipt for the patient: the practice, who paid, how much, how and what for."""
    from medbill_cli.db.models import Practice

    view = get_payment(session=session, payment_id=payment_id)
    pay = view.payment
    patient = session.get(Patient, pay.patient_id)
    assert patient is not None
    practice = session.exec(select(Practice).limit(1)).first()
    lines: list[str] = []
    if practice is not None:
        lines += [practice.name, practice.address,
                  f"{practice.city}, {practice.state} {practice.zip[:5]}"]
        if practice.phone:
            ph = practice.phone
            lines.append(f"Phone {ph[:3]}-{ph[3:6]}-{ph[6:]}" if len(ph) == 10 else f"Phone {ph}")
        lines.append("")
    width = 40
    lines += ["RECEIPT".center(width), "=" * width]
    kind = {"copay": "Copay", "coinsurance": "Coinsurance", "prepayment": "Prepayment",
            "patient": "Payment on account"}.get(pay.kind, pay.kind)
    method = {"cash": "Cash", "check": "Check", "card": "Card",
              "eft": "EFT"}.get(pay.method, pay.method)
    fields = [
        ("Receipt no.", str(pay.id)),
        ("Date", pay.date.isoformat()),
        ("Patient", f"{patient.first_name} {patient.last_name}"),
        ("Account", view.account),
        ("For", kind + (f" (visit {pay.encounter_id})" if pay.encounter_id else "")),
        ("Method", method + (f" #{pay.reference}" if pay.reference else "")),
    ]
    if pay.status != PaymentStatus.POSTED:
        fields.append(("Status", pay.status.upper()))
    lines += [f"{k:<14}{val}" for k, val in fields]
    paid = "$" + format(from_cents(pay.amount_cents), ",.2f")
    lines += ["-" * width, f"{'Amount paid':<14}{paid:>{width - 14}}",
              "=" * width, "Thank you.", ""]
    return "\n".join(lines)


def reverse_payment(*, session: Session, user: str, payment_id: int, reason: str) -> Payment:
    """Reverse a posted payment (entered in error, bounced check, refunded): the row stays,
    marked reversed with who, when and why, and stops counting in balances and close of day.

    Args:
        session: the command's session.
        user: who acts.
        payment_id: the payment.
        reason: why (kept on the payment and in the audit trail).

    Returns:
        The reversed payment.
    """
    from medbill_cli.db.models._base import utcnow

    why = v.reason(reason, needed_for="A reversal", max_len=200)
    pay = get_payment(session=session, payment_id=payment_id).payment
    if pay.status == PaymentStatus.REVERSED:
        raise InputError(f"Payment {payment_id} is already reversed ({pay.reversed_reason})")
    new = check_transition(pay.status, PaymentStatus.REVERSED, record=payment_id)
    days.ensure_open(session=session, date=pay.date, what="payment reversal")
    before = audit.snapshot(pay)
    pay.status = new.value
    pay.reversed_reason = why
    pay.reversed_by = user
    pay.reversed_at = utcnow()
    session.add(pay)
    session.flush()
    audit.record(session=session, user=user, action="reverse", entity="payment",
                 entity_id=pay.id, before=before, after=audit.snapshot(pay))
    assert pay.id is not None
    ledger.reverse_payment(session=session, user=user, payment_id=pay.id)
    from medbill_cli.services.collections import unrecover

    unrecover(session=session, user=user, patient_id=pay.patient_id)
    return pay
