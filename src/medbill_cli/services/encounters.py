"""Encounters: the visit and its encounter form (superbill) with the form's own totals.

An encounter's ``source`` says where it came from: ``form`` (entered from the encounter form by
the front desk, with the form's charge and collected totals that close of day balances against)
or ``charge`` (opened by charge entry because no encounter existed for that patient and date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, select

from medbill_cli import validate as v
from medbill_cli.db.models import Encounter, Patient
from medbill_cli.errors import DuplicateError, InputError, NotFoundError, RowError
from medbill_cli.services import audit
from medbill_cli.services.refs import Refs, amount_cents, as_date, check_service_date, diagnoses_of

IMPORT_REQUIRED = ("patient", "date", "provider_npi")
IMPORT_OPTIONAL = ("form", "form_charges", "form_collected", "facility", "pos")


# ---------------------------------------------------------------- encounters

@dataclass
class EncounterResult:
    encounter: Encounter
    created: bool
    warnings: list[str] = field(default_factory=list)


def _clean(
    refs: Refs, *, patient: str, date: dt.date | str, provider: str | None, facility: int | str | None,
    pos: str | None, form: str | None, form_charges: str | Decimal | None,
    form_collected: str | Decimal | None,
) -> dict[str, object]:
    p = refs.patient(patient)
    dos = check_service_date(as_date(date), p)
    if not provider or not str(provider).strip():
        raise InputError("No rendering provider given", "Give --provider NPI")
    prov = refs.provider(str(provider))
    fac = refs.facility(facility) if facility not in (None, "") else None
    place = refs.pos(pos) if pos else (fac.pos if fac is not None else "11")
    form_no = v.text(form, field="Form number", max_len=30) if form and form.strip() else None
    return {
        "patient": p, "dos": dos, "provider_id": prov.id, "facility_id": fac.id if fac else None,
        "pos": place, "form_number": form_no,
        "form_charges_cents": amount_cents(form_charges, "Form charges"),
        "form_collected_cents": amount_cents(form_collected, "Form collected"),
    }


def add_encounter(
    *, session: Session, user: str, patient: str, date: dt.date | str, provider: str | None,
    facility: int | str | None = None, pos: str | None = None, form: str | None = None,
    form_charges: str | Decimal | None = None, form_collected: str | Decimal | None = None,
    refs: Refs | None = None,
) -> EncounterResult:
    """Enter a visit from its encounter form.

    When charge entry already opened an encounter (source ``charge``) for the patient on that
    date, the form is attached to it (audited as an update) rather than a second encounter made.

    Args:
        session: the command's session.
        user: who acts.
        patient: account number.
        date: date of service.
        provider: rendering provider's NPI.
        facility: facility id.
        pos: place of service (defaults to the facility's, else 11).
        form: the encounter form (superbill) number.
        form_charges: the charges total marked on the form.
        form_collected: the money collected at the desk, per the form.
        refs: cached look-ups (imports).

    Returns:
        The encounter, whether it is new, and warnings.
    """
    r = refs or Refs(session)
    f = _clean(r, patient=patient, date=date, provider=provider, facility=facility, pos=pos, form=form,
               form_charges=form_charges, form_collected=form_collected)
    p = f.pop("patient")
    assert p is not None and p.id is not None
    dos = f.pop("dos")
    assert isinstance(dos, dt.date)
    r.ensure_open(dos, "encounter")
    same_day = list(session.exec(
        select(Encounter).where(Encounter.patient_id == p.id, Encounter.date_of_service == dos)
        .order_by(col(Encounter.id))
    ).all())
    warnings: list[str] = []
    if f["form_number"]:
        dup = session.exec(select(Encounter).where(Encounter.form_number == f["form_number"])).first()
        if dup is not None:
            raise DuplicateError(f"Encounter form {f['form_number']} is already entered as encounter {dup.id}",
                                 "Check the form number")
    opened = [e for e in same_day if e.source == "charge"]
    if opened:
        enc = opened[0]
        before = audit.snapshot(enc)
        enc.source = "form"
        for k, val in f.items():
            if val is not None:
                setattr(enc, k, val)
        session.add(enc)
        session.flush()
        audit.record(session=session, user=user, action="update", entity="encounter", entity_id=enc.id,
                     before=before, after=audit.snapshot(enc))
        warnings.append(f"the form is attached to encounter {enc.id}, opened by charge entry")
        return EncounterResult(enc, False, warnings)
    if same_day:
        warnings.append(f"{p.account} already has encounter {same_day[0].id} on {dos.isoformat()}")
    enc = Encounter(patient_id=p.id, date_of_service=dos, source="form", created_by=user, **f)  # type: ignore[arg-type]
    session.add(enc)
    session.flush()
    audit.record(session=session, user=user, action="create", entity="encounter", entity_id=enc.id,
                 after=audit.snapshot(enc))
    return EncounterResult(enc, True, warnings)


def import_encounters(
    *, session: Session, user: str, rows: Iterable[tuple[int, dict[str, str]]],
    progress: Callable[[int], None] | None = None,
) -> list[EncounterResult]:
    """Enter the day's visits from CSV rows; all-or-nothing, bad rows reported by line.

    Args:
        session: the command's session.
        user: who acts.
        rows: (line, column -> text) from ``csvfile.read_rows``.
        progress: called with 1 per row.

    Returns:
        One result per row.
    """
    row_list = list(rows)
    refs = Refs(session)
    refs.preload_patients(r.get("patient", "") for _, r in row_list)
    bad: list[tuple[int, str]] = []
    results: list[EncounterResult] = []
    forms: dict[str, int] = {}
    for line, row in row_list:
        try:
            form = (row.get("form") or "").strip()
            if form and form in forms:
                raise DuplicateError(f"form {form} is also on line {forms[form]}")
            if form:
                forms[form] = line
            with audit.savepoint(session):
                results.append(add_encounter(
                    session=session, user=user, patient=row.get("patient", ""), date=row.get("date", ""),
                    provider=row.get("provider_npi"), facility=row.get("facility") or None,
                    pos=row.get("pos") or None, form=form or None,
                    form_charges=row.get("form_charges"), form_collected=row.get("form_collected"),
                    refs=refs))
        except InputError as exc:
            bad.append((line, str(exc).rstrip(".")))
        if progress:
            progress(1)
    if bad:
        raise RowError.nothing_imported(bad)
    return results


def list_encounters(
    *, session: Session, date: dt.date | None = None, patient: str | None = None,
) -> list[tuple[Encounter, str, list[str]]]:
    """Encounters with the patient's account and the encounter's diagnoses in order."""
    q = select(Encounter, Patient.account).join(Patient, col(Patient.id) == Encounter.patient_id)
    if date is not None:
        q = q.where(Encounter.date_of_service == date)
    if patient:
        q = q.where(Patient.account == patient.strip().upper())
    rows = session.exec(q.order_by(col(Encounter.date_of_service), col(Encounter.id))).all()
    dx = diagnoses_of(session=session, encounter_ids=[e.id for e, _ in rows if e.id is not None])
    return [(e, acct or "", dx.get(e.id or 0, [])) for e, acct in rows]


def get_encounter(*, session: Session, encounter_id: int) -> Encounter:
    enc = session.get(Encounter, encounter_id)
    if enc is None:
        raise NotFoundError(f"No encounter {encounter_id}", "See medbill encounter list --date DATE")
    return enc
