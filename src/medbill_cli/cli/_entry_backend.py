"""What the charge-entry screen asks of the database, in one place.

The screen (``cli/entry_screen.py``) never imports a service: every call it makes goes through
``EntryBackend`` here, so a change in a service's signature is mended in this module alone.
The calls are the same ones the line commands make: ``services.charges.add_charge`` (what
``charge add`` runs: one transaction per line, audited), ``codesets.search.search_codes`` (what
``codes search`` runs), ``services.patients.search_patients`` (``patient search``),
``services.fees.FeeSchedule`` (the fee ``charge add`` fills in) and
``services.reconcile.reconcile_day`` (``reconcile``) for the day's totals by encounter.

Every database call runs in its own short transaction, so a screen left open holds no lock and
always shows what other billers saved meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The code systems searched for each kind of field on a line.
SEARCH_SYSTEMS: dict[str, tuple[str, ...]] = {
    "proc": ("cpt", "hcpcs"),
    "dx": ("icd10cm",),
    "mod": ("modifier",),
}


@dataclass(frozen=True)
class PatientHit:
    account: str
    name: str  # "LAST, FIRST": shown on the screen only, never in a message or a log
    dob: dt.date


@dataclass(frozen=True)
class CodeHit:
    code: str
    description: str


@dataclass(frozen=True)
class LineInput:
    """One line as typed on the screen."""

    account: str
    date: dt.date
    code: str
    modifiers: tuple[str, ...] = ()
    units: str = "1"
    dx: tuple[str, ...] = ()
    fee: str | None = None  # None: the fee schedule's


@dataclass(frozen=True)
class SavedLine:
    charge_id: int
    encounter_id: int
    account: str
    code: str
    modifiers: str
    units: int
    amount_cents: int
    diagnoses: tuple[str, ...]
    pointers: str
    warnings: tuple[str, ...]


@dataclass
class EncounterTotals:
    """One encounter of the day: what its form says against what was entered."""

    encounter_id: int
    account: str
    form: str | None  # the form number; None for an encounter opened by charge entry
    form_charges_cents: int | None
    entered_cents: int = 0
    form_collected_cents: int | None = None
    posted_cents: int = 0
    balanced: bool = True


@dataclass
class DayTotals:
    date: dt.date
    encounters: list[EncounterTotals] = field(default_factory=list)
    form_charges_cents: int = 0
    entered_cents: int = 0
    form_collected_cents: int = 0
    posted_cents: int = 0
    balanced: bool = True


class EntryBackend:
    """The screen's database: one engine, one short transaction per call."""

    def __init__(self, engine: Engine, user: str) -> None:
        self.engine = engine
        self.user = user

    @classmethod
    def open(cls) -> EntryBackend:
        """On the database and user of the command line (--db, MEDBILL_DB, --user)."""
        from medbill_cli.cli import _context

        return cls(_context.engine(), _context.state.actor())

    @classmethod
    def on(cls, target: str, user: str) -> EntryBackend:
        """On a given database (tests, benchmarks, the screenshot tool)."""
        from medbill_cli.db.engine import check_schema, make_engine

        eng = make_engine(target)
        check_schema(eng, target)
        return cls(eng, user)

    def close(self) -> None:
        self.engine.dispose()

    def warm(self) -> None:
        """Import the services and open a pooled connection now, while the screen opens, so
        that the first save costs what every later one does."""
        from sqlalchemy import text

        import medbill_cli.codesets.search
        import medbill_cli.services.charges
        import medbill_cli.services.patients  # noqa: F401

        with self.engine.connect() as c:
            c.execute(text("SELECT 1"))

    # ------------------------------------------------------------------ look-ups

    def find_patients(self, text: str, limit: int = 8) -> list[PatientHit]:
        """Patients by name, account, date of birth or member id; [] for empty text."""
        if not text.strip():
            return []
        from medbill_cli.db.engine import session_scope
        from medbill_cli.services.patients import search_patients

        with session_scope(self.engine, write=False) as s:
            rows = search_patients(session=s, text=text, limit=limit)
            return [PatientHit(str(p.account), f"{p.last_name}, {p.first_name}", p.dob)
                    for p in rows]

    def patient(self, account: str) -> PatientHit:
        """The patient with this account; raises InputError when there is none."""
        from medbill_cli.db.engine import connection_scope
        from medbill_cli.services.refs import Refs

        with connection_scope(self.engine, write=False) as c:
            p = Refs(c).patient(account)
            return PatientHit(p.account, f"{p.last_name}, {p.first_name}", p.dob)

    def find_codes(self, kind: str, text: str, dos: dt.date, limit: int = 8) -> list[CodeHit]:
        """Codes of one kind of field (proc, dx, mod) in force on ``dos``, best first."""
        if not text.strip():
            return []
        from medbill_cli.codesets.search import search_codes
        from medbill_cli.db.engine import session_scope
        from medbill_cli.db.readonly import SessionRunner

        out: list[CodeHit] = []
        with session_scope(self.engine, write=False) as s:
            for system in SEARCH_SYSTEMS[kind]:
                hits = search_codes(session=SessionRunner(s), query=text, system=system,
                                    billable=True, dos=dos, limit=limit)
                out += [CodeHit(h.code, h.description) for h in hits]
        return out[:limit]

    def describe(self, kind: str, code: str, dos: dt.date) -> str:
        """``CODE  description``, checked as ``charge add`` checks it; raises InputError."""
        from medbill_cli.db.engine import connection_scope
        from medbill_cli.services.charges import describe

        with connection_scope(self.engine, write=False) as c:
            return describe(session=c, system=kind, code=code, dos=dos)

    def fee_cents(self, code: str, modifiers: tuple[str, ...], dos: dt.date) -> int | None:
        """The schedule's fee per unit, or None when it has none for the code on that day."""
        from medbill_cli.db.engine import connection_scope
        from medbill_cli.services.fees import FeeSchedule

        with connection_scope(self.engine, write=False) as c:
            return FeeSchedule(c).fee_cents(code.strip().upper(), modifiers, dos)

    # ------------------------------------------------------------------ saving

    def save(self, line: LineInput) -> SavedLine:
        """Save one line as ``charge add`` does: one transaction, audited; raises InputError
        (and writes nothing) when the line is refused."""
        from medbill_cli.db.engine import connection_scope
        from medbill_cli.services.charges import ChargeRequest, add_charge

        req = ChargeRequest(patient=line.account, date=line.date, code=line.code,
                            dx=list(line.dx), modifiers=list(line.modifiers), units=line.units,
                            fee=line.fee or None)
        with connection_scope(self.engine, write=True) as c:
            res = add_charge(session=c, user=self.user, request=req)
        ch = res.charge
        return SavedLine(ch.id, ch.encounter_id, res.account, ch.code, ch.modifiers, ch.units,
                         ch.amount_cents, tuple(res.diagnoses), ch.dx_pointers,
                         tuple(res.warnings))

    # ------------------------------------------------------------------ the day

    def day_totals(self, date: dt.date) -> DayTotals:
        """The day's encounters with their form totals against what was entered, as
        ``reconcile`` counts them (live charges, posted payments)."""
        from medbill_cli.db.engine import session_scope
        from medbill_cli.services.reconcile import reconcile_day

        with session_scope(self.engine, write=False) as s:
            r = reconcile_day(session=s, date=date)
        return _day_totals(r)


