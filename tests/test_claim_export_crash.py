"""Exactly once: a SIGKILL anywhere in ``claim export``, then a re-run, leaves every claim in
exactly one complete, recorded batch (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from claim_support import Svc, add_coverage, add_dependent_coverage, add_patient, add_visit
from conftest import Cli
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837, segments


def _day(cli: Cli, n: int = 6) -> None:
    for i in range(n):
        a = add_patient(cli, "John", f"Doe{chr(65 + i)}")
        (add_dependent_coverage if i % 3 == 0 else add_coverage)(
            cli, a, "ACME1" if i % 2 else "BCN02"
        )
        add_visit(cli, a, ["I10"], [Svc("99213", 12500), Svc("36415", 1500)])
    cli.ok("claim", "generate")
    cli.ok("claim", "scrub")


def _export(cli: Cli, out: Path, fault: str | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update({"MEDBILL_DB": cli.db.url, "MEDBILL_USER": "night-job"})
    if fault:
        env["MEDBILL_FAULT"] = fault
    return subprocess.Popen(
        [sys.executable, "-m", "medbill_cli", "claim", "export", "--format", "x12", "--output",
         str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _assert_exactly_once(cli: Cli, tmp_path: Path) -> None:
    claims = cli.db.count("claim")
    assert (
        cli.db.scalar(
            "SELECT count(*) FROM claim WHERE status = 'submitted' AND batch_id IS NOT NULL"
        )
        == claims
    )
    assert cli.db.scalar("SELECT sum(claim_count) FROM batch") == claims
    seen: list[str] = []
    eng = cli.db.engine()
    try:
        from sqlalchemy import text

        with eng.connect() as c:
            batches = c.execute(text("SELECT id, content FROM batch ORDER BY id")).all()
    finally:
        eng.dispose()
    for bid, content in batches:
        f = tmp_path / f"batch{bid}.x12"
        f.write_bytes(zlib.decompress(content))
        assert_valid_837(f, x12check_tool())
        seen += [s[1] for s in segments(f.read_text()) if s[0] == "CLM"]
    assert len(seen) == len(set(seen)) == claims


@pytest.mark.parametrize(
    "fault", ["export:mid-write", "export:before-rename", "export:after-rename"]
)
def test_claim_export_killed_then_rerun_exactly_once(
    practice: Cli, tmp_path: Path, fault: str
) -> None:
    _day(practice)
    out = tmp_path / "batch.x12"
    p = _export(practice, out, fault)
    p.communicate(timeout=120)
    assert p.returncode == -signal.SIGKILL
    assert practice.db.count("batch") == 0
    assert practice.db.scalar("SELECT count(*) FROM claim WHERE status = 'submitted'") == 0
    if fault != "export:after-rename":
        assert not out.exists()
    p = _export(practice, out)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err.decode()
    assert_valid_837(out, x12check_tool())
    _assert_exactly_once(practice, tmp_path)
    # The control number the killed run reserved is not used again.
    assert practice.db.scalar("SELECT isa_control FROM batch") == 2
    p = _export(practice, tmp_path / "again.x12")
    p.communicate(timeout=120)
    assert p.returncode == 0 and not (tmp_path / "again.x12").exists()


@pytest.mark.parametrize("delay", [0.6, 1.2, 2.0])
def test_claim_export_sigkill_at_any_time(practice: Cli, tmp_path: Path, delay: float) -> None:
    _day(practice)
    out = tmp_path / "batch.x12"
    p = _export(practice, out)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=120)
    submitted = practice.db.scalar("SELECT count(*) FROM claim WHERE status = 'submitted'")
    assert submitted in (0, practice.db.count("claim"))
    if submitted:
        assert out.exists()
    p = _export(practice, out)
    p.communicate(timeout=120)
    assert p.returncode == 0
    _assert_exactly_once(practice, tmp_path)


def _run(cli: Cli, *args: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update({"MEDBILL_DB": cli.db.url, "MEDBILL_USER": "biller", "MEDBILL_DEBUG": "1"})
    return subprocess.Popen([sys.executable, "-m", "medbill_cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_claim_generate_and_export_concurrently_exactly_once(practice: Cli, tmp_path: Path) -> None:
    for i in range(6):
        a = add_patient(practice, "John", f"Doe{chr(65 + i)}")
        add_coverage(practice, a)
        add_visit(practice, a, ["I10"], [Svc("99213", 12500), Svc("36415", 1500)])
    procs = [_run(practice, "claim", "generate") for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert practice.db.scalar("SELECT count(*) FROM claim_line") == 12
    assert practice.db.scalar("SELECT count(DISTINCT charge_id) FROM claim_line") == 12
    practice.ok("claim", "scrub")
    procs = [
        _run(practice, "claim", "export", "--output", str(tmp_path / f"b{i}.x12")) for i in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    _assert_exactly_once(practice, tmp_path)
