"""Patient statement benchmark (issue: statements, collections and payment plans).

Target, on this machine: `statement run` for 1,000 patients who owe (three charge lines each,
one PDF page each with its remittance slip) in at most 20 s, as a cold process. 500 more
patients owe nothing themselves (their balances are with insurance), so the run also has to
pass them over. A second run 30 days later (second notices) is timed as well: it reads the
first run's records to find each account's level.
Run: python bench/bench_statements.py [--patients N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from _util import medbill, report, scratch_db
from bench_claims import timed

HERE = Path(__file__).resolve().parent


def populate(env: dict[str, str], owing: int, insured: int) -> None:
    from sqlmodel import Session, select

    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.models import Charge, Coverage, Encounter, Patient, Provider
    from medbill_cli.services import ledger

    medbill(
        ["practice", "set", "--name", "Bench Family Medicine", "--npi", "1234567893", "--tin",
         "12-3456789", "--address", "100 Main St", "--city", "Albany", "--state", "NY", "--zip",
         "12207-1234", "--phone", "518-555-0100", "--pay-url", "https://pay.example.com"],
        env,
    )
    medbill(["provider", "add", "--npi", "1987654328", "--first-name", "Ana", "--last-name",
             "Ruiz"], env)
    medbill(["payer", "add", "--name", "Acme Health", "--payer-id", "ACME1"], env)
    eng = make_engine(env["MEDBILL_DB"])
    today = dt.date.today()
    with Session(eng) as s:
        prov = s.exec(select(Provider)).one()
        pats = [Patient(account=f"B{i:06d}", first_name=f"First{i}", last_name=f"Last{i}",
                        dob=dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), sex="MF"[i % 2],
                        address=f"{i} Main St", city="Albany", state="NY", zip="12207")
                for i in range(owing + insured)]
        s.add_all(pats)
        s.flush()
        s.add_all([Coverage(patient_id=p.id, payer_id=1, member_id=f"M{i:08d}",
                            relationship="self", effective=dt.date(2000, 1, 1))
                   for i, p in enumerate(pats[owing:])])
        s.flush()
        charges = []
        for i, p in enumerate(pats):
            dos = today - dt.timedelta(days=40 + i % 80)
            e = Encounter(patient_id=p.id, date_of_service=dos, provider_id=prov.id,
                          source="charge")
            s.add(e)
            s.flush()
            for code, fee in (("99213", 12500), ("36415", 1500), ("83036", 3000)):
                charges.append(Charge(encounter_id=e.id, patient_id=p.id, date_of_service=dos,
                                      code=code, units=1, fee_cents=fee, amount_cents=fee,
                                      dx_pointers="1", provider_id=prov.id))
        s.add_all(charges)
        s.flush()
        ledger.post_charges(session=s, user="bench", charges=charges)
        s.commit()
    eng.dispose()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=1_000)
    a = ap.parse_args()
    d, env = scratch_db()
    populate(env, a.patients, a.patients // 2)
    ok = True
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1), os.dup(2)
    first = dt.date.today() - dt.timedelta(days=30)
    for label, as_of in (("first notices", first), ("second notices", dt.date.today())):
        out = d / f"statements-{as_of.isoformat()}.pdf"
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            wall, rss, cp = timed(["statement", "run", "--as-of", as_of.isoformat(),
                                   "--output", str(out)], env)
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
        size = out.stat().st_size if out.exists() else 0
        print(f"      {label}: exit {cp.returncode}, peak {rss:.0f} MB, "
              f"{size / 1e6:.1f} MB PDF")
        ok &= cp.returncode == 0 and size > 0
        ok &= report(f"statement run ({label}) of {a.patients:,} statements", wall, 20.0)
    cp2 = medbill(["statement", "list", "--format", "csv"], env)
    print("      " + "\n      ".join(cp2.stdout.strip().splitlines()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    os.chdir(HERE)
    sys.exit(main())
