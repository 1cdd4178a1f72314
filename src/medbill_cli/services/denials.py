"""The denial worklist: list denied claims and lines, work them, report them by reason and
payer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from medbill_cli.dates import today
from medbill_cli.db.models import Claim, Denial, Patient, Payer
from medbill_cli.db.models._base import utcnow
from medbill_cli.errors import InputError, NotFoundError
from medbill_cli.services import audit, ledger
from medbill_cli.status import DenialStatus, check_transition, parse_option


@dataclass(frozen=True)
class DenialView:
    denial: Denial
    pcn: str
    account: str
    payer: str  # the payer's EDI id
    payer_name: str

    def age(self, day: dt.date | None = None) -> int:
        return ((day or today()) - self.denial.opened_on).days


def _query() -> Select[Denial, str, str | None, str, str]:
    return (core_select(Denial, col(Claim.pcn), col(Patient.account), col(Payer.payer_id),
                        col(Payer.name))
            .join(Claim, col(Claim.id) == Denial.claim_id)
            .join(Patient, col(Patient.id) == Claim.patient_id)
            .outerjoin(Payer, col(Payer.id) == Denial.payer_id))


def list_denials(
    *, session: Session, status: str | None = None, payer: str | None = None,
    reason: str | None = None, min_age: int | None = None,
) -> list[DenialView]:
    """Denials, oldest first, filtered by status, payer (EDI id), CARC and minimum age in days."""
    q = _query()
    if status:
        q = q.where(col(Denial.status) == parse_option(DenialStatus, status))
    if payer:
        q = q.where(col(Payer.payer_id) == payer.strip().upper())
    if reason:
        q = q.where(col(Denial.carc) == reason.strip().upper())
    if min_age is not None:
        q = q.where(col(Denial.opened_on) <= today() - dt.timedelta(days=min_age))
    rows = session.execute(q.order_by(col(Denial.opened_on), col(Denial.id))).all()
    return [DenialView(d, pcn, acct, pid or "", name or "") for d, pcn, acct, pid, name in rows]


def work_denial(
    *, session: Session, user: str, denial_id: int, note: str, status: str | None = None,
) -> DenialView:
    """Add a note to a denial and move it to ``worked`` (or the status given).

    Closing a denial writes its amount off: it leaves the payer's A/R. A closed denial stays
    closed (the transition table has no way out of it).
    """
    d = session.get(Denial, denial_id)
    if d is None:
        raise NotFoundError(f"No denial {denial_id}", "See medbill denial list")
    text = " ".join((note or "").split())
    if not text:
        raise InputError("The note must not be empty",
                         "Say what was done, e.g. --note 'appealed with records'")
    if len(text) > 500:
        raise InputError("The note is longer than 500 characters", "Shorten it")
    new = parse_option(DenialStatus, status) if status is not None else DenialStatus.WORKED
    check_transition(d.status, new, record=denial_id)
    before = audit.snapshot(d)
    stamp = f"{today().isoformat()} {user}: {text}"
    d.note = f"{d.note}\n{stamp}" if d.note else stamp
    d.status = new.value
    d.worked_at = utcnow()
    d.worked_by = user
    session.add(d)
    session.flush()
    audit.record(session=session, user=user, action="work", entity="denial", entity_id=d.id,
                 before=before, after=audit.snapshot(d))
    if new == DenialStatus.CLOSED:
        ledger.close_denial(session=session, user=user, denial_id=denial_id)
    row = session.execute(_query().where(col(Denial.id) == denial_id)).one()
    return DenialView(row[0], row[1], row[2], row[3] or "", row[4] or "")


def transfer_denial(
    *, session: Session, user: str, denial_id: int, to: str | None = None, reverse: bool = False,
    note: str | None = None,
) -> DenialView:
    """Move a denied balance off the payer to the patient (or the next party), or undo that.

    The payer keeps a denied balance until the denial is worked; transferring it to the
    patient (``to="patient"``) or to the next coverage in force (``"next"``) works it: the
    ledger posts the transfers (``ledger.transfer_denial``) and the denial moves to
    ``worked`` with a note. ``reverse`` puts the balance back with the payer and opens the
    denial again. Closing it afterwards writes nothing off: the payer holds nothing.

    Raises:
        InputError: nothing held, already transferred (or nothing to reverse), the denial is
            closed, the day is in a closed period, or a bad ``to``/``note``.
    """
    from medbill_cli.money import fmt

    d = session.get(Denial, denial_id)
    if d is None:
        raise NotFoundError(f"No denial {denial_id}", "See medbill denial list")
    text = " ".join((note or "").split())
    if len(text) > 500:
        raise InputError("The note is longer than 500 characters", "Shorten it")
    before = audit.snapshot(d)
    if reverse:
        if to is not None:
            raise InputError("Give either --to or --reverse")
        moved = ledger.transferred_cents(session, denial_id)
        ledger.reverse_denial_transfer(session=session, user=user, denial_id=denial_id)
        new, what, action = DenialStatus.OPEN, f"transfer of {fmt(moved)} reversed", "reverse"
    else:
        if to is None:
            raise InputError("Say where the balance goes", "Give --to patient or --to next")
        ledger.transfer_denial(session=session, user=user, denial_id=denial_id, to=to)
        moved = ledger.transferred_cents(session, denial_id)
        who = "the patient" if to.strip().lower() == "patient" else "the next party"
        new, what, action = DenialStatus.WORKED, f"{fmt(moved)} transferred to {who}", "transfer"
    if new != d.status:
        check_transition(d.status, new, record=denial_id)
    stamp = f"{today().isoformat()} {user}: {what}" + (f": {text}" if text else "")
    d.note = f"{d.note}\n{stamp}" if d.note else stamp
    d.status = new.value
    d.worked_at = utcnow()
    d.worked_by = user
    session.add(d)
    session.flush()
    audit.record(session=session, user=user, action=action, entity="denial", entity_id=d.id,
                 before=before, after={**(audit.snapshot(d) or {}), "transferred": fmt(moved)})
    row = session.execute(_query().where(col(Denial.id) == denial_id)).one()
    return DenialView(row[0], row[1], row[2], row[3] or "", row[4] or "")


def denial_report(*, session: Session, start: dt.date, end: dt.date) -> list[dict[str, object]]:
    """Denials opened from ``start`` to ``end``: count and amount (cents) by CARC and payer."""
    if end < start:
        raise InputError("--to is before --from", "Give --from DATE --to DATE with --from first")
    from sqlmodel import func

    q = (select(Denial.carc, Payer.payer_id, func.count(col(Denial.id)),
                func.sum(Denial.amount_cents))
         .outerjoin(Payer, col(Payer.id) == Denial.payer_id)
         .where(Denial.opened_on >= start, Denial.opened_on <= end)
         .group_by(Denial.carc, Payer.payer_id)
         .order_by(func.sum(Denial.amount_cents).desc(), Denial.carc))
    return [{"carc": carc, "payer": payer or "", "count": int(n), "amount_cents": int(total)}
            for carc, payer, n, total in session.exec(q)]