def _day_totals(r: Any) -> DayTotals:
    """Per-encounter totals from a reconciliation's rows (``Reconciliation.rows``: encounter,
    charge and payment rows in the order ``reconcile_day`` selects their columns)."""
    entered: dict[int, int] = defaultdict(int)
    posted: dict[int, int] = defaultdict(int)
    encs: list[EncounterTotals] = []
    for row in r.rows:
        kind = row[0]
        if kind == "charge":
            _cid, enc_id, _pid, _dos, _code, _mods, _units, amount, status = row[1:]
            if status != "void":
                entered[enc_id] += amount
        elif kind == "payment":
            _pay, enc_id, _claim, _pid, _date, amount, _method, _kind, status = row[1:]
            if status == "posted" and enc_id is not None:
                posted[enc_id] += amount
        elif kind == "encounter":
            enc_id, _pid, account, source, form, form_charges, collected = row[1:]
            encs.append(EncounterTotals(enc_id, account, form if source == "form" else None,
                                        form_charges, form_collected_cents=collected))
    off = {d.encounter for d in r.discrepancies if d.encounter is not None}
    for e in encs:
        e.entered_cents = entered.get(e.encounter_id, 0)
        e.posted_cents = posted.get(e.encounter_id, 0)
        e.balanced = e.encounter_id not in off
    encs.sort(key=lambda e: e.encounter_id)
    return DayTotals(r.date, encs, r.form_charges_cents, r.entered_charges_cents,
                     r.form_collected_cents, r.posted_payments_cents, r.balanced)
