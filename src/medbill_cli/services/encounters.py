"""Encounters: the visit and its encounter form (superbill) with the form's own totals.

An encounter's ``source`` says where it came from: ``form`` (entered from the encounter form by
the front desk, with the form's charge and collected totals that close of day balances against)
or ``charge`` (opened by charge entry because no encounter existed for that patient and date).

Entry is written with SQLAlchemy Core, as charge entry is: ``EncounterEntry`` checks every row
against cached look-ups (patients, providers, open days and forms loaded a few queries at a
time), then writes the new encounters with multi-row inserts, the forms attached to encounters
opened by charge entry with one executemany, and the audit trail with one more. One visit
(``encounter add``) is an import of one row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from medbill_cli import validate as v
from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import DuplicateError, InputError, NotFoundError, RowError
from medbill_cli.services import audit
from medbill_cli.services.records import EncounterRecord, insert_records
from medbill_cli.services.refs import (
    Refs,
    amount_cents,
    as_date,
    check_service_date,
    diagnoses_of,
    named_provider,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    Executor = Session | Connection  # Core throughout: either will do

IMPORT_REQUIRED = ("patient", "date", "provider_npi")
IMPORT_OPTIONAL = ("form", "form_charges", "form_collected", "facility", "pos")
# The columns a form sets on an encounter (those it leaves empty keep their values).
_FORM_FIELDS = ("provider_id", "facility_id", "pos", "form_number", "form_charges_cents",
                "form_collected_cents", "referring_npi", "referring_name", "onset_date",
                "accident", "accident_date", "accident_state", "supervising_npi",
                "supervising_name")
ACCIDENTS = ("auto", "employment", "other")


# ---------------------------------------------------------------- encounters

@dataclass(frozen=True)
class EncounterRequest:
    """One visit as typed (CLI options or a CSV row)."""

    patient: str
    date: dt.date | str
    provider: str | None
    facility: int | str | None = None
    pos: str | None = None
    form: str | None = None
    form_charges: str | Decimal | None = None
    form_collected: str | Decimal | None = None
    referring_npi: str | None = None
    referring_name: str | None = None
    onset: dt.date | str | None = None
    accident: str | None = None
    accident_date: dt.date | str | None = None
    accident_state: str | None = None
    supervising_npi: str | None = None
    supervising_name: str | None = None


def _providers(req: EncounterRequest) -> dict[str, Any]:
    """The visit's referring (2310A) and supervising (2310D) providers, by NPI and name."""
    return {**named_provider("referring", req.referring_npi, req.referring_name),
            **named_provider("supervising", req.supervising_npi, req.supervising_name)}


def _visit_dates(req: EncounterRequest, dos: dt.date) -> dict[str, Any]:
    """Onset and accident (CLM11, DTP*439): an accident needs its date, not after the date
    of service, and an auto accident the US state it happened in."""
    out: dict[str, Any] = {}
    if req.onset not in (None, ""):
        onset = as_date(req.onset)
        if onset > dos:
            raise InputError(f"Onset {onset.isoformat()} is after the date of service "
                             f"{dos.isoformat()}", "Check --onset")
        out["onset_date"] = onset
    kind = (req.accident or "").strip().lower()
    if not kind:
        if req.accident_date not in (None, "") or req.accident_state:
            raise InputError("--accident-date and --accident-state need --accident",
                             "Give --accident auto|employment|other")
        return out
    if kind not in ACCIDENTS:
        raise InputError(f"Unknown accident '{req.accident}'", "Use auto, employment or other")
    if req.accident_date in (None, ""):
        raise InputError("An accident needs its date (DTP*439)", "Give --accident-date DATE")
    when = as_date(req.accident_date)
    if when > dos:
        raise InputError(f"Accident date {when.isoformat()} is after the date of service "
                         f"{dos.isoformat()}", "Check --accident-date")
    state = v.state(req.accident_state) if req.accident_state else None
    if kind == "auto" and state is None:
        raise InputError("An auto accident needs the state it happened in (CLM11-4)",
                         "Give --accident-state ST")
    return {**out, "accident": kind, "accident_date": when, "accident_state": state}


@dataclass(frozen=True)
class EncounterResult:
    encounter: EncounterRecord
    created: bool
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Checked:
    """A visit that passed every check: who, when, and the form's columns."""

    account: str
    patient_id: int
    dos: dt.date
    values: dict[str, Any]  # _FORM_FIELDS


