"""Acknowledgment and worklist benchmarks (issue: acknowledgments and worklists).

Targets, on this machine, each as a cold process:
- `ack import` of a 277CA answering 10,000 claims (3% rejected, with payer claim numbers):
  <= 5 s;
- `worklist` (every kind) over 100,000 claims: <= 2 s.
The claims are written straight into the database (not timed): patients, coverages, one
exported batch, claims in the statuses a working database holds.
Run: python bench/bench_acks.py [--claims 10000] [--worklist-claims 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from _util import medbill, report, scratch_db


def populate(env: dict[str, str], n: int, *, mixed: bool) -> None:
    """``n`` patients with one claim each; ``mixed`` spreads the claims over the statuses."""
    from sqlalchemy import insert

    from medbill_cli.db import tables as t
    from medbill_cli.db.engine import make_engine

    medbill(["practice", "set", "--name", "Bench Family Medicine", "--npi", "1234567893",
             "--tin", "12-3456789", "--address", "100 Main St", "--city", "Albany", "--state",
             "NY", "--zip", "12207-1234", "--phone", "518-555-0100", "--submitter-id",
             "BENCHSUB", "--receiver-id", "CLEARHOUSE"], env)
    medbill(["payer", "add", "--name", "Acme Health", "--payer-id", "ACME1"], env)
    eng = make_engine(env["MEDBILL_DB"])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    dos = dt.date.today() - dt.timedelta(days=45)
    statuses = ["paid"] * 14 + ["submitted", "accepted", "rejected", "held", "denied", "ready"]
    with eng.begin() as c:
        c.execute(insert(t.batch), [{"format": "x12", "isa_control": 1, "gs_control": 1,
                                     "st_control": 1, "file_hash": "0" * 64, "claim_count": n,
                                     "created_at": now}])
        for start in range(0, n, 20000):
            ids = range(start + 1, min(n, start + 20000) + 1)
            c.execute(insert(t.patient), [{
                "id": i, "account": f"B{i:07d}", "first_name": f"First{i}", "last_name": f"Last{i}",
                "dob": dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), "sex": "MF"[i % 2],
                "created_at": now, "updated_at": now} for i in ids])
            c.execute(insert(t.coverage), [{
                "id": i, "patient_id": i, "payer_id": 1, "member_id": f"M{i:08d}",
                "priority": "primary", "relationship": "self", "created_at": now} for i in ids])
            c.execute(insert(t.claim), [{
                "id": i, "pcn": f"C{i:08d}", "patient_id": i, "coverage_id": i, "payer_id": 1,
                "status": statuses[i % len(statuses)] if mixed else "submitted",
                "total_cents": 12500 + i % 1000, "first_dos": dos, "last_dos": dos,
                "batch_id": 1, "created_at": now - dt.timedelta(days=44),
                "submitted_at": now - dt.timedelta(days=20 + (i * 7) % 23)} for i in ids])
    eng.dispose()


def build_277ca(n: int) -> str:
    body = ["BHT*0085*08*R1*20260105*1200*TH", "HL*1**20*1",
            "NM1*AY*2*ACME CLEARINGHOUSE*****46*CLEARHOUSE", "TRN*1*T1", "DTP*050*D8*20260105",
            "DTP*009*D8*20260105", "HL*2*1*21*1", "NM1*41*2*BENCH*****46*BENCHSUB", "TRN*2*1",
            "STC*A1:19:PR*20260105*WQ*1", "HL*3*2*19*1", "NM1*85*2*BENCH*****XX*1234567893",
            "TRN*1*P1", "STC*A1:19:PR**WQ*1"]
    for i in range(1, n + 1):
        stc = "A7:164:IL" if i % 33 == 0 else "A2:20:PR"
        body += [f"HL*{i + 3}*3*PT", f"NM1*QC*1*LAST{i}*FIRST{i}****MI*M{i:08d}",
                 f"TRN*2*C{i:08d}", f"STC*{stc}*20260105*{'U' if i % 33 == 0 else 'WQ'}*125"]
        if i % 33:
            body.append(f"REF*1K*ICN{i:010d}")
        body.append("DTP*472*D8*20251120")
    segs = ["ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*BENCHSUB       *260105*1200*^*"
            "00501*000000077*0*P*:", "GS*HN*CLEARHOUSE*BENCHSUB*20260105*1200*77*X*005010X214",
            "ST*277*0077*005010X214", *body, f"SE*{len(body) + 2}*0077", "GE*1*77",
            "IEA*1*000000077"]
    return "~\n".join(segs) + "~\n"


def cold(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    import os
    import subprocess

    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "medbill_cli", *args], env={**os.environ, **env},
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode not in (0, 1):
        print(r.stderr, file=sys.stderr)
    return wall, r.returncode


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=10000)
    ap.add_argument("--worklist-claims", type=int, default=100000)
    a = ap.parse_args()
    ok = True

    d, env = scratch_db()
    t = time.perf_counter()
    populate(env, a.claims, mixed=False)
    print(f"setup: {a.claims} submitted claims in {time.perf_counter() - t:.1f} s")
    f = Path(d) / "bench.277"
    f.write_text(build_277ca(a.claims))
    wall, rc = cold(["ack", "import", str(f), "--format", "json"], env)
    print(f"ack import exit {rc}")
    ok &= report(f"ack import, 277CA for {a.claims} claims", wall, 5.0 * a.claims / 10000)

    d2, env2 = scratch_db()
    t = time.perf_counter()
    populate(env2, a.worklist_claims, mixed=True)
    print(f"setup: {a.worklist_claims} claims in {time.perf_counter() - t:.1f} s")
    wall, rc = cold(["worklist", "--format", "json"], env2)
    print(f"worklist exit {rc}")
    ok &= report(f"worklist over {a.worklist_claims} claims", wall,
                 2.0 * max(a.worklist_claims, 1) / 100000)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
