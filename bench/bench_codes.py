"""Code-set benchmarks (issue: code sets).

Targets, on this machine, medians of cold processes: `medbill init` with the full ICD-10-CM
under 15 s; `medbill codes search` under 250 ms for the whole command and under 20 ms for the
query itself (search_codes on an open connection, first call in a new process).
Run: python bench/bench_codes.py [--pg URL]   (URL: an empty database to use, e.g.
postgresql://postgres@127.0.0.1:5432/medbill_bench; it is initialised, not dropped)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _util import PY, cold, medbill, report

QUERIES = [
    "type 2 diabetes with diabetic chronic kidney disease",
    "diabetis",
    "hypertensoin",
    "E11.2",
    "99213",
    "knee pain",
]

QUERY_TIMER = """
import sys, time
from medbill_cli.codesets.search import search_codes
from medbill_cli.db.readonly import open_readonly
with open_readonly(sys.argv[1]) as db:
    t = time.perf_counter()
    search_codes(session=db, query=sys.argv[2], limit=20)
    print(time.perf_counter() - t)
"""


def init_time(env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        medbill(["init"], env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def query_time(target: str, query: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run([PY, "-c", QUERY_TIMER, target, query], capture_output=True,
                             text=True, check=True, env=os.environ)
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


def bench_target(label: str, env: dict[str, str], init_runs: int, fresh: callable) -> bool:  # type: ignore[valid-type]
    ok = True
    t_init = init_time_fresh(fresh, init_runs)
    ok &= report(f"[{label}] medbill init with ICD-10-CM (median of {init_runs})", t_init, 15.0)
    env = fresh(keep=True)
    for q in QUERIES:
        ok &= report(f"[{label}] codes search {q!r}: whole command", cold(
            ["codes", "search", q, "--format", "json"], env, runs=7), 0.250)
        ok &= report(f"[{label}] codes search {q!r}: query only", query_time(env["MEDBILL_DB"], q),
                     0.020)
    return ok


def init_time_fresh(fresh, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        env = fresh(keep=False)
        t = time.perf_counter()
        medbill(["init"], env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ok = True
    tmp = Path(tempfile.mkdtemp(prefix="medbill-bench-codes-"))
    n = [0]

    def fresh_sqlite(keep: bool) -> dict[str, str]:
        n[0] += 1
        env = {"MEDBILL_DB": str(tmp / f"codes{n[0]}.db"), "MEDBILL_USER": "bench"}
        if keep:
            medbill(["init"], env)
        return env

    ok &= bench_target("sqlite", {}, 3, fresh_sqlite)

    if "--pg" in sys.argv:
        url = sys.argv[sys.argv.index("--pg") + 1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        name = url.rsplit("/", 1)[1]

        def fresh_pg(keep: bool) -> dict[str, str]:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                c.execute(f'CREATE DATABASE "{name}"')
            env = {"MEDBILL_DB": url, "MEDBILL_USER": "bench"}
            if keep:
                medbill(["init"], env)
            return env

        ok &= bench_target("postgresql", {}, 1, fresh_pg)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
