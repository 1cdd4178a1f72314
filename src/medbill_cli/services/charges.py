"""Charge entry: check each line as it is entered, price it from the fee schedule, attach it to
the patient's encounter on that date (or open one), and keep voids traceable.

A charge line points to at most 4 of its encounter's diagnoses; an encounter holds at most 12
(837P HI / CMS-1500 box 21 A-L), in the order they were first entered.

Written with SQLAlchemy Core over ``db.tables``: it runs on an ORM session or on a bare Core
connection, which is what ``charge add`` opens so that a biller's cold process never imports
SQLModel or builds a model class. A charge has one shape on every path, entry, listing and
voiding alike: the frozen ``ChargeRecord``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from medbill_cli.db import tables as t
from medbill_cli.db.models._base import utcnow
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError, NotFoundError, RowError
from medbill_cli.inputs import record_id
from medbill_cli.services import audit, ledger, lookup
from medbill_cli.services.fees import FeeSchedule
from medbill_cli.services.records import (
    ChargeRecord,
    DiagnosisRecord,
    EncounterRecord,
    insert_records,
)
from medbill_cli.services.refs import (
    Refs,
    amount_cents,
    as_date,
    check_service_date,
    diagnoses_of,
    named_provider,
)
from medbill_cli.status import ChargeStatus, check_transition, parse_option

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row
    from sqlmodel import Session

    Executor = Session | Connection

MAX_DIAGNOSES = 12
MAX_POINTERS = 4
MAX_MODIFIERS = 4
MAX_UNITS = 999
NDC_UNITS = ("F2", "GR", "ME", "ML", "UN")

IMPORT_REQUIRED = ("patient", "date", "code", "dx")
IMPORT_OPTIONAL = ("modifiers", "units", "fee", "provider_npi", "encounter", "pos", "ndc",
                   "ndc_quantity", "ndc_unit", "ordering_npi", "ordering_name")

_NDC_RE = re.compile(r"^(?:\d{11}|\d{5}-\d{4}-\d{2})$")
_QTY_RE = re.compile(r"^\d{1,7}(?:\.\d{1,3})?$")


@dataclass
class ChargeRequest:
    """One charge as typed (CLI options or a CSV row)."""

    patient: str
    date: dt.date | str
    code: str
    dx: Sequence[str]
    modifiers: Sequence[str] = ()
    units: int | str = 1
    fee: str | Decimal | None = None
    provider: str | None = None
    encounter: int | str | None = None
    pos: str | None = None
    ndc: str | None = None
    ndc_quantity: str | None = None
    ndc_unit: str | None = None
    ordering_npi: str | None = None  # 2420E, with ordering_name "LAST, FIRST"
    ordering_name: str | None = None


@dataclass(eq=False)  # compared by identity: two states of one encounter never coexist
class _Enc:
    """An encounter as it stands during the command: its diagnoses and which of them are new."""

    patient_id: int
    date_of_service: dt.date
    provider_id: int | None
    pos: str
    dx: list[str]
    saved_dx: int  # how many of ``dx`` are already in the database
    record: EncounterRecord | None = None  # the row; None until a new encounter is written
    new: bool = False

    @classmethod
    def of(cls, rec: EncounterRecord, dx: list[str]) -> _Enc:
        return cls(rec.patient_id, rec.date_of_service, rec.provider_id, rec.pos, list(dx),
                   len(dx), rec)

    @property
    def id(self) -> int | None:
        return self.record.id if self.record is not None else None


@dataclass
class Planned:
    """A checked charge, ready to write."""

    line: int
    account: str
    enc: _Enc
    fields: dict[str, object]
    diagnoses: list[str]
    warnings: list[str] = field(default_factory=list)
    charge: ChargeRecord | None = None


@dataclass(frozen=True)
class ChargeResult:
    charge: ChargeRecord  # as written
    account: str
    diagnoses: list[str]
    warnings: list[str]
    provider_npi: str | None = None


def split_list(text: str | Sequence[str] | None) -> list[str]:
    """Modifiers or diagnoses: repeated options, or one cell separated by spaces (or commas)."""
    if text is None:
        return []
    items = [text] if isinstance(text, str) else list(text)
    out: list[str] = []
    for it in items:
        out.extend(x for x in re.split(r"[\s,]+", it.strip()) if x)
    return out


def clean_units(units: int | str) -> int:
    if isinstance(units, int):
        n = units
    else:
        s = str(units).strip() or "1"
        if not s.isdigit():
            raise InputError(f"Units '{units}' must be a whole number from 1 to {MAX_UNITS}")
        n = int(s)
    if not 1 <= n <= MAX_UNITS:
        raise InputError(f"Units {n} is outside 1-{MAX_UNITS}", "Give --units from 1 to 999")
    return n


def clean_ndc(ndc: str | None, quantity: str | None,
              unit: str | None) -> tuple[str | None, str | None, str | None]:
    """An NDC (11 digits, with or without 5-4-2 dashes) with its quantity and unit, or all None."""
    n = (ndc or "").strip()
    q = (quantity or "").strip()
    u = (unit or "").strip().upper()
    if not n:
        if q or u:
            raise InputError("An NDC quantity or unit needs the NDC", "Give --ndc too")
        return None, None, None
    if not _NDC_RE.match(n):
        raise InputError(f"NDC '{ndc}' is not 11 digits",
                         "Give it as 11 digits or 5-4-2 with dashes, e.g. 00002-1433-80 "
                         "(pad a 10-digit NDC with a zero in the short segment)")
    if not q:
        raise InputError("A drug line needs the NDC quantity", "Give --ndc-quantity, e.g. 1.5")
    if not _QTY_RE.match(q) or Decimal(q) == 0:
        raise InputError(
            f"NDC quantity '{quantity}' must be a positive number with up to 3 decimals")
    u = u or "UN"
    if u not in NDC_UNITS:
        raise InputError(f"NDC unit '{unit}' is not one of {', '.join(NDC_UNITS)}")
    return n.replace("-", ""), q, u


def lock_entry(session: Executor) -> None:
    """Serialize charge entry on PostgreSQL before reading encounters (two billers, one visit).

    It is the audit chain's own lock, which every write takes anyway, so taking it early costs
    no concurrency and cannot deadlock against it. SQLite's BEGIN IMMEDIATE already serializes.
    """
    audit.lock_chain(session)


class ChargeEntry:
    """Checks and writes charges for one command (one charge, or a whole import).

    Look-ups are cached so that an import of thousands of lines stays fast; encounters and
    their diagnoses are kept in memory so that lines of the same file see each other.
    """

    def __init__(self, session: Executor, user: str) -> None:
        self.session = session
        self.user = user
        lock_entry(session)
        self.refs = Refs(session)
        self.fees = FeeSchedule(session)
        self._codes: dict[tuple[str, str, dt.date], Row[Any] | InputError] = {}
        self._mue: dict[tuple[str, dt.date], int | None] = {}
        self._days: dict[tuple[int, dt.date], list[_Enc]] = {}
        self._by_id: dict[int, _Enc] = {}
        self._lines: dict[tuple[int, dt.date], dict[tuple[str, str], int]] = {}
        self.pending: list[Planned] = []

    # ------------------------------------------------------------ cached look-ups

    def _code(self, kind: str, code: str, dos: dt.date) -> Row[Any]:
        key = (kind, code, dos)
        if key not in self._codes:
            try:
                s = self.session
                if kind == "proc":
                    self._codes[key] = lookup.check_procedure(session=s, code=code, dos=dos)
                elif kind == "dx":
                    self._codes[key] = lookup.check_diagnosis(session=s, code=code, dos=dos)
                else:
                    self._codes[key] = lookup.check_modifier(session=s, modifier=code, dos=dos)
            except InputError as exc:
                self._codes[key] = exc
        got = self._codes[key]
        if isinstance(got, InputError):
            raise got
        return got

    def _mue_of(self, code: str, dos: dt.date) -> int | None:
        if (code, dos) not in self._mue:
            m = lookup.mue_for(session=self.session, code=code, dos=dos)
            self._mue[(code, dos)] = m.mue if m is not None else None
        return self._mue[(code, dos)]

    def preload(self, requests: Sequence[ChargeRequest]) -> None:
        """Load the patients, encounters, diagnoses and existing lines an import refers to."""
        self.refs.preload_patients(r.patient for r in requests)
        pairs: set[tuple[int, dt.date]] = set()
        for r in requests:
            p = self.refs.patients.get((r.patient or "").strip().upper())
            try:
                d = as_date(r.date)
            except InputError:
                continue
            if p is not None and p.id is not None:
                pairs.add((p.id, d))
        if pairs:
            self._load_days(pairs)

    def _load_days(self, pairs: set[tuple[int, dt.date]]) -> None:
        """Encounters, their diagnoses and live lines for (patient, date) pairs, in a few queries
        (rows of other pairs that the IN filters also match are skipped)."""
        for key in pairs:
            self._days.setdefault(key, [])
            self._lines.setdefault(key, {})
        pids = sorted({k[0] for k in pairs})
        dates = sorted({k[1] for k in pairs})
        e, c = t.encounter.c, t.charge.c
        encs: list[EncounterRecord] = []
        for chunk in chunks(pids):
            encs += [EncounterRecord.from_row(r) for r in self.session.execute(
                select(t.encounter).where(e.patient_id.in_(chunk), e.date_of_service.in_(dates))
                .order_by(e.id))]
            for ch in self.session.execute(
                select(c.id, c.patient_id, c.date_of_service, c.code, c.modifiers)
                .where(c.patient_id.in_(chunk), c.date_of_service.in_(dates),
                       c.status != ChargeStatus.VOID)
                .order_by(c.id)
            ):
                key = (ch.patient_id, ch.date_of_service)
                if key in pairs:
                    self._lines[key].setdefault((ch.code, ch.modifiers), ch.id)
        dx = diagnoses_of(session=self.session, encounter_ids=[e.id for e in encs])
        for enc in encs:
            key = (enc.patient_id, enc.date_of_service)
            if enc.id in self._by_id or key not in pairs:
                continue
            state = _Enc.of(enc, dx.get(enc.id, []))
            self._by_id[enc.id] = state
            self._days[key].append(state)

    def _day(self, pid: int, dos: dt.date) -> list[_Enc]:
        if (pid, dos) not in self._days:
            self._load_days({(pid, dos)})
        return self._days[(pid, dos)]

    def _encounter_by_id(self, value: int | str, patient: Any, dos: dt.date) -> _Enc:
        try:
            eid = record_id(value, field="Encounter")
        except ValueError:
            raise InputError(f"Encounter '{value}' is not an encounter id") from None
        if eid not in self._by_id:
            enc = self.session.execute(
                select(t.encounter.c.patient_id, t.encounter.c.date_of_service)
                .where(t.encounter.c.id == eid)).first()
            if enc is None:
                raise NotFoundError(f"No encounter {eid}", "See medbill encounter list --date DATE")
            self._day(enc.patient_id, enc.date_of_service)
        st = self._by_id.get(eid)
        if st is None:  # its day was loaded before this encounter was made (not in one command)
            raise NotFoundError(f"No encounter {eid}", "See medbill encounter list --date DATE")
        if st.patient_id != patient.id or st.date_of_service != dos:
            raise InputError(
                f"Encounter {eid} is not {patient.account}'s visit on {dos.isoformat()}",
                "Check --encounter, or leave it out to use the patient's encounter that day")
        return st

    # ------------------------------------------------------------ checking

    def plan(self, req: ChargeRequest, line: int = 0) -> Planned:
        """Check one charge against everything entered so far; nothing is written yet.

        Raises:
            InputError: the charge is refused (the message says why and how to fix it).
        """
        p = self.refs.patient(req.patient)
        assert p.id is not None and p.account is not None
        dos = check_service_date(as_date(req.date), p)
        self.refs.ensure_open(dos, "charge")
        code = self._code("proc", req.code.strip().upper(), dos).code
        mods = [m.strip().upper() for m in split_list(req.modifiers)]
        if len(mods) > MAX_MODIFIERS:
            raise InputError(f"{len(mods)} modifiers given; a line takes at most {MAX_MODIFIERS}")
        if len(set(mods)) != len(mods):
            raise InputError("A modifier is given twice")
        for m in mods:
            self._code("mod", m, dos)
        units = clean_units(req.units)
        from medbill_cli.validate import icd10_format

        dx = [icd10_format(d) for d in split_list(req.dx)]
        if not dx:
            raise InputError("A charge needs at least one diagnosis", "Give --dx, e.g. --dx E11.9")
        if len(dx) > MAX_POINTERS:
            raise InputError(f"{len(dx)} diagnoses given; a line points to at most {MAX_POINTERS}",
                             "Enter the others on the lines they support")
        if len(set(dx)) != len(dx):
            raise InputError("A diagnosis is given twice")
        dx = [self._code("dx", d, dos).code for d in dx]
        prov = self.refs.provider(req.provider) if req.provider else None
        place = self.refs.pos(req.pos) if req.pos else None
        ndc, qty, unit = clean_ndc(req.ndc, req.ndc_quantity, req.ndc_unit)
        ordering = {"ordering_npi": None, "ordering_name": None} | named_provider(
            "ordering", req.ordering_npi, req.ordering_name)

        # The encounter: given, the patient's one that day, or a new one.
        if req.encounter not in (None, ""):
            st = self._encounter_by_id(req.encounter, p, dos)
        else:
            same_day = self._day(p.id, dos)
            exact = [e for e in same_day if prov is not None and e.provider_id == prov.id]
            if len(exact) == 1:
                st = exact[0]
            elif len(same_day) == 1:
                st = same_day[0]
            elif not same_day:
                default = prov or self.refs.sole_provider()
                st = _Enc(p.id, dos, default.id if default else None, place or "11", [], 0,
                          new=True)
            else:
                ids = ", ".join(str(e.id) for e in same_day)
                raise InputError(f"{p.account} has {len(same_day)} encounters on "
                                 f"{dos.isoformat()} ({ids})",
                                 "Give --encounter ID")
        all_dx = list(st.dx)
        pointers: list[int] = []
        for d in dx:
            if d not in all_dx:
                if len(all_dx) >= MAX_DIAGNOSES:
                    where = f"Encounter {st.id}" if st.id else "The encounter"
                    raise InputError(
                        f"{where} already has {MAX_DIAGNOSES} diagnoses; {d} would be a 13th",
                        "Point this line to diagnoses already on the encounter")
                all_dx.append(d)
            pointers.append(all_dx.index(d) + 1)

        if req.fee not in (None, ""):
            fee = amount_cents(req.fee, "Fee")
            assert fee is not None
        else:
            found = self.fees.fee_cents(code, mods, dos)
            if found is None:
                raise InputError(f"No fee for {code} on {dos.isoformat()} in the fee schedule",
                                 f"Set one with medbill fee set {code} AMOUNT, or give --fee")
            fee = found

        warnings: list[str] = []
        key = (code, " ".join(mods))
        lines = self._lines.setdefault((p.id, dos), {})
        if key in lines:
            shown = code + ("-" + "-".join(mods) if mods else "")
            earlier = lines[key]
            what = f"charge {earlier}" if earlier > 0 else f"line {-earlier}"
            warnings.append(f"possible duplicate: {shown} for {p.account} on {dos.isoformat()} "
                            f"is already entered ({what})")
        mue = self._mue_of(code, dos)
        if mue is not None and units > mue:
            warnings.append(f"{units} units of {code} exceed its MUE of {mue} per day")
        if not self.refs.covered(p.id, dos):
            warnings.append(f"{p.account} has no active coverage on {dos.isoformat()}; "
                            "the charge is self-pay")

        # Accepted: record it in the command's view of the day.
        if st.new and not any(e is st for e in self._days[(p.id, dos)]):
            self._days[(p.id, dos)].append(st)
        st.dx = all_dx
        lines.setdefault(key, -line if line else 0)
        provider_id = prov.id if prov else (st.provider_id or None)
        if provider_id is None:
            sole = self.refs.sole_provider()
            provider_id = sole.id if sole else None
        planned = Planned(line, p.account, st, {
            "patient_id": p.id, "date_of_service": dos, "code": code, "modifiers": " ".join(mods),
            "units": units, "fee_cents": fee, "amount_cents": fee * units,
            "dx_pointers": " ".join(str(i) for i in pointers), "provider_id": provider_id,
            "pos": place or st.pos or "11", "ndc": ndc, "ndc_quantity": qty, "ndc_unit": unit,
            **ordering, "status": ChargeStatus.UNBILLED.value, "created_by": self.user,
        }, dx, warnings)
        self.pending.append(planned)
        return planned

    # ------------------------------------------------------------ writing

    def write(self) -> list[Planned]:
        """Write every pending charge, the encounters they open and their new diagnoses.

        Rows go in with multi-row INSERT ... RETURNING (ORM objects cost about a millisecond
        each in an import); ``Planned.charge`` is the charge row as written.
        """
        plans, self.pending = self.pending, []
        if not plans:
            return []
        entries: list[audit.AuditEntry] = []
        new_encs: dict[int, _Enc] = {}
        touched: dict[int, _Enc] = {}
        for pl in plans:
            if pl.enc.new and pl.enc.record is None:
                new_encs.setdefault(id(pl.enc), pl.enc)
            touched.setdefault(id(pl.enc), pl.enc)
        if new_encs:
            states = list(new_encs.values())
            rows = insert_records(self.session, t.encounter, EncounterRecord, [
                {"patient_id": e.patient_id, "date_of_service": e.date_of_service,
                 "provider_id": e.provider_id, "pos": e.pos, "source": "charge",
                 "created_by": self.user} for e in states])
            for e, rec in zip(states, rows, strict=True):
                e.record = rec
                self._by_id[rec.id] = e
                entries.append(("create", "encounter", rec.id, None, audit.snapshot(rec)))
        dx_rows: list[dict[str, Any]] = []
        for e in touched.values():
            for seq in range(e.saved_dx + 1, len(e.dx) + 1):
                dx_rows.append({"encounter_id": e.id, "seq": seq, "code": e.dx[seq - 1]})
            e.saved_dx = len(e.dx)
        for d in insert_records(self.session, t.encounter_diagnosis, DiagnosisRecord, dx_rows):
            entries.append(("add_diagnosis", "encounter", d.encounter_id, None, audit.snapshot(d)))
        charges = insert_records(self.session, t.charge, ChargeRecord,
                                 [{**pl.fields, "encounter_id": pl.enc.id} for pl in plans])
        for pl, row in zip(plans, charges, strict=True):
            pl.charge = row
            entries.append(("create", "charge", row.id, None, audit.snapshot(row)))
        audit.record_many(session=self.session, user=self.user, entries=entries)
        ledger.post_charges(session=self.session, user=self.user,
                            charges=[_ledger_charge(row) for row in charges])
        for pl in plans:
            assert pl.charge is not None
            lines = self._lines[(pl.charge.patient_id, pl.charge.date_of_service)]
            k = (pl.charge.code, pl.charge.modifiers)
            if lines.get(k, 0) <= 0:
                lines[k] = pl.charge.id
        return plans


def _ledger_charge(row: ChargeRecord) -> dict[str, Any]:
    return {"id": row.id, "patient_id": row.patient_id, "date_of_service": row.date_of_service,
            "amount_cents": row.amount_cents}


def _result(pl: Planned, provider_npi: str | None = None) -> ChargeResult:
    assert pl.charge is not None
    return ChargeResult(pl.charge, pl.account, pl.diagnoses, pl.warnings, provider_npi)


def add_charge(*, session: Executor, user: str, request: ChargeRequest) -> ChargeResult:
    """Enter one charge.

    Args:
        session: the command's session, or a Core connection.
        user: who acts.
        request: the charge as typed.

    Returns:
        The charge, the patient's account, the line's diagnoses and the warnings to show.
    """
    entry = ChargeEntry(session, user)
    pl = entry.plan(request)
    entry.write()
    assert pl.charge is not None
    npi = None
    if pl.charge.provider_id is not None:
        npi = session.execute(
            select(t.provider.c.npi).where(t.provider.c.id == pl.charge.provider_id)).scalar()
    return _result(pl, npi)


def import_charges(
    *, session: Executor, user: str, rows: Iterable[tuple[int, dict[str, str]]],
    progress: Callable[[int], None] | None = None,
) -> list[ChargeResult]:
    """Enter many charges from CSV rows; all-or-nothing, every bad row reported by line.

    Args:
        session: the command's session.
        user: who acts.
        rows: (line, column -> text) from ``csvfile.read_rows``.
        progress: called with 1 per row checked.

    Returns:
        One result per row, in file order.
    """
    row_list = list(rows)
    reqs = [(line, ChargeRequest(
        patient=r.get("patient", ""), date=r.get("date", ""), code=r.get("code", ""),
        dx=r.get("dx", ""), modifiers=r.get("modifiers", ""), units=r.get("units") or "1",
        fee=r.get("fee") or None, provider=r.get("provider_npi") or None,
        encounter=r.get("encounter") or None, pos=r.get("pos") or None,
        ndc=r.get("ndc") or None, ndc_quantity=r.get("ndc_quantity") or None,
        ndc_unit=r.get("ndc_unit") or None, ordering_npi=r.get("ordering_npi") or None,
        ordering_name=r.get("ordering_name") or None)) for line, r in row_list]
    entry = ChargeEntry(session, user)
    entry.preload([r for _, r in reqs])
    bad: list[tuple[int, str]] = []
    plans: list[Planned] = []
    for line, req in reqs:
        try:
            if not req.code.strip():
                raise InputError("code is empty")
            plans.append(entry.plan(req, line))
        except InputError as exc:
            bad.append((line, str(exc).rstrip(".")))
        if progress:
            progress(1)
    if bad:
        raise RowError.nothing_imported(bad)
    entry.write()
    return [_result(pl) for pl in plans]


# ---------------------------------------------------------------- listing and voiding

@dataclass(frozen=True)
class ChargeView:
    charge: ChargeRecord
    account: str
    provider_npi: str | None
    diagnoses: list[str]


def list_charges(
    *, session: Executor, date: dt.date | None = None, patient: str | None = None,
    status: str | None = None, encounter_id: int | None = None, ids: Sequence[int] | None = None,
) -> list[ChargeView]:
    """Charges with their patient's account, provider NPI and diagnoses (by pointer)."""
    c, p, pr = t.charge.c, t.patient.c, t.provider.c
    q = (select(t.charge, p.account, pr.npi)
         .join(t.patient, p.id == c.patient_id)
         .join(t.provider, pr.id == c.provider_id, isouter=True))
    if date is not None:
        q = q.where(c.date_of_service == date)
    if patient:
        q = q.where(p.account == patient.strip().upper())
    if status:
        q = q.where(c.status == parse_option(ChargeStatus, status))
    if encounter_id is not None:
        q = q.where(c.encounter_id == encounter_id)
    if ids is not None:
        q = q.where(c.id.in_(list(ids)))
    rows = session.execute(q.order_by(c.date_of_service, c.id)).all()
    dx = diagnoses_of(session=session, encounter_ids=[r.encounter_id for r in rows])
    out = []
    for r in rows:
        enc_dx = dx.get(r.encounter_id, [])
        line_dx = [enc_dx[int(n) - 1] for n in r.dx_pointers.split() if 0 < int(n) <= len(enc_dx)]
        out.append(ChargeView(ChargeRecord.from_row(r), r.account or "", r.npi, line_dx))
    return out


