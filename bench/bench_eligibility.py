"""Eligibility benchmark (issue: eligibility 270/271).

Targets, on this machine, each as a cold process: `eligibility request --date tomorrow` writes the
270 for a 200-patient day in under 2 s, and `eligibility import` of the payer's 271 for that day
(every answer with a plan, copay, coinsurance, deductible and out-of-pocket; one in twenty
rejected) stores it in under 2 s. The day is written straight into the database (not timed).
Run: python bench/bench_eligibility.py [--patients N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

from _util import medbill, report, scratch_db


def populate(env: dict[str, str], n: int, day: dt.date) -> None:
    from sqlmodel import Session

    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.models.charges import Encounter
    from medbill_cli.db.models.registration import Coverage, Patient

    medbill(["practice", "set", "--name", "Bench Family Medicine", "--npi", "1234567893",
             "--tin", "12-3456789", "--address", "100 Main St", "--city", "Albany", "--state",
             "NY", "--zip", "12207-1234", "--submitter-id", "BENCHSUB", "--receiver-id",
             "CLEARHOUSE"], env)
    medbill(["payer", "add", "--name", "Acme Health", "--payer-id", "ACME1"], env)
    medbill(["payer", "add", "--name", "Beacon Medicare", "--payer-id", "BCN02"], env)
    eng = make_engine(env["MEDBILL_DB"])
    with Session(eng) as s:
        pats = [Patient(account=f"B{i:06d}", first_name=f"First{i}", last_name=f"Last{i}",
                        dob=dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), sex="MF"[i % 2])
                for i in range(n)]
        s.add_all(pats)
        s.flush()
        s.add_all([Coverage(patient_id=p.id, payer_id=1 + i % 2, member_id=f"M{i:08d}",
                            relationship="self" if i % 4 else "child",
                            subscriber_first_name=None if i % 4 else "Parent",
                            subscriber_last_name=None if i % 4 else p.last_name,
                            subscriber_dob=None if i % 4 else dt.date(1960, 1, 1),
                            subscriber_sex=None if i % 4 else "F") for i, p in enumerate(pats)])
        s.add_all([Encounter(patient_id=p.id, date_of_service=day, source="form") for p in pats])
        s.commit()
    eng.dispose()


def build_271(requests: list[dict[str, str]], day: dt.date) -> str:
    """The payer's answer for every request of the 270 (one 2000A per payer, as sent)."""
    body: list[str] = []
    hl = 0
    by_payer: dict[str, list[dict[str, str]]] = {}
    for r in requests:
        by_payer.setdefault(r["payer_id"], []).append(r)
    for payer, rows in by_payer.items():
        hl += 1
        src = hl
        body += [f"HL*{src}**20*1", f"NM1*PR*2*{payer} HEALTH*****PI*{payer}"]
        hl += 1
        rcv = hl
        body += [f"HL*{rcv}*{src}*21*1", "NM1*1P*2*BENCH FAMILY MEDICINE*****XX*1234567893"]
        for i, r in enumerate(rows):
            n = int(r["account"][1:])
            hl += 1
            body += [f"HL*{hl}*{rcv}*22*0", f"TRN*2*{r['trace']}*1123456789",
                     f"NM1*IL*1*LAST{n}*FIRST{n}****MI*{r['member_id']}"]
            if i % 20 == 7:
                body += ["AAA*N**72*C"]
                continue
            body += [f"DMG*D8*{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}",
                     f"DTP*346*D8*{day.year}0101", f"DTP*347*D8*{day.year}1231",
                     "EB*1*IND*30*C1*BENCH PPO", "EB*B*IND*98*C1**27*25*****Y",
                     "EB*B*IND*98*C1**27*60*****N", "EB*A*IND*98*C1****.2****Y",
                     "EB*C*IND*30*C1**23*1500*****Y", "EB*C*IND*30*C1**29*400*****Y",
                     "EB*C*FAM*30*C1**23*3000*****Y", "EB*G*IND*30*C1**23*6000*****Y",
                     "EB*G*IND*30*C1**29*5200*****Y"]
    st = ["ST*271*0001*005010X279A1", "BHT*0022*11*B1*20261202*0800", *body]
    st.append(f"SE*{len(st) + 1}*0001")
    segs = ["ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*BENCHSUB       *261202*0800*^*"
            "00501*000000901*0*P*:", "GS*HB*CLEARHOUSE*BENCHSUB*20261202*0800*901*X*005010X279A1",
            *st, "GE*1*901", "IEA*1*000000901"]
    return "~\n".join(segs) + "~\n"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of one cold run (and its CPU seconds, printed: on a loaded machine the wall
    time is mostly waiting for a core)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = medbill(args, env, check=False)
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"  medbill {args[0]} {args[1]}: wall {took:.3f} s, cpu {cpu:.3f} s")
    if r.returncode not in (0, 1):
        sys.exit(f"medbill {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return took, r.stdout


def main() -> int:
    import json

    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=200)
    a = ap.parse_args()
    d, env = scratch_db()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    populate(env, a.patients, tomorrow)
    out = Path(d) / "day.270"
    t270, stdout = timed(["eligibility", "request", "--date", "tomorrow", "--output", str(out),
                          "--format", "json"], env)
    requests = json.loads(stdout)
    assert len(requests) == a.patients, len(requests)
    answer = Path(d) / "day.271"
    answer.write_text(build_271(requests, tomorrow))
    t271, stdout = timed(["eligibility", "import", str(answer), "--format", "json"], env)
    answers = json.loads(stdout)
    assert len(answers) == a.patients and all(x["matched_by"] == "trace" for x in answers)
    sizes = f"270 {out.stat().st_size} bytes, 271 {answer.stat().st_size} bytes"
    print(f"{a.patients} patients; {sizes}")
    ok = report(f"eligibility request, {a.patients}-patient day", t270, 2.0)
    ok &= report(f"eligibility import, {a.patients} answers", t271, 2.0)
    shutil.rmtree(d, ignore_errors=True)  # the scratch database holds made-up patients only
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
