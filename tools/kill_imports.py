"""SIGKILL an import at random points, many times; the database must always hold what it held
before the command or what a full run adds, never between, pass ``medbill db check`` and
``medbill ledger check``, and a run after a kill must complete.

Usage: python tools/kill_imports.py [--command patient|era|ack] [--runs 50] [--rows 300]
                                    [--db URL]
  patient  ``patient import`` of a CSV of --rows new patients per run;
  era      ``era import`` of an 835 paying --rows submitted claims per run (new claims each run);
  ack      ``ack import`` of a 277CA answering --rows submitted claims per run (every 30th
           rejected, the others accepted with the payer's claim number).
Without --db a new SQLite file is made in a temporary folder; a PostgreSQL URL must name an
empty database made with ``medbill init --no-codes``. Exit status 1 on the first violation.

"What a full run adds" is measured, not assumed: a first, unkilled run of the same shape gives
each table's row count change and each claim status's; every later run must change nothing or
exactly that. ``tests/test_hostile_kill.py`` uses the builders here for its few kills.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import text

from medbill_cli.db.engine import make_engine

PRACTICE = ["practice", "set", "--name", "Kill Test Medicine", "--npi", "1234567893", "--tin",
            "12-3456789", "--address", "100 Main St", "--city", "Albany", "--state", "NY",
            "--zip", "12207-1234", "--phone", "518-555-0100", "--submitter-id", "KILLSUB",
            "--receiver-id", "CLEARHOUSE"]


def medbill(db: str, *argv: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update({"MEDBILL_DB": db, "MEDBILL_USER": "kill-test"})
    return subprocess.Popen([sys.executable, "-m", "medbill_cli", *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_ok(db: str, *argv: str) -> None:
    p = medbill(db, *argv)
    _, err = p.communicate(timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"medbill {' '.join(argv)} failed: {err.decode()}")


# --------------------------------------------------------------------------- the state

def state(db: str) -> Counter[str]:
    """Every table's row count and every claim status's count."""
    from medbill_cli.db import tables as t

    eng = make_engine(db)
    out: Counter[str] = Counter()
    try:
        with eng.connect() as c:
            for name in sorted(t.load_all().tables):
                out[name] = int(c.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
            for status, n in c.execute(text("SELECT status, count(*) FROM claim GROUP BY status")):
                out[f"claim:{status}"] = int(n)
    finally:
        eng.dispose()
    return out


def delta(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in set(before) | set(after) if after[k] != before[k]}


# --------------------------------------------------------------------------- the data

def patients_csv(path: Path, rows: int, tag: int) -> Path:
    lines = ["first_name,last_name,dob,sex"]
    for i in range(rows):
        a, b = divmod(i, 26)
        t1, t2 = divmod(tag, 26)
        lines.append(f"Pat{chr(65 + a % 26)}{chr(65 + b)},Run{chr(65 + t1 % 26)}{chr(65 + t2)}oe,"
                     "1970-01-01,F")
    path.write_text("\n".join(lines) + "\n")
    return path


def submitted_claims(db: str, n: int) -> None:
    """The practice, a provider, a payer and ``n`` patients with one 99213 visit each, on the
    ledger as charge entry posts them; ``claim generate`` bills them; all marked submitted
    (an 835 or a 277CA answers sent claims). Claim i (1-based) is C0000000i, 125.00 + i cents."""
    from sqlmodel import Session

    from medbill_cli.db.models import Charge, Coverage, Encounter, EncounterDiagnosis, Patient
    from medbill_cli.services import ledger

    run_ok(db, *PRACTICE)
    run_ok(db, "provider", "add", "--npi", "1987654328", "--first-name", "Ana", "--last-name",
           "Ruiz")
    run_ok(db, "payer", "add", "--name", "Acme Health", "--payer-id", "ACME1")
    eng = make_engine(db)
    dos = dt.date.today() - dt.timedelta(days=10)
    try:
        with Session(eng) as s:
            pats = [Patient(account=f"K{i:06d}", first_name=f"First{i}", last_name=f"Last{i}",
                            dob=dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), sex="MF"[i % 2],
                            address=f"{i} Main St", city="Albany", state="NY", zip="12207")
                    for i in range(1, n + 1)]
            s.add_all(pats)
            s.flush()
            s.add_all([Coverage(patient_id=p.id, payer_id=1, member_id=f"M{i:08d}")
                       for i, p in enumerate(pats, start=1)])
            encs = [Encounter(patient_id=p.id, date_of_service=dos, provider_id=1,
                              source="charge") for p in pats]
            s.add_all(encs)
            s.flush()
            s.add_all([EncounterDiagnosis(encounter_id=e.id, seq=1, code="I10") for e in encs])
            charges = [Charge(encounter_id=e.id, patient_id=e.patient_id, date_of_service=dos,
                              code="99213", units=1, fee_cents=12500 + i,
                              amount_cents=12500 + i, dx_pointers="1", provider_id=1)
                       for i, e in enumerate(encs, start=1)]
            s.add_all(charges)
            s.flush()
            ledger.post_charges(session=s, user="kill-test", charges=charges)
            s.commit()
    finally:
        eng.dispose()
    run_ok(db, "claim", "generate")
    eng = make_engine(db)
    try:
        with eng.begin() as c:
            c.execute(text("UPDATE claim SET status = 'submitted', "
                           "submitted_at = CURRENT_TIMESTAMP"))
    finally:
        eng.dispose()


def _amt(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def era_835(first: int, n: int, tag: int) -> str:
    """An 835 paying claims ``first`` .. ``first + n - 1``: 80% paid, 20% patient
    responsibility, every tenth denied (CO-50)."""
    body: list[str] = []
    total = 0
    dos = (dt.date.today() - dt.timedelta(days=10)).strftime("%Y%m%d")
    for i in range(first, first + n):
        charge = 12500 + i
        denied = i % 10 == 0
        pr = 0 if denied else charge // 5
        paid = 0 if denied else charge - pr
        total += paid
        body += [f"CLP*C{i:08d}*{'4' if denied else '1'}*{_amt(charge)}*{_amt(paid)}*{_amt(pr)}"
                 f"*12*P{tag:04d}{i:08d}*11*1",
                 f"NM1*QC*1*LAST{i}*FIRST{i}****MI*M{i:08d}",
                 f"SVC*HC:99213*{_amt(charge)}*{_amt(paid)}**1", f"DTM*472*{dos}"]
        body.append(f"CAS*CO*50*{_amt(charge)}" if denied else f"CAS*PR*2*{_amt(pr)}")
    head = [f"BPR*I*{_amt(total)}*C*CHK************20260105", f"TRN*1*KILL{tag:06d}*1512345678",
            "DTM*405*20260104", "N1*PR*ACME HEALTH", "N3*1 PAYER WAY", "N4*HARTFORD*CT*06101",
            "PER*BL*EDI*TE*8005551212", "N1*PE*KILL TEST MEDICINE*XX*1234567893", "LX*1"]
    st = [*head, *body]
    ctl = f"{tag:09d}"
    segs = ["ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*KILLSUB        *260105*1200*^*"
            f"00501*{ctl}*0*P*:", f"GS*HP*ACMEPAYER*KILLSUB*20260105*1200*{tag}*X*005010X221A1",
            "ST*835*0001", *st, f"SE*{len(st) + 2}*0001", f"GE*1*{tag}", f"IEA*1*{ctl}"]
    return "~\n".join(segs) + "~\n"


def ack_277ca(first: int, n: int, tag: int) -> str:
    """A clearinghouse 277CA answering claims ``first`` .. ``first + n - 1``: every 30th
    rejected (A7), the others accepted (A2) with a payer claim number."""
    body = ["BHT*0085*08*R1*20260105*1200*TH", "HL*1**20*1",
            "NM1*AY*2*ACME CLEARINGHOUSE*****46*CLEARHOUSE", f"TRN*1*T{tag}",
            "DTP*050*D8*20260105", "DTP*009*D8*20260105", "HL*2*1*21*1",
            "NM1*41*2*KILL TEST*****46*KILLSUB", "TRN*2*1", "STC*A1:19:PR*20260105*WQ*1",
            "HL*3*2*19*1", "NM1*85*2*KILL TEST*****XX*1234567893", "TRN*1*P1",
            "STC*A1:19:PR**WQ*1"]
    dos = (dt.date.today() - dt.timedelta(days=10)).strftime("%Y%m%d")
    for k, i in enumerate(range(first, first + n)):
        rejected = i % 30 == 0
        body += [f"HL*{k + 4}*3*PT", f"NM1*QC*1*LAST{i}*FIRST{i}****MI*M{i:08d}",
                 f"TRN*2*C{i:08d}",
                 f"STC*{'A7:164:IL' if rejected else 'A2:20:PR'}*20260105*"
                 f"{'U' if rejected else 'WQ'}*{_amt(12500 + i)}"]
        if not rejected:
            body.append(f"REF*1K*ICN{tag:04d}{i:08d}")
        body.append(f"DTP*472*D8*{dos}")
    ctl = f"{tag:09d}"
    segs = ["ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*KILLSUB        *260105*1200*^*"
            f"00501*{ctl}*0*P*:", f"GS*HN*CLEARHOUSE*KILLSUB*20260105*1200*{tag}*X*005010X214",
            f"ST*277*{tag:04d}*005010X214", *body, f"SE*{len(body) + 2}*{tag:04d}", f"GE*1*{tag}",
            f"IEA*1*{ctl}"]
    return "~\n".join(segs) + "~\n"


def make_file(command: str, work: Path, run: int, rows: int) -> tuple[str, ...]:
    """The command line of run ``run`` (0 is the unkilled first run)."""
    if command == "patient":
        return ("patient", "import", str(patients_csv(work / f"run{run}.csv", rows, run)))
    first = 1 + run * rows
    if command == "era":
        path = work / f"run{run}.835"
        path.write_text(era_835(first, rows, run + 1))
        return ("era", "import", str(path))
    path = work / f"run{run}.277"
    path.write_text(ack_277ca(first, rows, run + 1))
    return ("ack", "import", str(path))


def checks(db: str) -> str | None:
    """The first failing of ``db check`` and ``ledger check``, or None."""
    for argv in (("db", "check"), ("ledger", "check")):
        p = medbill(db, *argv)
        _, err = p.communicate(timeout=600)
        if p.returncode != 0:
            return f"{' '.join(argv)} failed: {err.decode().strip()}"
    return None


# --------------------------------------------------------------------------- the runs

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--command", choices=("patient", "era", "ack"), default="patient")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--db")
    args = ap.parse_args()
    if args.command != "patient" and args.rows % 30:
        ap.error("--rows must be a multiple of 30 for era and ack (every run the same shape)")
    work = Path(tempfile.mkdtemp(prefix="medbill-kill-"))
    db = args.db or str(work / "kill.db")
    if not args.db:
        run_ok(db, "init", "--no-codes")
    if args.command != "patient":
        # Each run answers claims of its own; killed runs are run again, so at most twice.
        submitted_claims(db, args.rows * (args.runs + 1))
    argv = make_file(args.command, work, 0, args.rows)
    before = state(db)
    t0 = time.monotonic()
    run_ok(db, *argv)
    full = time.monotonic() - t0
    adds = delta(before, state(db))
    if not adds:
        sys.stderr.write("the first run changed nothing\n")
        return 1
    killed = 0
    for run in range(1, args.runs + 1):
        argv = make_file(args.command, work, run, args.rows)
        before = state(db)
        p = medbill(db, *argv)
        time.sleep(random.uniform(0, full))
        was_killed = p.poll() is None
        if was_killed:
            p.send_signal(signal.SIGKILL)
            killed += 1
        _, err = p.communicate()
        got = delta(before, state(db))
        if got not in ({}, adds):
            sys.stderr.write(f"run {run}: half an import is recorded: {got} (a full run: {adds})\n")
            return 1
        if not was_killed and p.returncode != 0:
            sys.stderr.write(f"run {run}: exit {p.returncode}: {err.decode()}\n")
            return 1
        problem = checks(db)
        if problem:
            sys.stderr.write(f"run {run}: {problem}\n")
            return 1
        if not got:  # killed before the commit: the same command again must complete
            run_ok(db, *argv)
            if delta(before, state(db)) != adds:
                sys.stderr.write(f"run {run}: the run after the kill did not import it all\n")
                return 1
    sys.stderr.write(f"{args.command} import: {args.runs} runs, {killed} killed, all or nothing "
                     "every time, every re-run complete.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