def get_charge(*, session: Executor, charge_id: int) -> ChargeRecord:
    row = session.execute(select(t.charge).where(t.charge.c.id == charge_id)).first()
    if row is None:
        raise NotFoundError(f"No charge {charge_id}", "See medbill charge list")
    return ChargeRecord.from_row(row)


def void_charge(*, session: Executor, user: str, charge_id: int, reason: str) -> ChargeRecord:
    """Void a charge that is not on a claim: the row stays, marked with who, when and why.

    Args:
        session: the command's session.
        user: who acts.
        charge_id: the charge.
        reason: why (kept on the charge and in the audit trail).

    Returns:
        The voided charge.
    """
    from medbill_cli.validate import reason as clean_reason

    why = clean_reason(reason, needed_for="A void", max_len=200)
    c = get_charge(session=session, charge_id=charge_id)
    if c.status == ChargeStatus.VOID:
        raise InputError(f"Charge {charge_id} is already void ({c.void_reason})")
    if c.status != ChargeStatus.UNBILLED:
        raise InputError(
            f"Charge {charge_id} is on a claim ({c.status}) and cannot be voided",
            "It needs a claim correction: medbill claim resubmit CLAIM_ID --frequency 7 "
            "(replace) or 8 (void)")
    new = check_transition(c.status, ChargeStatus.VOID, record=charge_id)
    from medbill_cli.services import days

    days.ensure_open(session=session, date=c.date_of_service, what="void")
    ch = t.charge
    after = ChargeRecord.from_row(session.execute(
        update(ch).where(ch.c.id == charge_id)
        .values(status=new.value, void_reason=why, voided_by=user, voided_at=utcnow())
        .returning(*ch.c)).one())
    audit.record(session=session, user=user, action="void", entity="charge", entity_id=c.id,
                 before=audit.snapshot(c), after=audit.snapshot(after))
    ledger.void_charge(session=session, user=user, charge_id=c.id)
    return after


def describe(*, session: Executor, system: str, code: str, dos: dt.date | None) -> str:
    """A code's description, for showing it as it is accepted at the terminal."""
    if system == "proc":
        row = lookup.check_procedure(session=session, code=code, dos=dos)
    elif system == "dx":
        row = lookup.check_diagnosis(session=session, code=code, dos=dos)
    else:
        row = lookup.check_modifier(session=session, modifier=code, dos=dos)
    return f"{row.code}  {row.short_description or row.long_description}"
