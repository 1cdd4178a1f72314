"""Registration benchmarks (issue: foundation).

Targets, on this machine: `medbill --help` within 2x a bare `python -c "import typer"`;
`medbill patient add` under 700 ms median as a cold process; a 10,000-row `patient import`
under 10 s. Run: python bench/bench_registration.py [--pg URL]
"""

from __future__ import annotations

import sys
import time

from _util import cold, cold_python, medbill, report, scratch_db


def main() -> int:
    ok = True
    typer_t = cold_python("import typer")
    help_t = cold(["--help"], {})
    ok &= report("medbill --help vs import typer (ratio)", help_t / typer_t, 2.0, "x")

    d, env = scratch_db()
    n = [0]

    def add_args() -> list[str]:
        n[0] += 1
        return ["patient", "add", "--first-name", f"Bench{n[0]}", "--last-name", "Patient",
                "--dob", "1980-01-01", "--sex", "F"]

    import os
    import statistics
    import subprocess

    times = []
    for _ in range(9):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "medbill_cli", *add_args()],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - t)
    ok &= report("patient add, cold process (median)", statistics.median(times), 0.7)

    csv = d / "patients.csv"
    with csv.open("w") as f:
        f.write("first_name,last_name,dob,sex,city,state,zip\n")
        for i in range(10_000):
            f.write(
                f"First{i},Last{i},19{50 + i % 50}-0{1 + i % 9}-1{i % 9},{'MF'[i % 2]},"
                "Albany,NY,12207\n"
            )
    t = time.perf_counter()
    medbill(["patient", "import", str(csv)], env)
    ok &= report("patient import 10,000 rows", time.perf_counter() - t, 10.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
