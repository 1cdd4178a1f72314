"""A small, fast database for charge-entry tests: a few codes, the practice, two patients, fees.

Until the bundled code sets are loaded by a shared fixture, the tests insert just the codes
they need. Patients: P000001 (born 1980-04-02, covered by ACME1), P000002 (born 2000-01-01,
no coverage). Fees: 99213 75.00, 99214 110.00, 36415 12.00, J1100 0.50.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import Cli, Db, _PgTemplates, make_db, migrate, register_template, setup_practice

CODES: list[tuple[str, str, str, bool, str | None]] = [
    ("cpt", "99213", "Office/outpatient visit est, low MDM", True, None),
    ("cpt", "99214", "Office/outpatient visit est, moderate MDM", True, None),
    ("cpt", "36415", "Routine venipuncture", True, None),
    ("hcpcs", "J1100", "Dexamethasone sodium phosphate, 1 mg", True, None),
    ("icd10cm", "E11", "Type 2 diabetes mellitus", False, None),
    ("icd10cm", "E11.9", "Type 2 diabetes mellitus without complications", True, "E11"),
    ("icd10cm", "E11.65", "Type 2 diabetes mellitus with hyperglycemia", True, "E11"),
    ("icd10cm", "I10", "Essential (primary) hypertension", True, None),
    ("modifier", "25", "Significant, separately identifiable E/M service", True, None),
    ("modifier", "59", "Distinct procedural service", True, None),
    ("modifier", "LT", "Left side", True, None),
    ("modifier", "RT", "Right side", True, None),
    ("modifier", "76", "Repeat procedure by same physician", True, None),
    ("pos", "11", "Office", True, None),
    ("pos", "22", "On campus-outpatient hospital", True, None),
]
# Enough billable diagnoses to fill an encounter's 12 and try a 13th.
MORE_DX = ["Z00.00", "J06.9", "M54.50", "R51.9", "E78.5", "K21.9", "F41.1", "N39.0", "J45.909",
           "R05.9", "M25.561", "L30.9", "H10.9"]
CODES += [("icd10cm", c, f"Diagnosis {c}", True, None) for c in MORE_DX]
# A code deleted before today: unknown on today's date of service.
RETIRED = ("cpt", "99201", "Office visit new, straightforward (deleted 2021)", dt.date(2021, 1, 1))


def insert_codes(url: str) -> None:
    from sqlmodel import Session

    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.models import Code, MueEdit

    eng = make_engine(url)
    try:
        with Session(eng) as s:
            for system, code, desc, billable, parent in CODES:
                s.add(Code(system=system, code=code, short_description=desc, long_description=desc,
                           billable=billable, parent=parent, version="test"))
            system, code, desc, term = RETIRED
            s.add(
                Code(system=system, code=code, long_description=desc, termination=term,
                     version="test")
            )
            s.add(MueEdit(code="99213", mue=1, mai=2, version="test"))
            s.add(MueEdit(code="36415", mue=2, mai=2, version="test"))
            s.commit()
    finally:
        eng.dispose()


def build_charge_db(url: str) -> None:
    migrate(url)
    insert_codes(url)
    cli = Cli(Db("postgresql" if "://" in url else "sqlite", url))
    setup_practice(cli)
    cli.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob", "1980-04-02",
           "--sex", "F")
    cli.ok("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "XJ123456789")
    cli.ok("patient", "add", "--first-name", "Sam", "--last-name", "Poe", "--dob", "2000-01-01",
           "--sex", "M")
    for code, amount in (("99213", "75.00"), ("99214", "110.00"), ("36415", "12.00"),
                         ("J1100", "0.50")):
        cli.ok("fee", "set", code, amount)


register_template("charges", build_charge_db)


@pytest.fixture(params=["sqlite", "postgresql"])
def charging(
    request: pytest.FixtureRequest, tmp_path: Path, pg_templates: _PgTemplates | None
) -> Cli:
    """A Cli on a database with a few codes, the practice, patients P000001/P000002 and fees."""
    return Cli(make_db(request, request.param, "charges", tmp_path, pg_templates))


@pytest.fixture
def charging_sqlite(
    request: pytest.FixtureRequest, tmp_path: Path, pg_templates: _PgTemplates | None
) -> Cli:
    return Cli(make_db(request, "sqlite", "charges", tmp_path, pg_templates))


def close_day(cli: Cli, day: dt.date) -> None:
    """Mark a day closed directly (close of day itself is another command's business)."""
    from sqlmodel import Session

    from medbill_cli.db.models import DayClose

    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            s.add(DayClose(date=day, closed_by="x", snapshot="{}", snapshot_hash="0" * 64))
            s.commit()
    finally:
        eng.dispose()
