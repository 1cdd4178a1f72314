"""Encounter import benchmark (issue: one shape per record; encounter import in bulk).

Target: `medbill encounter import` of 5,000 visits, the whole command as a new process, under
1.5 s on SQLite and under 3 s on PostgreSQL. A tenth of the visits attach their form to an
encounter that charge entry opened, as a real day's file does.
Run: python bench/bench_encounter_import.py [--pg URL]
(with --pg the database at URL is used; it must be empty or a scratch database).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from _util import medbill, report, scratch_db

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

ROWS = 5_000
PATIENTS = 1_000
NPI = "1987654328"


def setup(env: dict[str, str], d: Path) -> None:
    """A practice, one provider, 1,000 patients, a few codes and fees, and some charges."""
    from charge_support import insert_codes

    insert_codes(env["MEDBILL_DB"])
    medbill(["practice", "set", "--name", "Bench Clinic", "--npi", "1234567893", "--tin",
             "12-3456789", "--address", "1 Main St", "--city", "Albany", "--state", "NY",
             "--zip", "12207-1234"], env)
    medbill(["provider", "add", "--npi", NPI, "--first-name", "Ana", "--last-name", "Ruiz"], env)
    pats = d / "patients.csv"
    pats.write_text("first_name,last_name,dob,sex\n" + "".join(
        f"F{i},L{i},1970-01-{1 + i % 28:02d},F\n" for i in range(PATIENTS)))
    medbill(["patient", "import", str(pats)], env)
    medbill(["fee", "set", "99213", "75"], env)
    # Charge entry opens encounters for the first visits of the first day: their forms attach.
    day0 = dt.date.today() - dt.timedelta(days=5)
    charges = d / "charges.csv"
    charges.write_text("patient,date,code,dx\n" + "".join(
        f"P{1 + i:06d},{day0.isoformat()},99213,I10\n" for i in range(ROWS // 10)))
    medbill(["charge", "import", str(charges)], env)


def visits(path: Path) -> None:
    day0 = dt.date.today() - dt.timedelta(days=5)
    with path.open("w") as f:
        f.write("patient,date,provider_npi,form,form_charges,form_collected,pos\n")
        for i in range(ROWS):
            day = day0 + dt.timedelta(days=i // PATIENTS)
            f.write(f"P{1 + i % PATIENTS:06d},{day.isoformat()},{NPI},SB{i:06d},75.00,"
                    f"{'25.00' if i % 3 == 0 else ''},11\n")


def main() -> int:
    pg = sys.argv[sys.argv.index("--pg") + 1] if "--pg" in sys.argv else None
    if pg:
        import tempfile

        env = {"MEDBILL_DB": pg, "MEDBILL_USER": "bench"}
        medbill(["init", "--no-codes"], env)
        d = Path(tempfile.mkdtemp(prefix="medbill-bench-"))
    else:
        d, env = scratch_db()
    setup(env, d)
    csv = d / "visits.csv"
    visits(csv)
    t = time.perf_counter()
    r = medbill(["encounter", "import", str(csv)], env, check=False)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        print(r.stderr[-2000:])
    n = len(r.stdout.split())
    print(f"      ({n} encounter ids printed; {r.stderr.count('attached')} forms attached)")
    limit = 3.0 if pg else 1.5
    ok = report(f"encounter import {ROWS:,} rows ({'PostgreSQL' if pg else 'SQLite'})",
                elapsed, limit) and r.returncode == 0 and n == ROWS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
