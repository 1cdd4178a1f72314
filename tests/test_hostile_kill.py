"""SIGKILL during ``patient import`` and ``charge import`` leaves the database as before the
command or as after it, never between; ``db check`` passes after every kill.

A few kills per command here (the suite stays fast); ``tools/kill_imports.py`` runs 50.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from conftest import Cli

FRACTIONS = (0.35, 0.7, 0.9)  # of a full run: loading, checking rows, writing them
ROWS = 300


def patients_csv(path: Path, n: int = ROWS, prefix: str = "K") -> Path:
    lines = ["first_name,last_name,dob,sex,zip"]
    for i in range(n):
        lines.append(f"Pat{chr(65 + i // 26 % 26)}{chr(65 + i % 26)},{prefix}"
                     f"{chr(65 + i // 676 % 26)}oe,1970-01-{1 + i % 28:02d},F,12207")
    path.write_text("\n".join(lines) + "\n")
    return path


def charges_csv(path: Path, accounts: list[str], n: int = ROWS, month: int = 1) -> Path:
    lines = ["patient,date,code,dx,fee"]
    for i in range(n):
        lines.append(f"{accounts[i % len(accounts)]},2026-{month:02d}-{1 + i % 28:02d},"
                     "99213,I10,95")
    path.write_text("\n".join(lines) + "\n")
    return path


def start(cli: Cli, *argv: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update({"MEDBILL_DB": cli.db.url, "MEDBILL_USER": "night-job"})
    return subprocess.Popen([sys.executable, "-m", "medbill_cli", *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_after(p: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL ``p`` after ``delay`` seconds; False if it had already finished."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        if p.poll() is not None:
            return False
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=60)
    return p.returncode == -signal.SIGKILL


def run_killed(cli: Cli, table: str, warmup: tuple[str, ...], argv: tuple[str, ...],
               adds: int) -> None:
    """Time ``warmup`` (a full run of the same size), then kill ``argv`` at fractions of that
    time; after each kill the table holds its count from before or after, never between."""
    t0 = time.monotonic()
    p = start(cli, *warmup)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err.decode()
    full = time.monotonic() - t0
    before = cli.db.count(table)
    for fraction in FRACTIONS:
        p = start(cli, *argv)
        if not kill_after(p, full * fraction):
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err.decode()
        count = cli.db.count(table)
        assert count in (before, before + adds), f"{count} rows: half an import is recorded"
        cli.ok("db", "check")
        if count == before + adds:
            break
    else:  # every run was killed: the import still works afterwards
        p = start(cli, *argv)
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert cli.db.count(table) == before + adds
    cli.ok("db", "check")


def test_patient_import_killed_is_all_or_nothing(practice: Cli, tmp_path: Path) -> None:
    first = patients_csv(tmp_path / "first.csv", prefix="F")
    csv = patients_csv(tmp_path / "patients.csv", prefix="K")
    run_killed(practice, "patient", ("patient", "import", str(first)),
               ("patient", "import", str(csv)), ROWS)


def test_charge_import_killed_is_all_or_nothing(coded: Cli, tmp_path: Path) -> None:
    r = coded.ok("patient", "import", str(patients_csv(tmp_path / "p.csv", 20)))
    accounts = r.stdout.split()
    assert len(accounts) == 20
    first = charges_csv(tmp_path / "first.csv", accounts, month=1)
    csv = charges_csv(tmp_path / "charges.csv", accounts, month=2)
    run_killed(coded, "charge", ("charge", "import", str(first)),
               ("charge", "import", str(csv)), ROWS)


# ------------------------------------------------------------------ era import, ack import

def _tool() -> Any:
    """tools/kill_imports.py: its data builders and its before/after state."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "tools" / "kill_imports.py"
    spec = importlib.util.spec_from_file_location("kill_imports", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ANSWERED = 150  # claims an 835 or a 277CA answers per run (a multiple of 30)


def run_killed_answers(cli: Cli, tmp_path: Path, command: str) -> None:
    """Time a full unkilled run, then kill runs answering other claims at fractions of that
    time: every table's count and every claim status's changes by nothing or by exactly what
    the full run changed; ``db check`` and ``ledger check`` pass; a killed run, run again,
    completes."""
    tool = _tool()
    tool.submitted_claims(cli.db.url, ANSWERED * (len(FRACTIONS) + 1))
    before = tool.state(cli.db.url)
    t0 = time.monotonic()
    p = start(cli, *tool.make_file(command, tmp_path, 0, ANSWERED))
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err.decode()
    full = time.monotonic() - t0
    adds = tool.delta(before, tool.state(cli.db.url))
    assert adds.get(f"claim:{'paid' if command == 'era' else 'accepted'}", 0) > 0, adds
    for run, fraction in enumerate(FRACTIONS, start=1):
        argv = tool.make_file(command, tmp_path, run, ANSWERED)
        before = tool.state(cli.db.url)
        p = start(cli, *argv)
        if not kill_after(p, full * fraction):
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err.decode()
        got = tool.delta(before, tool.state(cli.db.url))
        assert got in ({}, adds), f"half an import is recorded: {got} (a full run: {adds})"
        cli.ok("db", "check")
        cli.ok("ledger", "check")
        if not got:  # killed before the commit: the same file again imports it all
            p = start(cli, *argv)
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err.decode()
            assert tool.delta(before, tool.state(cli.db.url)) == adds
    cli.ok("db", "check")
    cli.ok("ledger", "check")


def test_era_import_killed_is_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    run_killed_answers(cli, tmp_path, "era")


def test_ack_import_killed_is_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    run_killed_answers(cli, tmp_path, "ack")
