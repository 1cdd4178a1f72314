"""Small helpers shared by the benchmarks: cold-process timing and a scratch database."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable


def compile_package() -> None:
    """Byte-compile medbill as ``pip install`` does. An editable checkout run with
    PYTHONDONTWRITEBYTECODE set would otherwise recompile every module in every cold process,
    which no installed copy does; the benchmarks measure what users run."""
    import compileall

    import medbill_cli

    compileall.compile_dir(str(Path(medbill_cli.__file__).parent), quiet=1)


compile_package()


def medbill(
    args: list[str], env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    return subprocess.run([PY, "-m", "medbill_cli", *args], env=full, text=True,
                          capture_output=True, check=check)


def cold(args: list[str], env: dict[str, str], runs: int = 7) -> float:
    """Median wall seconds of a command run as a new process."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([PY, "-m", "medbill_cli", *args], env={**os.environ, **env},
                       capture_output=True, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cold_python(code: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([PY, "-c", code], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def scratch_db(no_codes: bool = True) -> tuple[Path, dict[str, str]]:
    d = Path(tempfile.mkdtemp(prefix="medbill-bench-"))
    env = {"MEDBILL_DB": str(d / "bench.db"), "MEDBILL_USER": "bench"}
    medbill(["init", *(["--no-codes"] if no_codes else [])], env)
    return d, env


def report(name: str, value: float, limit: float, unit: str = "s") -> bool:
    ok = value <= limit
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.3f} {unit} (target <= {limit:.3f} {unit})")
    return ok