class EncounterEntry:
    """Checks and writes the visits of one command (one ``encounter add``, or an import)."""

    def __init__(self, session: Executor, user: str) -> None:
        self.session = session
        self.user = user
        self.refs = Refs(session)
        self._forms: dict[str, int] = {}  # form number -> encounter id, in the database
        self._forms_loaded: set[str] = set()
        self._days: dict[tuple[int, dt.date], list[EncounterRecord]] = {}

    # ------------------------------------------------------------ look-ups, a few queries each

    def preload(self, requests: Sequence[EncounterRequest]) -> None:
        """Load the patients, forms and same-day encounters that the requests refer to."""
        self.refs.preload_patients(r.patient for r in requests)
        self._load_forms({(r.form or "").strip() for r in requests} - {""})
        pairs: set[tuple[int, dt.date]] = set()
        for r in requests:
            p = self.refs.patients.get((r.patient or "").strip().upper())
            try:
                d = as_date(r.date)
            except InputError:
                continue
            if p is not None:
                pairs.add((p.id, d))
        self._load_days(pairs)

    def _load_forms(self, forms: set[str]) -> None:
        todo = sorted(forms - self._forms_loaded)
        e = t.encounter.c
        for part in chunks(todo):
            for eid, form in self.session.execute(
                    select(e.id, e.form_number).where(e.form_number.in_(part)).order_by(e.id)):
                self._forms.setdefault(form, eid)
        self._forms_loaded.update(todo)

    def _load_days(self, pairs: set[tuple[int, dt.date]]) -> None:
        todo = {k for k in pairs if k not in self._days}
        for key in todo:
            self._days[key] = []
        e = t.encounter.c
        dates = sorted({d for _, d in todo})
        for part in chunks(sorted({pid for pid, _ in todo})):
            for row in self.session.execute(
                    select(t.encounter).where(e.patient_id.in_(part), e.date_of_service.in_(dates))
                    .order_by(e.id)):
                key = (row.patient_id, row.date_of_service)
                if key in todo:
                    self._days[key].append(EncounterRecord.from_row(row))

    # ------------------------------------------------------------ checking

    def check(self, req: EncounterRequest) -> _Checked:
        """Check one visit; nothing is written.

        Raises:
            InputError: the visit is refused (the message says why and how to fix it).
        """
        r = self.refs
        p = r.patient(req.patient)
        dos = check_service_date(as_date(req.date), p)
        if not req.provider or not str(req.provider).strip():
            raise InputError("No rendering provider given", "Give --provider NPI")
        prov = r.provider(str(req.provider))
        fac = r.facility(req.facility) if req.facility not in (None, "") else None
        place = r.pos(req.pos) if req.pos else (fac.pos if fac is not None else "11")
        form = req.form
        form_no = v.text(form, field="Form number", max_len=30) if form and form.strip() else None
        values = {
            "provider_id": prov.id, "facility_id": fac.id if fac else None, "pos": place,
            "form_number": form_no,
            "form_charges_cents": amount_cents(req.form_charges, "Form charges"),
            "form_collected_cents": amount_cents(req.form_collected, "Form collected"),
            **_providers(req), **_visit_dates(req, dos),
        }
        r.ensure_open(dos, "encounter")
        if form_no:
            if form_no not in self._forms_loaded:
                self._load_forms({form_no})
            if form_no in self._forms:
                raise DuplicateError(f"Encounter form {form_no} is already entered as encounter "
                                     f"{self._forms[form_no]}", "Check the form number")
        if (p.id, dos) not in self._days:
            self._load_days({(p.id, dos)})
        return _Checked(p.account, p.id, dos, values)

    # ------------------------------------------------------------ writing

    def write(self, visits: Sequence[_Checked]) -> list[EncounterResult]:
        """Write checked visits in order, each seeing the ones before it.

        A visit goes on the patient's encounter opened by charge entry that day when there is
        one (the form is attached: an update), else it is a new encounter.
        """
        actions: list[tuple[EncounterRecord | int, _Checked]] = []
        attached: list[tuple[EncounterRecord, EncounterRecord]] = []
        new_rows: list[dict[str, Any]] = []
        made: dict[tuple[int, dt.date], list[int]] = {}  # new encounters by day: indexes
        for ck in visits:
            key = (ck.patient_id, ck.dos)
            day = self._days[key]
            opened = next((i for i, e in enumerate(day) if e.source == "charge"), None)
            if opened is not None:
                before = day[opened]
                after = replace(before, source="form",
                                **{k: val for k, val in ck.values.items() if val is not None})
                day[opened] = after
                attached.append((before, after))
                actions.append((after, ck))
                continue
            actions.append((len(new_rows), ck))
            made.setdefault(key, []).append(len(new_rows))
            new_rows.append({"patient_id": ck.patient_id, "date_of_service": ck.dos,
                             "source": "form", "created_by": self.user, **ck.values})
        if attached:
            e = t.encounter
            self.session.execute(
                update(e).where(e.c.id == bindparam("_id"))
                .values(source=bindparam("source"), **{k: bindparam(k) for k in _FORM_FIELDS}),
                [{"_id": a.id, "source": a.source, **{k: getattr(a, k) for k in _FORM_FIELDS}}
                 for _, a in attached])
        created = insert_records(self.session, t.encounter, EncounterRecord, new_rows)
        return self._results(actions, created, attached, made)

    def _results(
        self, actions: list[tuple[EncounterRecord | int, _Checked]],
        created: list[EncounterRecord], attached: list[tuple[EncounterRecord, EncounterRecord]],
        made: dict[tuple[int, dt.date], list[int]],
    ) -> list[EncounterResult]:
        """The results and the audit trail, in the order of the visits."""
        befores = {a.id: b for b, a in attached}
        firsts = {k: (d[0].id if d else None) for k, d in self._days.items()}
        entries: list[audit.AuditEntry] = []
        out: list[EncounterResult] = []
        for what, ck in actions:
            key = (ck.patient_id, ck.dos)
            if isinstance(what, EncounterRecord):
                entries.append(("update", "encounter", what.id, audit.snapshot(befores[what.id]),
                                audit.snapshot(what)))
                out.append(EncounterResult(what, False, [
                    f"the form is attached to encounter {what.id}, opened by charge entry"]))
                continue
            rec = created[what]
            first = firsts.get(key) or created[made[key][0]].id
            warnings = []
            if first != rec.id:
                warnings.append(f"{ck.account} already has encounter {first} on "
                                f"{ck.dos.isoformat()}")
            entries.append(("create", "encounter", rec.id, None, audit.snapshot(rec)))
            out.append(EncounterResult(rec, True, warnings))
        audit.record_many(session=self.session, user=self.user, entries=entries)
        return out


