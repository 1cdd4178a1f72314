"""Cached look-ups for data entry: patients, providers, facilities, places of service, open days,
active coverage and encounter diagnoses, for one command.

Written with SQLAlchemy Core over ``db.tables``, so they run on an ORM session (encounter entry,
imports) or on a bare Core connection (``charge add``, which must start fast). Rows come back
as read-only records with the column names as attributes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from medbill_cli import money
from medbill_cli import validate as v
from medbill_cli.dates import in_force, parse_date, today
from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError, NotFoundError
from medbill_cli.inputs import record_id
from medbill_cli.services import days

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row
    from sqlmodel import Session

    Executor = Session | Connection


def as_date(value: dt.date | str, what: str = "date of service") -> dt.date:
    return value if isinstance(value, dt.date) else parse_date(value, what=what)


def check_service_date(dos: dt.date, patient: Any) -> dt.date:
    """A date of service is neither in the future nor before the patient's birth."""
    if dos > today():
        raise InputError(f"The date of service {dos.isoformat()} is in the future",
                         "Enter charges on or after the day of the visit")
    if dos < patient.dob:
        raise InputError(f"The date of service {dos.isoformat()} is before "
                         f"{patient.account}'s birth",
                         "Check the date and the patient")
    return dos


def named_provider(role: str, npi: str | None, name: str | None) -> dict[str, Any]:
    """A provider by NPI and "LAST, FIRST" who need not be a practice member (the referring,
    supervising and ordering providers: 837P 2310A, 2310D, 2420E): the ``<role>_npi`` and
    ``<role>_name`` columns, or nothing when neither is given.

    Raises:
        InputError: one of the two without the other, a name not LAST, FIRST, or an NPI that
            is not 10 digits or fails its check digit.
    """
    if not (npi or name):
        return {}
    label, opt = role.capitalize(), f"--{role}"
    if not (npi and name):
        raise InputError(f"A {role} provider needs both {opt}-npi and {opt}-name",
                         f'Give {opt}-npi NPI {opt}-name "LAST, FIRST"')
    nm = v.name(name, field=f"{label} provider name")
    last, _, first = (p.strip() for p in nm.partition(","))
    if not last or not first:
        raise InputError(f"{label} provider name must be LAST, FIRST",
                         f'Give {opt}-name "LAST, FIRST"')
    return {f"{role}_npi": v.npi(npi, field=f"{label} NPI"), f"{role}_name": f"{last}, {first}"}


def amount_cents(text: str | Decimal | None, what: str) -> int | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return money.amount_cents(text, what)


def covers(effective: dt.date | None, termination: dt.date | None,
           start: dt.date | None, end: dt.date | None) -> bool:
    """Whether coverage from ``effective`` to ``termination`` overlaps [start, end]
    (None = open)."""
    c_start = effective or dt.date.min
    c_end = termination or dt.date.max
    return c_start <= (end or dt.date.max) and (start or dt.date.min) <= c_end


def diagnoses_of(*, session: Executor, encounter_ids: list[int]) -> dict[int, list[str]]:
    """encounter id -> its diagnosis codes in order (seq 1..12)."""
    d = t.encounter_diagnosis
    out: dict[int, list[str]] = {}
    ids = sorted(set(encounter_ids))
    for part in chunks(ids):
        q = (select(d.c.encounter_id, d.c.code).where(d.c.encounter_id.in_(part))
             .order_by(d.c.encounter_id, d.c.seq))
        for eid, code in session.execute(q):
            out.setdefault(eid, []).append(code)
    return out


class Refs:
    """Cached look-ups of patients, providers, facilities and POS codes for one command."""

    def __init__(self, session: Executor) -> None:
        self.session = session
        self.patients: dict[str, Row[Any]] = {}
        self.providers: dict[str, Row[Any]] = {}
        self.facilities: dict[int, Row[Any]] = {}
        self.pos_codes: dict[str, str] = {}
        self._pos_loaded: bool | None = None
        self._sole_provider: Row[Any] | None | bool = False
        self.open_days: dict[dt.date, bool] = {}
        self._coverage: dict[tuple[int, dt.date], bool] = {}

    def preload_patients(self, accounts: Iterable[str]) -> None:
        accts = sorted({a.strip().upper() for a in accounts if a and a.strip()}
                       - set(self.patients))
        for part in chunks(accts):
            for p in self.session.execute(
                    select(t.patient).where(t.patient.c.account.in_(part))):
                self.patients[p.account] = p

    def patient(self, account: str) -> Row[Any]:
        acct = (account or "").strip().upper()
        if not acct:
            raise InputError("No patient given", "Give the patient's account number, e.g. P000001")
        if acct not in self.patients:
            p = self.session.execute(select(t.patient).where(t.patient.c.account == acct)).first()
            if p is None:
                raise NotFoundError(f"No patient with account {acct}",
                                    "Find it with medbill patient search")
            self.patients[acct] = p
        return self.patients[acct]

    def provider(self, npi: str) -> Row[Any]:
        n = npi.strip()
        if n not in self.providers:
            prov = self.session.execute(select(t.provider).where(t.provider.c.npi == n)).first()
            if prov is None:
                raise NotFoundError(f"No provider with NPI {n}", "See medbill provider list")
            self.providers[n] = prov
        return self.providers[n]

    def sole_provider(self) -> Row[Any] | None:
        """The practice's only provider, when it has exactly one (a default rendering provider)."""
        if self._sole_provider is False:
            rows = self.session.execute(
                select(t.provider).where(t.provider.c.active.is_(True)).limit(2)).all()
            self._sole_provider = rows[0] if len(rows) == 1 else None
        assert not isinstance(self._sole_provider, bool)
        return self._sole_provider

    def facility(self, facility_id: int | str) -> Row[Any]:
        try:
            fid = record_id(facility_id, field="Facility")
        except ValueError:
            raise InputError(f"Facility '{facility_id}' is not a facility id",
                             "See medbill facility list") from None
        if fid not in self.facilities:
            fac = self.session.execute(select(t.facility).where(t.facility.c.id == fid)).first()
            if fac is None:
                raise NotFoundError(f"No facility {fid}", "See medbill facility list")
            self.facilities[fid] = fac
        return self.facilities[fid]

    def pos(self, value: str) -> str:
        """A place of service: two digits, and a known code when the POS code set is loaded."""
        p = v.pos(value)
        if p not in self.pos_codes:
            if self._pos_loaded is None:
                any_pos = select(t.code.c.id).where(t.code.c.system == "pos").limit(1)
                self._pos_loaded = self.session.execute(any_pos).first() is not None
            if self._pos_loaded:
                from medbill_cli.services.lookup import check_pos

                self.pos_codes[p] = check_pos(session=self.session, pos=p).long_description
            else:
                self.pos_codes[p] = ""
        return p

    def ensure_open(self, date: dt.date, what: str) -> None:
        if date not in self.open_days:
            days.ensure_open(session=self.session, date=date, what=what)
            self.open_days[date] = True

    def covered(self, patient_id: int, on: dt.date) -> bool:
        """Whether the patient has primary coverage in force on a date of service."""
        key = (patient_id, on)
        if key not in self._coverage:
            c = t.coverage
            rows = self.session.execute(
                select(c.c.effective, c.c.termination)
                .where(c.c.patient_id == patient_id, c.c.priority == "primary")).all()
            self._coverage[key] = any(in_force(eff, term, on) for eff, term in rows)
        return self._coverage[key]
