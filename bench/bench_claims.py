"""Claim benchmarks (issue: claims).

Target, on this machine: `claim generate`, `claim scrub` and `claim export --format x12` of
10,000 claims (30,000 lines) in under 30 s together, each under 400 MB peak memory (RSS).
The practice day is written straight into the database (not timed); the three commands run as
cold processes, as a night job would run them.
Run: python bench/bench_claims.py [--claims N] [--codes] [--check]
  --codes  load the bundled code sets first (medbill init), so scrub looks codes up
  --check  validate the exported file with ../shared/tools/x12check
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from _util import PY, medbill, report, scratch_db

HERE = Path(__file__).resolve().parent


def populate(env: dict[str, str], claims: int) -> None:
    from sqlmodel import Session

    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.models import (
        Charge,
        Coverage,
        Encounter,
        EncounterDiagnosis,
        Patient,
        Provider,
    )

    medbill(
        ["practice", "set", "--name", "Bench Family Medicine", "--npi", "1234567893", "--tin",
         "12-3456789", "--address", "100 Main St", "--city", "Albany", "--state", "NY", "--zip",
         "12207-1234", "--taxonomy", "207Q00000X", "--phone", "518-555-0100", "--submitter-id",
         "BENCHSUB", "--receiver-id", "CLEARHOUSE"],
        env,
    )
    medbill(
        ["provider", "add", "--npi", "1987654328", "--first-name", "Ana", "--last-name", "Ruiz"],
        env,
    )
    medbill(["payer", "add", "--name", "Acme Health", "--payer-id", "ACME1"], env)
    medbill(
        ["payer", "add", "--name", "Beacon Medicare", "--payer-id", "BCN02", "--filing-indicator",
         "MB"],
        env,
    )
    eng = make_engine(env["MEDBILL_DB"])
    dos = dt.date.today() - dt.timedelta(days=5)
    with Session(eng) as s:
        prov = s.query(Provider).one()
        pats = [
            Patient(account=f"B{i:06d}", first_name=f"First{i}", last_name=f"Last{i}",
                    dob=dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), sex="MF"[i % 2],
                    address=f"{i} Main St", city="Albany", state="NY", zip="12207")
            for i in range(claims)
        ]
        s.add_all(pats)
        s.flush()
        s.add_all([Coverage(patient_id=p.id, payer_id=1 + i % 2, member_id=f"M{i:08d}",
                            relationship="self" if i % 4 else "child",
                            subscriber_first_name=None if i % 4 else "Parent",
                            subscriber_last_name=None if i % 4 else p.last_name,
                            subscriber_dob=None if i % 4 else dt.date(1960, 1, 1),
                            subscriber_sex=None if i % 4 else "F") for i, p in enumerate(pats)])
        encs = [
            Encounter(patient_id=p.id, date_of_service=dos, provider_id=prov.id, source="charge")
            for p in pats
        ]
        s.add_all(encs)
        s.flush()
        dx, charges = [], []
        for e in encs:
            dx += [EncounterDiagnosis(encounter_id=e.id, seq=1, code="I10"),
                   EncounterDiagnosis(encounter_id=e.id, seq=2, code="E11.9")]
            for code, fee, ptr in (("99213", 12500, "1 2"), ("36415", 1500, "1"),
                                   ("83036", 3000, "2")):
                charges.append(
                    Charge(encounter_id=e.id, patient_id=e.patient_id, date_of_service=dos,
                           code=code, units=1, fee_cents=fee, amount_cents=fee, dx_pointers=ptr,
                           provider_id=prov.id)
                )
        s.add_all(dx)
        s.add_all(charges)
        s.flush()
        # As charge entry does: every line goes on the ledger (not timed).
        from medbill_cli.services import ledger

        ledger.post_charges(session=s, user="bench", charges=charges)
        s.commit()
    eng.dispose()


def timed(
    args: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """Wall seconds and peak RSS (MB) of one cold process."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # a child of its own, so that its peak RSS is measured alone
        os.execve(PY, [PY, "-m", "medbill_cli", *args], {**os.environ, **env})
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    rc = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, subprocess.CompletedProcess(args, rc)



def pipeline(env: dict[str, str], out: Path, generate: str = "claim generate"
             ) -> tuple[bool, float]:
    """Time claim generate, scrub and export (to ``out``) cold, their output silenced; each
    step's time and peak memory printed and held to 400 MB. Returns (all ok, total seconds)."""
    ok = True
    total = 0.0
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1), os.dup(2)
    for name, args in (
        (generate, ["claim", "generate"]),
        ("claim scrub", ["claim", "scrub"]),
        ("claim export", ["claim", "export", "--format", "x12", "--output", str(out)]),
    ):
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            wall, rss, cp = timed(args, env)
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
        total += wall
        print(f"      {name}: {wall:.2f} s, peak {rss:.0f} MB, exit {cp.returncode}")
        ok &= cp.returncode == 0
        ok &= report(f"{name} peak memory", rss, 400.0, "MB")
    return ok, total

def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=10_000)
    ap.add_argument("--codes", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    d, env = scratch_db(no_codes=not a.codes)
    populate(env, a.claims)
    out = d / "batch.x12"
    ok, total = pipeline(env, out)
    ok &= report(
        f"generate + scrub + export of {a.claims:,} claims ({a.claims * 3:,} lines)", total, 30.0
    )
    size = out.stat().st_size if out.exists() else 0
    print(f"      837P file: {size / 1e6:.1f} MB")
    if a.check:
        tool = HERE.parent.parent / "shared" / "tools" / "x12check"
        r = subprocess.run([PY, str(tool), str(out)], capture_output=True, text=True)
        print(f"      x12check: exit {r.returncode} {r.stdout[:500]}")
        ok &= r.returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
