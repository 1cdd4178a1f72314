"""SIGKILL ``patient import`` at random points, many times; the database must always hold the
rows from before the command or from after it, and pass ``medbill db check``.

Usage: python tools/kill_imports.py [--runs 50] [--rows 300] [--db URL]
Without --db a new SQLite file is made in a temporary folder; a PostgreSQL URL must name an
empty database made with ``medbill init --no-codes``. Exit status 1 on the first violation.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from medbill_cli.db.engine import make_engine


def medbill(db: str, *argv: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update({"MEDBILL_DB": db, "MEDBILL_USER": "kill-test"})
    return subprocess.Popen([sys.executable, "-m", "medbill_cli", *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def count(db: str) -> int:
    eng = make_engine(db)
    try:
        with eng.connect() as c:
            return int(c.execute(text("SELECT count(*) FROM patient")).scalar_one())
    finally:
        eng.dispose()


def write_csv(path: Path, rows: int, tag: int) -> None:
    lines = ["first_name,last_name,dob,sex"]
    for i in range(rows):
        a, b = divmod(i, 26)
        t1, t2 = divmod(tag, 26)
        lines.append(f"Pat{chr(65 + a % 26)}{chr(65 + b)},Run{chr(65 + t1 % 26)}{chr(65 + t2)}oe,"
                     "1970-01-01,F")
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--db")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="medbill-kill-"))
    db = args.db or str(work / "kill.db")
    if not args.db:
        p = medbill(db, "init", "--no-codes")
        p.communicate()
    write_csv(work / "warm.csv", args.rows, 0)
    t0 = time.monotonic()
    p = medbill(db, "patient", "import", str(work / "warm.csv"))
    p.communicate()
    full = time.monotonic() - t0
    killed = 0
    for run in range(1, args.runs + 1):
        before = count(db)
        csv = work / f"run{run}.csv"
        write_csv(csv, args.rows, run)
        p = medbill(db, "patient", "import", str(csv))
        time.sleep(random.uniform(0, full))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.communicate()
        after = count(db)
        if after not in (before, before + args.rows):
            sys.stderr.write(f"run {run}: {after - before} of {args.rows} rows recorded\n")
            return 1
        check = medbill(db, "db", "check")
        _, err = check.communicate()
        if check.returncode != 0:
            sys.stderr.write(f"run {run}: db check failed: {err.decode()}\n")
            return 1
    sys.stderr.write(f"{args.runs} runs, {killed} killed, all or nothing every time.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
