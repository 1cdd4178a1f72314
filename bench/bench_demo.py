"""Demo benchmark (issue #18): ``medbill demo`` with the default 30 days, as a user runs it.

Target, on this machine: under 60 s on SQLite (a fresh database: schema, code sets, the
practice, 300 patients and 22 business days of visits, claims and payer answers). With --pg,
the same on a PostgreSQL database (its tables are dropped first).
Run: python bench/bench_demo.py [--days 30] [--pg URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _util import medbill, report

END = "2026-11-30"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--pg", help="a PostgreSQL URL whose tables are dropped first")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="medbill-bench-demo-"))
    if args.pg:
        from sqlalchemy import MetaData, create_engine, text

        eng = create_engine(args.pg)
        meta = MetaData()
        meta.reflect(eng)
        meta.drop_all(eng)
        with eng.begin() as c:
            c.execute(text("DROP TABLE IF EXISTS alembic_version"))
        eng.dispose()
        url = args.pg
    else:
        url = str(work / "demo.db")
    env = {"MEDBILL_DB": url, "MEDBILL_USER": "bench"}
    t = time.perf_counter()
    medbill(["demo", "--days", str(args.days), "--end", END, "--out", str(work / "files")], env)
    took = time.perf_counter() - t
    check = medbill(["ledger", "check"], env, check=False)
    ok = report(f"demo --days {args.days} ({'PostgreSQL' if args.pg else 'SQLite'})", took, 60.0)
    if check.returncode != 0:
        print("FAIL  ledger check after the demo:", check.stdout, check.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
