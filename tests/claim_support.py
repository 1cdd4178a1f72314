"""Building a practice day for claim tests: patients and coverages through the CLI, encounters and
charges written through the models (the same rows charge entry writes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from conftest import NPI_PROVIDER, Cli

DOS = dt.date.today() - dt.timedelta(days=3)


def add_patient(cli: Cli, first: str, last: str, dob: str = "1970-03-15", sex: str = "M") -> str:
    r = cli.ok("patient", "add", "--first-name", first, "--last-name", last, "--dob", dob, "--sex",
               sex, "--address", "456 Oak Ave", "--city", "Albany", "--state", "NY", "--zip",
               "12203")
    return r.stdout.strip()


def add_coverage(cli: Cli, account: str, payer: str = "ACME1", member: str | None = None,
                 *extra: str) -> None:
    cli.ok(
        "coverage", "add", account, "--payer", payer, "--member-id", member or f"M{account}", *extra
    )


def add_dependent_coverage(cli: Cli, account: str, payer: str = "ACME1") -> None:
    add_coverage(cli, account, payer, f"S{account}", "--relationship", "child",
                 "--subscriber-first-name", "Mary", "--subscriber-last-name", "Roe",
                 "--subscriber-dob", "1982-05-01", "--subscriber-sex", "F")


@dataclass
class Svc:
    code: str
    fee_cents: int = 10000
    units: int = 1
    modifiers: str = ""
    pointers: str = "1"


def add_visit(cli: Cli, account: str, dx: Sequence[str], services: Sequence[Svc], *,
              dos: dt.date = DOS, npi: str = NPI_PROVIDER, pos: str = "11") -> list[int]:
    """One encounter with its diagnoses and charges; returns the charge ids."""
    from sqlmodel import Session, select

    from medbill_cli.db.models import Charge, Encounter, EncounterDiagnosis, Patient, Provider
    from medbill_cli.services import ledger

    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            pat = s.exec(select(Patient).where(Patient.account == account)).one()
            prov = s.exec(select(Provider).where(Provider.npi == npi)).first()
            enc = Encounter(patient_id=pat.id, date_of_service=dos,
                            provider_id=prov.id if prov else None, pos=pos, source="charge")
            s.add(enc)
            s.flush()
            for i, code in enumerate(dx, start=1):
                s.add(EncounterDiagnosis(encounter_id=enc.id, seq=i, code=code))
            charges = [
                Charge(encounter_id=enc.id, patient_id=pat.id, date_of_service=dos, code=sv.code,
                       modifiers=sv.modifiers, units=sv.units, fee_cents=sv.fee_cents,
                       amount_cents=sv.fee_cents * sv.units, dx_pointers=sv.pointers,
                       provider_id=prov.id if prov else None, pos=pos)
                for sv in services
            ]
            s.add_all(charges)
            s.flush()
            # As charge entry does: each new line goes on the ledger.
            ledger.post_charges(session=s, user="tester", charges=charges)
            s.commit()
            return [c.id for c in charges]  # type: ignore[misc]
    finally:
        eng.dispose()


CODES = {
    "icd10cm": [("J06.9", True, None), ("R50.9", True, None), ("Z00.129", True, None),
                ("I10", True, None), ("E11", False, None), ("E11.9", True, None),
                ("O09.90", True, None), ("M17.11", True, None), ("W19.XXXA", True, None),
                ("S52.501A", True, None), ("E11.42", True, None),
                ("G63", True, '{"code_first": ["underlying disease, such as:"]}'),
                ("N40.0", True, None)],
    "modifier": [("25", True, None), ("59", True, None), ("XS", True, None), ("RT", True, None)],
}


def load_codes(cli: Cli, *, ptp: Sequence[tuple[str, str, str]] = (("20610", "99213", "1"),),
               mue: Sequence[tuple[str, int, int]] = (("20610", 1, 2), ("97110", 4, 3))) -> None:
    """A few ICD-10-CM codes, modifiers, NCCI PTP pairs and MUEs (what the code sets load)."""
    from sqlmodel import Session

    from medbill_cli.db.models import Code, MueEdit, PtpEdit

    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            for system, rows in CODES.items():
                for code, billable, notes in rows:
                    s.add(
                        Code(system=system, code=code, long_description=f"{code} test",
                             billable=billable, version="test", notes=notes)
                    )
            for c1, c2, ind in ptp:
                s.add(
                    PtpEdit(column1=c1, column2=c2, effective=dt.date(2000, 1, 1),
                            modifier_indicator=ind, version="test")
                )
            for code, n, mai in mue:
                s.add(MueEdit(code=code, mue=n, mai=mai, version="test"))
            s.commit()
    finally:
        eng.dispose()
