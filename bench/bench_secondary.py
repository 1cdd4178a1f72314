"""Secondary-claim benchmark (issue #13: coordination of benefits).

Target, on this machine: `claim generate`, `claim scrub` and `claim export --format x12` of
10,000 secondary claims (30,000 lines, each with its 2430 from the primary's 835) in under
15 s together on SQLite, each under 400 MB peak memory (RSS), so memory stays flat.
Not timed: the practice day (bench_claims.populate) with a secondary coverage per patient, the
primary claims (generate, marked submitted), and the primary's 835 paying every claim with a
patient share on two lines, posted with `era import` (the ledger moves it to the secondary).
Run: python bench/bench_secondary.py [--claims N] [--check]
  --check  validate the exported file with ../shared/tools/x12check
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _util import PY, medbill, report, scratch_db
from bench_claims import pipeline, populate
from bench_era import _mark_submitted

HERE = Path(__file__).resolve().parent


def add_secondaries(env: dict[str, str]) -> None:
    """A third payer, and a secondary coverage with it for every patient."""
    from sqlmodel import Session, select

    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.models import Coverage, Patient

    medbill(["payer", "add", "--name", "Second Health", "--payer-id", "SECND"], env)
    eng = make_engine(env["MEDBILL_DB"])
    with Session(eng) as s:
        ids = list(s.exec(select(Patient.id).order_by(Patient.id)))
        s.add_all([Coverage(patient_id=pid, payer_id=3, member_id=f"S{pid:08d}",
                            priority="secondary", relationship="self") for pid in ids])
        s.commit()
    eng.dispose()


def build_835(env: dict[str, str]) -> str:
    """The primary pays every claim: line 1 with CO-45 and PR-2, line 2 with PR-1, line 3 in
    full (REF*6R echoes each line)."""
    from sqlmodel import Session, col, select

    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.models import Charge, Claim, ClaimLine

    eng = make_engine(env["MEDBILL_DB"])
    lines: dict[int, list[tuple[ClaimLine, Charge]]] = {}
    with Session(eng) as s:
        claims = list(s.exec(select(Claim).order_by(col(Claim.id))))
        for cl_line, ch in s.exec(
            select(ClaimLine, Charge).join(Charge, col(Charge.id) == ClaimLine.charge_id)
            .order_by(col(ClaimLine.claim_id), col(ClaimLine.line_number))):
            lines.setdefault(cl_line.claim_id, []).append((cl_line, ch))
    eng.dispose()

    def amt(c: int) -> str:
        return f"{c // 100}.{c % 100:02d}"

    body: list[str] = []
    total = 0
    for i, cl in enumerate(claims):
        svc: list[str] = []
        paid_c = pr_c = 0
        for j, (cl_line, ch) in enumerate(lines[cl.id]):  # type: ignore[index]
            a = ch.amount_cents
            co, pr = (500, a // 5) if j == 0 else ((0, a // 10) if j == 1 else (0, 0))
            paid = a - co - pr
            svc += [f"SVC*HC:{ch.code}*{amt(a)}*{amt(paid)}**1",
                    f"DTM*472*{ch.date_of_service:%Y%m%d}"]
            if co:
                svc.append(f"CAS*CO*45*{amt(co)}")
            if pr:
                svc.append(f"CAS*PR*{2 if j == 0 else 1}*{amt(pr)}")
            svc.append(f"REF*6R*{cl_line.id}")
            paid_c += paid
            pr_c += pr
        total += paid_c
        body.append(f"CLP*{cl.pcn}*1*{amt(cl.total_cents)}*{amt(paid_c)}*{amt(pr_c)}*12"
                    f"*P{i:09d}*11*1")
        body.append(f"NM1*QC*1*LAST*FIRST****MI*M{i:08d}")
        body += svc
    head = [f"BPR*I*{amt(total)}*C*CHK************20240105", "TRN*1*BENCHSEC1*1512345678",
            "DTM*405*20240104", "N1*PR*ACME HEALTH", "N3*1 PAYER WAY", "N4*HARTFORD*CT*06101",
            "PER*BL*EDI*TE*8005551212", "N1*PE*BENCH FAMILY MEDICINE*XX*1234567893", "LX*1"]
    st = [*head, *body]
    segs = ["ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*BENCH          "
            "*240105*1200*^*00501*000000001*0*P*:",
            "GS*HP*ACMEPAYER*BENCH*20240105*1200*1*X*005010X221A1", "ST*835*0001", *st,
            f"SE*{len(st) + 2}*0001", "GE*1*1", "IEA*1*000000001"]
    return "~\n".join(segs) + "~\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=10_000)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    d, env = scratch_db()
    populate(env, a.claims)
    add_secondaries(env)
    medbill(["claim", "generate"], env)
    _mark_submitted(env)
    era = Path(tempfile.mkdtemp(prefix="medbill-sec-")) / "primary.835"
    era.write_text(build_835(env))
    r = medbill(["era", "import", str(era)], env, check=False)
    if r.returncode != 0:
        print(r.stderr[-2000:])
        return 1
    out = d / "secondary.x12"
    ok, total = pipeline(env, out, "claim generate (secondaries)")
    made = medbill(["claim", "list", "--payer-sequence", "secondary", "--status", "submitted",
                    "--format", "csv"], env).stdout.count("\n") - 1
    print(f"      secondary claims exported: {made:,}")
    ok &= made == a.claims
    ok &= report(f"generate + scrub + export of {a.claims:,} secondary claims "
                 f"({a.claims * 3:,} lines)", total, 15.0 * a.claims / 10_000)
    size = out.stat().st_size if out.exists() else 0
    print(f"      837P file: {size / 1e6:.1f} MB")
    if a.check:
        tool = HERE.parent.parent / "shared" / "tools" / "x12check"
        r2 = subprocess.run([PY, str(tool), str(out)], capture_output=True, text=True)
        print(f"      x12check: exit {r2.returncode} {r2.stdout[:500]}")
        ok &= r2.returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