def add_encounter(
    *, session: Executor, user: str, patient: str, date: dt.date | str, provider: str | None,
    facility: int | str | None = None, pos: str | None = None, form: str | None = None,
    form_charges: str | Decimal | None = None, form_collected: str | Decimal | None = None,
    referring_npi: str | None = None, referring_name: str | None = None,
    onset: dt.date | str | None = None, accident: str | None = None,
    accident_date: dt.date | str | None = None, accident_state: str | None = None,
    supervising_npi: str | None = None, supervising_name: str | None = None,
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
        referring_npi: the referring provider's NPI (2310A), with ``referring_name``.
        referring_name: "LAST, FIRST".
        onset: onset of the current illness (DTP*431).
        accident: auto, employment or other (CLM11), with ``accident_date`` (DTP*439) and,
            for auto, ``accident_state``.
        accident_date: the accident's date, not after the date of service.
        accident_state: the US state of an auto accident (CLM11-4).
        supervising_npi: the supervising provider's NPI (2310D), with ``supervising_name``.
        supervising_name: "LAST, FIRST".

    Returns:
        The encounter, whether it is new, and warnings.
    """
    entry = EncounterEntry(session, user)
    req = EncounterRequest(patient, date, provider, facility, pos, form, form_charges,
                           form_collected, referring_npi, referring_name, onset, accident,
                           accident_date, accident_state, supervising_npi, supervising_name)
    return entry.write([entry.check(req)])[0]


_VISIT_FIELDS = ("referring_npi", "referring_name", "onset_date", "accident", "accident_date",
                 "accident_state", "supervising_npi", "supervising_name")


def update_encounter(
    *, session: Executor, user: str, encounter_id: int, reason: str | None,
    referring_npi: str | None = None, referring_name: str | None = None,
    onset: dt.date | str | None = None, accident: str | None = None,
    accident_date: dt.date | str | None = None, accident_state: str | None = None,
    supervising_npi: str | None = None, supervising_name: str | None = None,
) -> EncounterRecord:
    """Change a visit's claim fields (referring and supervising providers, onset, accident)
    before its claim is sent; options not given keep their values. Audited with the reason.

    Raises:
        InputError: no reason, a bad value, or a charge of the visit is on a sent claim (a
            sent claim is corrected by ``claim resubmit``, not by editing the visit).
        NotFoundError: no such encounter.
    """
    from medbill_cli.status import SENT

    why = v.reason(reason, needed_for="An encounter update", max_len=200)
    e = t.encounter
    row = session.execute(select(e).where(e.c.id == encounter_id)).first()
    if row is None:
        raise NotFoundError(f"No encounter {encounter_id}", "See medbill encounter list")
    before = EncounterRecord.from_row(row)
    cl, ch, c = t.claim_line.c, t.charge.c, t.claim.c
    sent = session.execute(
        select(c.pcn, c.status).select_from(
            t.claim_line.join(t.charge, ch.id == cl.charge_id).join(t.claim, c.id == cl.claim_id))
        .where(ch.encounter_id == encounter_id, c.status.in_([s.value for s in SENT]))
        .order_by(c.id).limit(1)).first()
    if sent is not None:
        raise InputError(f"Encounter {encounter_id}'s charges are on claim {sent.pcn}, already "
                         f"sent ({sent.status})",
                         "Correct the claim with medbill claim resubmit CLAIM_ID --frequency 7")
    req = EncounterRequest(
        "", before.date_of_service, None,
        referring_npi=referring_npi or before.referring_npi,
        referring_name=referring_name or before.referring_name,
        onset=onset if onset not in (None, "") else before.onset_date,
        accident=accident or before.accident,
        accident_date=accident_date if accident_date not in (None, "") else before.accident_date,
        accident_state=accident_state or before.accident_state,
        supervising_npi=supervising_npi or before.supervising_npi,
        supervising_name=supervising_name or before.supervising_name)
    values: dict[str, Any] = dict.fromkeys(_VISIT_FIELDS)
    values.update(_providers(req))
    values.update(_visit_dates(req, before.date_of_service))
    after = replace(before, **values)
    if after == before:
        return before
    session.execute(update(e).where(e.c.id == encounter_id).values(**values))
    snap = audit.snapshot(after) or {}
    audit.record(session=session, user=user, action="update", entity="encounter",
                 entity_id=encounter_id, before=audit.snapshot(before),
                 after={**snap, "reason": why})
    return after


def import_encounters(
    *, session: Executor, user: str, rows: Iterable[tuple[int, dict[str, str]]],
    progress: Callable[[int], None] | None = None,
) -> list[EncounterResult]:
    """Enter the day's visits from CSV rows; all-or-nothing, bad rows reported by line.

    Every row is checked before anything is written, so every bad line is reported at once.

    Args:
        session: the command's session.
        user: who acts.
        rows: (line, column -> text) from ``csvfile.read_rows``.
        progress: called with 1 per row.

    Returns:
        One result per row.
    """
    reqs = [(line, EncounterRequest(
        patient=r.get("patient", ""), date=r.get("date", ""), provider=r.get("provider_npi"),
        facility=r.get("facility") or None, pos=r.get("pos") or None,
        form=(r.get("form") or "").strip() or None, form_charges=r.get("form_charges"),
        form_collected=r.get("form_collected"))) for line, r in rows]
    entry = EncounterEntry(session, user)
    entry.preload([r for _, r in reqs])
    bad: list[tuple[int, str]] = []
    good: list[_Checked] = []
    forms: dict[str, int] = {}
    for line, req in reqs:
        try:
            if req.form and req.form in forms:
                raise DuplicateError(f"form {req.form} is also on line {forms[req.form]}")
            if req.form:
                forms[req.form] = line
            good.append(entry.check(req))
        except InputError as exc:
            bad.append((line, str(exc).rstrip(".")))
        if progress:
            progress(1)
    if bad:
        raise RowError.nothing_imported(bad)
    return entry.write(good)


def list_encounters(
    *, session: Executor, date: dt.date | None = None, patient: str | None = None,
) -> list[tuple[EncounterRecord, str, list[str]]]:
    """Encounters with the patient's account and the encounter's diagnoses in order."""
    e, p = t.encounter.c, t.patient.c
    q = select(t.encounter, p.account).join(t.patient, p.id == e.patient_id)
    if date is not None:
        q = q.where(e.date_of_service == date)
    if patient:
        q = q.where(p.account == patient.strip().upper())
    rows = session.execute(q.order_by(e.date_of_service, e.id)).all()
    dx = diagnoses_of(session=session, encounter_ids=[r.id for r in rows])
    return [(EncounterRecord.from_row(r), r.account or "", dx.get(r.id, [])) for r in rows]
