"""Close-of-day benchmark (issue: close of day).

Target, on this machine: `medbill reconcile --date D --format json` of a 5,000-encounter day
(10,000 charges, 4,500 desk payments, a few dozen planted problems) under 2 s as a cold process
(median of 5), and `reconcile --close` of the same day under 2 s. The day is written straight
into the database (not timed).
Run: python bench/bench_reconcile.py [--encounters N] [--pg URL]
  --pg  a PostgreSQL database URL (its tables are created fresh; everything in it is dropped)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time

from _util import PY, medbill, report, scratch_db

DAY = dt.date(2026, 3, 16)


def populate(url: str, encounters: int) -> int:
    """Write the day; returns how many discrepancies were planted."""
    from sqlalchemy import insert

    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.models import Charge, Encounter, Patient, Payment

    eng = make_engine(url)
    planted = 0
    now = dt.datetime.now(dt.UTC)
    with eng.begin() as c:
        c.execute(insert(Patient), [
            {"id": i, "account": f"P{i:06d}", "first_name": f"First{i}", "last_name": f"Last{i}",
             "dob": dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), "sex": "MF"[i % 2],
             "created_at": now, "updated_at": now} for i in range(1, encounters + 1)])
        encs, charges, pays = [], [], []
        for i in range(1, encounters + 1):
            source = "charge" if i % 500 == 7 else "form"
            form_charges = 15000 if i % 400 != 3 else 16000
            collected = 2000 if i % 10 else 0
            encs.append({"id": i, "patient_id": i, "date_of_service": DAY, "pos": "11",
                         "form_number": f"F{i}" if source == "form" else None,
                         "form_charges_cents": form_charges if source == "form" else None,
                         "form_collected_cents": collected if source == "form" else None,
                         "source": source, "created_at": now})
            planted += (source == "charge") or (i % 400 == 3 and i % 300 != 5)
            if i % 300 != 5:  # missing charges
                for amount in (12500, 2500):
                    charges.append(
                        {
                            "encounter_id": i,
                            "patient_id": i,
                            "date_of_service": DAY,
                            "code": "99213",
                            "modifiers": "",
                            "units": 1,
                            "fee_cents": amount,
                            "amount_cents": amount,
                            "dx_pointers": "1",
                            "pos": "11",
                            "status": "unbilled",
                            "created_at": now,
                        }
                    )
            else:
                planted += source == "form"
            if collected and source == "form" and i % 250 != 9:  # unposted copays
                pays.append(
                    {
                        "patient_id": i,
                        "encounter_id": i,
                        "date": DAY,
                        "amount_cents": collected,
                        "method": ("cash", "check", "card")[i % 3],
                        "kind": "copay",
                        "reference": "1001" if i % 3 == 1 else None,
                        "status": "posted",
                        "created_at": now,
                    }
                )
            elif collected and source == "form":
                planted += 1
        c.execute(insert(Encounter), encs)
        c.execute(insert(Charge), charges)
        c.execute(insert(Payment), pays)
    if eng.dialect.name == "postgresql":
        with eng.begin() as c:
            for table in ("patient", "encounter", "charge", "payment"):
                c.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
            c.exec_driver_sql("ANALYZE")
    eng.dispose()
    return planted


def run(
    args: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds, CPU seconds (user + system) and the result of one cold process."""
    import os
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([PY, "-m", "medbill_cli", *args], env={**os.environ, **env}, text=True,
                       capture_output=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p


def median_run(
    args: list[str], env: dict[str, str], runs: int = 5
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, p = run(args, env)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus), p


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encounters", type=int, default=5000)
    ap.add_argument("--pg", help="PostgreSQL URL to use instead of a scratch SQLite file")
    a = ap.parse_args()
    if a.pg:
        from sqlalchemy import text

        from medbill_cli.db.engine import make_engine

        eng = make_engine(a.pg)
        with eng.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        eng.dispose()
        env = {"MEDBILL_DB": a.pg, "MEDBILL_USER": "bench"}
        medbill(["init", "--no-codes"], env)
    else:
        _, env = scratch_db()
    planted = populate(env["MEDBILL_DB"], a.encounters)
    args = ["reconcile", "--date", DAY.isoformat(), "--format", "json"]
    # The floor: the same command on a day with nothing (interpreter, imports, connection).
    floor_wall, floor_cpu, _ = median_run(
        ["reconcile", "--date", "2000-01-03", "--format", "json"], env
    )
    wall, cpu, p = median_run(args, env)
    data = json.loads(p.stdout)
    assert p.returncode == 1 and data["encounters"] == a.encounters, (p.returncode, p.stderr[-500:])
    found = len(data["discrepancies"])
    print(f"{a.encounters} encounters, {found} discrepancies found, {planted} planted")
    ok = found == planted
    print(f"      empty day (start-up floor): {floor_wall:.3f} s wall, {floor_cpu:.3f} s CPU; "
          f"{a.encounters:,}-encounter day: {cpu:.3f} s CPU")
    ok &= report(f"reconcile of a {a.encounters:,}-encounter day, cold process (median)", wall, 2.0)
    t, cpu, p = run([*args, "--close", "--force", "--reason", "benchmark"], env)
    ok &= p.returncode == 1 and "Closed" in p.stderr
    ok &= report("reconcile --close of the same day", t, 2.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
