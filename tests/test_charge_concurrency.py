"""Two (four) billers at once: concurrent processes entering charges lose nothing, keep ids unique
and never show "database is locked", on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from charge_support import charging  # noqa: F401
from conftest import Cli

WORKERS = 4
PER_WORKER = 250

# One process = one biller typing charges: each charge is its own `medbill charge add` command
# (own engine, own transaction), run in a loop inside the process to keep the test quick.
WORKER = textwrap.dedent("""
    import io, json, sys
    from medbill_cli.cli.app import app
    n, worker = int(sys.argv[1]), int(sys.argv[2])
    codes = ["99213", "99214", "36415"]
    fails, locked = [], 0
    real_err = sys.stderr
    for i in range(n):
        buf = io.StringIO()
        sys.stderr = buf
        try:
            # Without standalone mode a refused command returns its exit code instead of exiting.
            args = ["charge", "add", "--patient", "P000001", "--date", "today",
                    "--code", codes[i % 3], "--dx", "I10", "--dx", "E11.9"]
            code = app(args, prog_name="medbill", standalone_mode=False) or 0
        except SystemExit as exc:
            code = exc.code or 0
        except BaseException as exc:
            code = repr(exc)
        finally:
            sys.stderr = real_err
        err = buf.getvalue()
        if "locked" in err.lower():
            locked += 1
        if code != 0:
            fails.append((i, code, err[-300:]))
    real_err.write(json.dumps({"worker": worker, "fails": fails, "locked": locked}) + "\\n")
""")


def _env(cli: Cli) -> dict[str, str]:
    return {**os.environ, "MEDBILL_DB": cli.db.url, "MEDBILL_USER": "biller"}


def test_charge_add_four_processes_at_once(charging: Cli) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(PER_WORKER), str(w)],
            env=_env(charging),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, err[-2000:]
        assert "database is locked" not in out + err
        reports.append(json.loads(err.strip().splitlines()[-1]))
    for r in reports:
        assert r["fails"] == [] and r["locked"] == 0, r
    n = WORKERS * PER_WORKER
    assert charging.db.count("charge") == n
    assert charging.db.scalar("SELECT count(DISTINCT id) FROM charge") == n
    assert (
        charging.db.count("encounter") == 1
    )  # every biller found the one visit, none opened a second
    assert charging.db.count("encounter_diagnosis") == 2
    assert charging.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'charge'") == n
    charging.ok("audit", "verify")


def test_charge_import_four_processes_at_once(charging: Cli, tmp_path: Path) -> None:
    files = []
    for w in range(WORKERS):
        f = tmp_path / f"w{w}.csv"
        rows = [
            f"P00000{1 + (i % 2)},2024-0{1 + w}-1{i % 9},"
            f"{('99213', '99214', '36415')[i % 3]},I10 E11.9"
            for i in range(PER_WORKER)
        ]
        f.write_text("patient,date,code,dx\n" + "\n".join(rows) + "\n")
        files.append(f)
    procs = [
        subprocess.Popen([sys.executable, "-m", "medbill_cli", "charge", "import", str(f)],
                         env=_env(charging), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for f in files
    ]
    ids: list[int] = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
        assert "locked" not in err.lower()
        ids += [int(x) for x in out.split()]
    assert len(ids) == len(set(ids)) == WORKERS * PER_WORKER
    assert charging.db.count("charge") == WORKERS * PER_WORKER
    charging.ok("audit", "verify")
