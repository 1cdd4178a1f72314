"""CMS-1500 benchmark (issue: paper claims).

Target, on this machine: `claim print` of 1,000 claims (one CMS-1500 page each) in at most
20 s, as a cold process. The claims are generated and exported as one batch first (not timed),
then printed twice: the data alone (the default) and with the form drawn (`--form full`).
Run: python bench/bench_cms1500.py [--claims N]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from _util import medbill, report, scratch_db
from bench_claims import populate, timed

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=1_000)
    a = ap.parse_args()
    d, env = scratch_db()
    populate(env, a.claims)
    medbill(["claim", "generate"], env)
    medbill(["claim", "scrub"], env, check=False)
    medbill(["claim", "export", "--format", "x12", "--output", str(d / "batch.x12")], env)
    ok = True
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(2)
    for form in ("data", "full"):
        out = d / f"claims-{form}.pdf"
        os.dup2(devnull, 2)  # the command's one-line summary
        try:
            wall, rss, cp = timed(["claim", "print", "--batch", "1", "--output", str(out),
                                   "--form", form], env)
        finally:
            os.dup2(saved, 2)
        size = out.stat().st_size if out.exists() else 0
        print(f"      --form {form}: exit {cp.returncode}, peak {rss:.0f} MB, "
              f"{size / 1e6:.1f} MB PDF")
        ok &= cp.returncode == 0
        ok &= report(f"claim print --form {form} of {a.claims:,} CMS-1500s", wall, 20.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    os.chdir(HERE)
    sys.exit(main())
