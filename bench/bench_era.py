"""ERA benchmark (issue: remittances).

Target, on this machine: `era import` of an 835 paying 10,000 claims (30,000 service lines,
some denied lines and denied claims) posts with its ledger entries in at most 10 s as a cold
process (the issue's target; the CPU seconds are printed too, the code's share when the machine
is shared).
The claims are written by `claim generate` over a practice day written straight into the
database (not timed); the 835 is built from those claims.
Run: python bench/bench_era.py [--claims N] [--check]
  --check  validate the 835 with ../shared/tools/x12check first
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _util import PY, medbill, report, scratch_db
from bench_claims import populate

HERE = Path(__file__).resolve().parent


def build_835(env: dict[str, str]) -> str:
    from sqlmodel import Session, col, select

    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.models import Charge, Claim, ClaimLine

    eng = make_engine(env["MEDBILL_DB"])
    lines: dict[int, list[Charge]] = {}
    with Session(eng) as s:
        claims = list(s.exec(select(Claim).order_by(col(Claim.id))))
        for cl_line, ch in s.exec(
            select(ClaimLine, Charge)
            .join(Charge, col(Charge.id) == ClaimLine.charge_id)
            .order_by(col(ClaimLine.claim_id), col(ClaimLine.line_number))
        ):
            lines.setdefault(cl_line.claim_id, []).append(ch)
    eng.dispose()

    def amt(c: int) -> str:
        return f"{c // 100}.{c % 100:02d}"

    body: list[str] = []
    total = 0
    for i, cl in enumerate(claims):
        chs = lines[cl.id]  # type: ignore[index]
        denied = i % 50 == 0
        svc: list[str] = []
        paid_c = pr_c = 0
        for j, ch in enumerate(chs):
            a = ch.amount_cents
            svc += [
                f"SVC*HC:{ch.code}*{amt(a)}*{{paid}}**1",
                f"DTM*472*{ch.date_of_service:%Y%m%d}",
            ]
            if denied or (j == 2 and i % 10 == 0):
                svc[-2] = svc[-2].format(paid="0")
                svc += [f"CAS*CO*{'50' if denied else '16'}*{amt(a)}", "LQ*HE*N115"]
            elif j == 0:
                paid = a - a // 5 - 500
                svc[-2] = svc[-2].format(paid=amt(paid))
                svc += [f"CAS*CO*45*{amt(500)}", f"CAS*PR*2*{amt(a // 5)}"]
                paid_c += paid
                pr_c += a // 5
            else:
                svc[-2] = svc[-2].format(paid=amt(a))
                paid_c += a
        total += paid_c
        body.append(
            f"CLP*{cl.pcn}*{'4' if denied else '1'}*{amt(cl.total_cents)}*{amt(paid_c)}"
            f"*{amt(pr_c)}*12*P{i:09d}*11*1"
        )
        body.append(f"NM1*QC*1*LAST*FIRST****MI*M{i:08d}")
        body += svc
    head = [f"BPR*I*{amt(total)}*C*CHK************20240105", "TRN*1*BENCH0001*1512345678",
            "DTM*405*20240104", "N1*PR*ACME HEALTH", "N3*1 PAYER WAY", "N4*HARTFORD*CT*06101",
            "PER*BL*EDI*TE*8005551212", "N1*PE*BENCH FAMILY MEDICINE*XX*1234567893", "LX*1"]
    st = [*head, *body]
    segs = [
        "ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*BENCH          "
        "*240105*1200*^*00501*000000001*0*P*:",
        "GS*HP*ACMEPAYER*BENCH*20240105*1200*1*X*005010X221A1",
        "ST*835*0001",
        *st,
        f"SE*{len(st) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(segs) + "~\n"


def _mark_submitted(env: dict[str, str]) -> None:
    """An 835 answers sent claims: mark the drafts submitted (scrub and export not timed)."""
    from sqlalchemy import text

    from medbill_cli.db.engine import make_engine

    eng = make_engine(env["MEDBILL_DB"])
    with eng.begin() as c:
        c.execute(text("UPDATE claim SET status = 'submitted', submitted_at = CURRENT_TIMESTAMP"))
    eng.dispose()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=10_000)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    d, env = scratch_db()
    populate(env, args.claims)
    medbill(["claim", "generate"], env)
    _mark_submitted(env)
    path = Path(tempfile.mkdtemp(prefix="medbill-era-")) / "bench.835"
    path.write_text(build_835(env))
    if args.check:
        tool = HERE.parent.parent / "shared" / "tools" / "x12check"
        import subprocess

        r = subprocess.run([PY, str(tool), str(path)], capture_output=True, text=True)
        print(r.stdout[-2000:], r.stderr[-500:])
    import resource

    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = medbill(["era", "import", str(path)], env, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if r.returncode != 0:
        print(r.stderr[-2000:])
        return 1
    print(r.stderr.strip().splitlines()[0])
    ok = report(f"era import of {args.claims} claims", wall, 10.0 * args.claims / 10_000)
    print(f"      CPU (user + sys): {cpu:.2f} s")
    t = time.perf_counter()
    r = medbill(["ar", "aging", "--format", "json"], env)
    print(f"      ar aging afterwards: {time.perf_counter() - t:.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
