"""Charge entry benchmarks (issue: charge entry).

Targets: `medbill charge add` under 700 ms median as a cold process; a 10,000-row
`charge import` under 10 s. Run: python bench/bench_charge.py [--pg URL]
(with --pg the database at URL is used; it must be empty or a scratch database).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _util import medbill, report, scratch_db

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def setup(env: dict[str, str]) -> None:
    """A practice, 200 patients with coverage, a few codes and fees (without the full code sets)."""
    from charge_support import insert_codes

    insert_codes(env["MEDBILL_DB"])
    medbill(
        ["practice", "set", "--name", "Bench Clinic", "--npi", "1234567893", "--tin", "12-3456789",
         "--address", "1 Main St", "--city", "Albany", "--state", "NY", "--zip", "12207-1234"],
        env,
    )
    medbill(
        ["provider", "add", "--npi", "1987654328", "--first-name", "Ana", "--last-name", "Ruiz"],
        env,
    )
    medbill(["payer", "add", "--name", "Acme", "--payer-id", "ACME1"], env)
    d = Path(env["MEDBILL_DB"]).parent if "://" not in env["MEDBILL_DB"] else Path("/tmp")
    pats = d / "patients.csv"
    pats.write_text("first_name,last_name,dob,sex,payer_id,member_id\n" + "".join(
        f"F{i},L{i},1970-01-{1 + i % 28:02d},F,ACME1,M{i:06d}\n" for i in range(200)))
    medbill(["patient", "import", str(pats)], env)
    fees = d / "fees.csv"
    fees.write_text("code,amount\n99213,75\n99214,110\n36415,12\nJ1100,0.50\n")
    medbill(["fee", "import", str(fees)], env)


def main() -> int:
    pg = sys.argv[sys.argv.index("--pg") + 1] if "--pg" in sys.argv else None
    if pg:
        env = {"MEDBILL_DB": pg, "MEDBILL_USER": "bench"}
        medbill(["init", "--no-codes"], env)
        d = Path("/tmp")
    else:
        d, env = scratch_db()
    setup(env)
    ok = True
    times = []
    for i in range(9):
        args = ["charge", "add", "--patient", f"P{1 + i:06d}", "--date", "today", "--code", "99213",
                "--dx", "E11.9", "--dx", "I10"]
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "medbill_cli", *args], env={**os.environ, **env},
                       check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    ok &= report("charge add, cold process (median)", statistics.median(times), 0.7)
    # This machine's speed varies with its neighbours: show the floor `charge add` pays (it runs
    # on SQLAlchemy Core, without SQLModel), and what the ORM stack alone would cost.
    from _util import cold_python

    floor = cold_python("import sqlalchemy, typer")
    orm = cold_python("import sqlalchemy.orm, sqlmodel, typer")
    print(f"      (floor: importing SQLAlchemy Core and Typer takes {floor:.3f} s here now; "
          f"SQLModel and the ORM would add {orm - floor:.3f} s)")

    csv = d / "charges.csv"
    codes = ("99213", "99214", "36415")
    dxs = ("E11.9 I10", "I10", "E11.65", "E11.9")
    start = dt.date.today() - dt.timedelta(days=60)
    with csv.open("w") as f:
        f.write("patient,date,code,dx,units\n")
        for i in range(10_000):
            day = start + dt.timedelta(days=i % 50)
            f.write(
                f"P{1 + i % 200:06d},{day.isoformat()},{codes[i % 3]},{dxs[i % 4]},{1 + (i % 2)}\n"
            )
    t = time.perf_counter()
    r = medbill(["charge", "import", str(csv)], env, check=False)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        print(r.stderr[-2000:])
    ok &= report("charge import 10,000 rows", elapsed, 10.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
