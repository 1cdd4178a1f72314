"""Corrections: edit an unbilled charge, set a not-yet-sent claim aside so that its charges can
be fixed and billed again.

A charge on a claim is never edited in place: a claim that was not sent is rebuilt first
(``rebuild_claim``: the claim becomes ``rebuilt``, its charges ``unbilled``), a sent one is
corrected with a replacement claim. Every field is checked exactly as charge entry checks it
(``ChargeEntry.plan``), and the ledger follows a new amount: the old one is reversed as a void
reverses it (``ledger.void_charge``: the charge entry, and a move to a claim's payer), and the
new one posted as a new charge (``ledger.post_charge``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from medbill_cli.db import tables as t
from medbill_cli.errors import InputError
from medbill_cli.money import from_cents
from medbill_cli.services import audit, ledger
from medbill_cli.services.charges import (
    ChargeEntry,
    ChargeRequest,
    ChargeResult,
    get_charge,
    list_charges,
)
from medbill_cli.services.records import ChargeRecord, DiagnosisRecord, insert_records
from medbill_cli.status import SENT, ChargeStatus, ClaimStatus, check_transition

if TYPE_CHECKING:
    from sqlmodel import Session

    from medbill_cli.x12.claim_map import ClaimRecord

# The charge columns a correction may change (the rest belong to the visit, not the line).
EDITABLE = ("code", "modifiers", "units", "fee_cents", "amount_cents", "dx_pointers",
            "provider_id", "pos", "ndc", "ndc_quantity", "ndc_unit", "ordering_npi",
            "ordering_name")


@dataclass(frozen=True)
class ChargeChange:
    """What ``update_charge`` may change; None leaves a field as it is."""

    code: str | None = None
    modifiers: Sequence[str] | None = None  # [] clears them
    units: int | None = None
    dx: Sequence[str] | None = None
    fee: str | None = None
    provider: str | None = None
    pos: str | None = None
    ndc: str | None = None
    ndc_quantity: str | None = None
    ndc_unit: str | None = None
    ordering_npi: str | None = None  # 2420E, with ordering_name
    ordering_name: str | None = None

    def empty(self) -> bool:
        return all(v is None for v in (self.code, self.modifiers, self.units, self.dx, self.fee,
                                       self.provider, self.pos, self.ndc, self.ndc_quantity,
                                       self.ndc_unit, self.ordering_npi, self.ordering_name))


def _live_claim(session: Session, charge_id: int) -> tuple[str, ClaimStatus] | None:
    """The claim that bills a charge now (a rebuilt or closed claim no longer does)."""
    cl, c = t.claim_line.c, t.claim.c
    row = session.execute(
        select(c.pcn, c.status).select_from(t.claim_line.join(t.claim, c.id == cl.claim_id))
        .where(cl.charge_id == charge_id,
               c.status.not_in([ClaimStatus.REBUILT.value, ClaimStatus.CLOSED.value]))
        .order_by(c.id.desc())).first()
    return (row.pcn, ClaimStatus(row.status)) if row is not None else None


def _refuse_billed(session: Session, c: ChargeRecord) -> None:
    if c.status == ChargeStatus.VOID:
        raise InputError(f"Charge {c.id} is void and cannot be updated",
                         "Enter the line again with medbill charge add")
    if c.status == ChargeStatus.UNBILLED:
        return
    on = _live_claim(session, c.id)
    if on is None or on[1] not in SENT:
        pcn = on[0] if on else "CLAIM_ID"
        raise InputError(
            f"Charge {c.id} is on claim {pcn} ({on[1] if on else c.status}), not yet sent, "
            "and cannot be updated",
            f"Set the claim aside first: medbill claim rebuild {pcn} --reason TEXT")
    raise InputError(
        f"Charge {c.id} is on claim {on[0]} ({on[1]}), already sent, and cannot be updated",
        f"Correct it with a replacement claim: medbill claim resubmit {on[0]} --frequency 7")


def _request(session: Session, c: ChargeRecord, ch: ChargeChange) -> ChargeRequest:
    """The charge as it would be typed with the change applied."""
    view = list_charges(session=session, ids=[c.id])[0]
    code = ch.code if ch.code is not None else c.code
    mods = list(ch.modifiers) if ch.modifiers is not None else c.modifiers.split()
    repriced = ch.code is not None or ch.modifiers is not None
    fee: str | None = ch.fee
    if fee is None and not repriced:
        fee = str(from_cents(c.fee_cents))  # same service: keep the fee it was entered with
    ndc = ch.ndc if ch.ndc is not None else c.ndc
    qty = ch.ndc_quantity if ch.ndc_quantity is not None else c.ndc_quantity
    unit = ch.ndc_unit if ch.ndc_unit is not None else c.ndc_unit
    return ChargeRequest(
        patient=view.account, date=c.date_of_service, code=code,
        dx=list(ch.dx) if ch.dx is not None else view.diagnoses, modifiers=mods,
        units=ch.units if ch.units is not None else c.units, fee=fee,
        provider=ch.provider if ch.provider is not None else view.provider_npi,
        encounter=c.encounter_id, pos=ch.pos if ch.pos is not None else c.pos,
        ndc=ndc, ndc_quantity=qty if ndc else None, ndc_unit=unit if ndc else None,
        ordering_npi=ch.ordering_npi if ch.ordering_npi is not None else c.ordering_npi,
        ordering_name=ch.ordering_name if ch.ordering_name is not None else c.ordering_name)


def _has_entries(session: Session, charge_id: int) -> bool:
    e = t.ledger_entry.c
    n = session.execute(select(func.count()).where(
        e.source_type == "charge", e.source_id == charge_id)).scalar_one()
    return bool(n)


def update_charge(*, session: Session, user: str, charge_id: int, change: ChargeChange,
                  reason: str) -> ChargeResult:
    """Correct an unbilled charge: every field checked as charge entry checks it.

    Args:
        session: the command's transaction.
        user: who corrects.
        charge_id: the charge.
        change: the fields to change.
        reason: why (kept in the audit trail).

    Returns:
        The charge as it now stands, with its diagnoses and the entry warnings.

    Raises:
        InputError: a billed or void charge (the message names the claim and the way to
            correct it), nothing to change, or a field charge entry would refuse.
    """
    from medbill_cli.validate import reason as clean_reason

    why = clean_reason(reason, needed_for="A charge correction", max_len=200)
    c = get_charge(session=session, charge_id=charge_id)
    _refuse_billed(session, c)
    if change.empty():
        raise InputError(f"Nothing to change on charge {charge_id}",
                         "Give at least one of --code, --modifier, --units, --dx, --fee, "
                         "--provider, --pos, --ndc, --ordering-npi")
    entry = ChargeEntry(session, user)
    planned = entry.plan(_request(session, c, change))
    new = {k: planned.fields[k] for k in EDITABLE}
    if all(getattr(c, k) == v for k, v in new.items()):
        raise InputError(f"The change leaves charge {charge_id} as it is",
                         "Give the values that differ")
    enc = planned.enc
    audits: list[audit.AuditEntry] = []
    dx_rows = [{"encounter_id": enc.id, "seq": seq, "code": enc.dx[seq - 1]}
               for seq in range(enc.saved_dx + 1, len(enc.dx) + 1)]
    for d in insert_records(session, t.encounter_diagnosis, DiagnosisRecord, dx_rows):
        audits.append(("add_diagnosis", "encounter", d.encounter_id, None, audit.snapshot(d)))
    ch = t.charge
    after = ChargeRecord.from_row(session.execute(
        update(ch).where(ch.c.id == charge_id).values(**new).returning(*ch.c)).one())
    before_s, after_s = audit.snapshot(c) or {}, audit.snapshot(after) or {}
    audits.append(("update", "charge", charge_id,
                   {k: before_s.get(k) for k in EDITABLE},
                   {k: after_s.get(k) for k in EDITABLE} | {"reason": why}))
    audit.record_many(session=session, user=user, entries=audits)
    if after.amount_cents != c.amount_cents and _has_entries(session, charge_id):
        # Reverse the old amount (and a move of the line to a claim's payer, as a void does),
        # then post the new amount as a new charge would be.
        ledger.void_charge(session=session, user=user, charge_id=charge_id)
        ledger.post_charge(session=session, user=user, charge=after)
    own = f"(charge {charge_id})"
    warnings = [w for w in planned.warnings if own not in w]
    view = list_charges(session=session, ids=[charge_id])[0]
    return ChargeResult(after, view.account, view.diagnoses, warnings, view.provider_npi)


def rebuild_claim(*, session: Session, user: str, claim_id: str | int,
                  reason: str) -> ClaimRecord:
    """Set a draft, held or rejected claim aside as ``rebuilt``; its charges are unbilled again.

    The claim and its lines stay (history); the next ``claim generate`` bills the charges on a
    new claim with a new patient control number.

    Raises:
        InputError: a claim that cannot be rebuilt (``TransitionError`` naming both statuses:
            a submitted claim is corrected with a replacement claim), or no reason.
    """
    from medbill_cli.services.claims import store
    from medbill_cli.validate import reason as clean_reason

    why = clean_reason(reason, needed_for="A claim rebuild", max_len=200)
    rec = store.get_claim(session=session, claim_id=claim_id)
    if rec.status is ClaimStatus.REBUILT:
        raise InputError(f"Claim {rec.pcn} is rebuilt already; its charges were unbilled then",
                         "Run medbill claim generate to bill them on a new claim")
    try:
        new = check_transition(rec.status, ClaimStatus.REBUILT, record=rec.pcn)
    except InputError as exc:
        hint = (f"A sent claim is corrected with a replacement: medbill claim resubmit {rec.pcn}"
                " --frequency 7" if rec.status in SENT else "")
        raise type(exc)(exc.message, hint or exc.hint) from None
    lines = store.load_lines(session, [rec.id]).get(rec.id, [])
    ids = [ln.charge_id for ln in lines]
    ch = t.charge
    statuses = dict(session.execute(select(ch.c.id, ch.c.status).where(ch.c.id.in_(ids))).all())
    for cid in ids:
        check_transition(ChargeStatus(statuses[cid]), ChargeStatus.UNBILLED, record=cid)
    store.set_status(session, [rec.id], new)
    if ids:
        session.execute(update(ch).where(ch.c.id.in_(ids))
                        .values(status=ChargeStatus.UNBILLED.value))
    entries: list[audit.AuditEntry] = [
        ("rebuild", "claim", rec.pcn, {"status": rec.status.value},
         {"status": new.value, "reason": why, "charges": ids})]
    entries += [("unbill", "charge", cid, {"status": ChargeStatus.BILLED.value},
                 {"status": ChargeStatus.UNBILLED.value, "claim": rec.pcn}) for cid in ids]
    audit.record_many(session=session, user=user, entries=entries)
    return store.claim_record(session, rec.id)


def payer_claim_number(session: Session, claim_id: int) -> str | None:
    """The payer's own number for a claim: the latest posted 835's CLP07, else the claim's
    stored one (277CA REF*1K)."""
    ec = t.era_claim.c
    row = session.execute(
        select(ec.payer_claim_number)
        .where(ec.claim_id == claim_id, ec.outcome.in_(("paid", "partial", "denied")),
               ec.reversed_by_id.is_(None), ec.payer_claim_number != "")
        .order_by(ec.id.desc())).first()
    if row is not None:
        return str(row.payer_claim_number)
    stored: Any = session.execute(
        select(t.claim.c.payer_claim_number).where(t.claim.c.id == claim_id)).scalar()
    return str(stored) if stored else None
