"""``medbill demo``: an empty database filled with a practice and days of its work, through the
same services the commands use; deterministic for a seed and an end date; refuses a database
that already holds data."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Cli, Db, _PgTemplates, make_db
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837

END = "2026-11-20"  # a Friday: --days 5 is one working week


def coded_db(request: pytest.FixtureRequest, kind: str, tmp_path: Path,
             pg_templates: _PgTemplates | None) -> Cli:
    """A database with the code sets loaded and nothing else (a demo may fill it)."""
    return Cli(make_db(request, kind, "codes", tmp_path, pg_templates))


def fingerprint(db: Db) -> str:
    """A hash of what the demo made: patients, coverages, charges, claims, payments and ledger
    entries (ids, amounts, dates, statuses), never timestamps of when it ran."""
    from sqlalchemy import text

    queries = (
        "SELECT account, first_name, last_name, dob, sex, zip FROM patient ORDER BY id",
        "SELECT patient_id, priority, member_id, relationship FROM coverage ORDER BY id",
        "SELECT id, patient_id, date_of_service, code, modifiers, units, amount_cents, status, "
        "ndc FROM charge ORDER BY id",
        "SELECT pcn, patient_id, status, total_cents FROM claim ORDER BY id",
        "SELECT patient_id, date, amount_cents, method, kind FROM payment ORDER BY id",
        "SELECT charge_id, party, kind, amount_cents, posted_on FROM ledger_entry ORDER BY id",
    )
    eng = db.engine()
    h = hashlib.sha256()
    try:
        with eng.connect() as c:
            for q in queries:
                for row in c.execute(text(q)):
                    h.update(repr(tuple(str(v) for v in row)).encode())
    finally:
        eng.dispose()
    return h.hexdigest()


def run_demo(cli: Cli, out: Path, *args: str) -> None:
    r = cli("demo", "--end", END, "--out", str(out), *args)
    assert r.exit_code == 0, f"{r.stdout}\n{r.stderr}\n{r.exception!r}"
    assert "Demo practice ready" in r.stderr


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_demo_fills_a_practice_every_listing_shows(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path,
        pg_templates: _PgTemplates | None) -> None:
    cli = coded_db(request, kind, tmp_path, pg_templates)
    out = tmp_path / "files"
    run_demo(cli, out, "--days", "5", "--seed", "7")
    db = cli.db
    assert 60 <= db.count("patient") <= 300
    assert db.count("provider") == 4 and db.count("payer") == 5 and db.count("facility") == 1
    assert db.scalar("SELECT count(*) FROM coverage WHERE relationship <> 'self'")
    assert db.scalar("SELECT count(*) FROM coverage WHERE priority = 'secondary'")
    assert db.scalar("SELECT count(*) FROM charge WHERE ndc IS NOT NULL")
    assert db.scalar("SELECT count(*) FROM charge WHERE modifiers LIKE '%25%'")
    assert db.count("prior_auth")
    # Every business day closed but the last, which is left unbalanced for reconcile to show.
    assert db.count("day_close") == 4
    cli.ok("ledger", "check")
    assert "Audit trail intact" in cli.ok("audit", "verify").stderr
    last = cli("reconcile", "--date", END, "--format", "json")
    assert last.exit_code == 1, last.output
    kinds = {d["kind"] for d in json.loads(last.stdout)["discrepancies"]}
    assert "charge_mismatch" in kinds
    work = cli("worklist", "--format", "json")
    assert work.exit_code == 1, work.output
    found = {i["kind"] for i in json.loads(work.stdout)}
    assert {"held", "unbilled"} <= found, found
    # Desk copays wait as credits for the payers' answers: listed, but not refunds to work.
    assert "credit" not in found and cli.json("credit", "list")
    aging = cli.json("ar", "aging", "--as-of", END)
    assert isinstance(aging, list) and Decimal(aging[-1]["total"]) > 0
    claims = cli.json("claim", "list")
    assert isinstance(claims, list) and len(claims) > 40
    assert {c["status"] for c in claims} >= {"accepted", "held"}
    acks = cli.json("ack", "list")
    assert isinstance(acks, list) and {a["kind"] for a in acks} >= {"999", "277CA"}
    assert cli.json("auth", "list")
    statuses = {r for (r,) in _rows(db, "SELECT status FROM eligibility_response")}
    assert statuses == {"active", "inactive"}, statuses
    kpi = cli.json("report", "kpi", "--from", "2026-11-16", "--to", END)
    assert isinstance(kpi, list) and kpi
    # The exported batches and the payers' files are the user's to see, readable by them only.
    files = sorted(out.iterdir())
    assert any(f.suffix == ".x12" for f in files) and any(f.suffix == ".999" for f in files)
    assert all(oct(f.stat().st_mode & 0o777) == "0o600" for f in files)
    batch = next(f for f in files if f.suffix == ".x12")
    assert_valid_837(batch, x12check_tool())
    # A second run is refused: the database now holds patients.
    r = cli.fails(3, "demo", "--end", END, "--days", "3", "--out", str(out))
    assert r.stderr.count("\n") == 1 and "already holds patients" in r.stderr


def test_demo_month_posts_remittances_and_balances(tmp_path: Path,
                                                   request: pytest.FixtureRequest,
                                                   pg_templates: _PgTemplates | None) -> None:
    """Three weeks: long enough for the payers' 835s (payments, CO-45, PR-1/2/3, denials, a
    reversal), Medicare's crossovers to the Medigap plan and its own 835s, a failed crossover
    billed as a secondary claim, weekly statement runs, a payment plan, patients' payments,
    rejected claims fixed and sent again."""
    cli = coded_db(request, "sqlite", tmp_path, pg_templates)
    run_demo(cli, tmp_path / "files", "--days", "26")
    db = cli.db
    cli.ok("ledger", "check")
    cli.ok("audit", "verify")
    assert db.count("era") >= 5
    assert db.scalar("SELECT count(*) FROM era_claim WHERE status_code = '22'") == 1
    assert db.scalar("SELECT count(*) FROM claim WHERE status = 'paid'")
    assert db.scalar("SELECT count(*) FROM claim WHERE status = 'rebuilt'")
    assert db.scalar("SELECT count(*) FROM denial WHERE status = 'worked'") == 1
    assert db.scalar("SELECT count(*) FROM payment WHERE kind = 'patient'")
    eras = cli.json("era", "list")
    assert isinstance(eras, list) and len(eras) >= 5
    assert cli.json("credit", "list")
    denials = cli.json("report", "denials", "--from", "2026-10-28", "--to", END)
    assert isinstance(denials, list) and denials
    adj = {r for (r,) in _rows(db, "SELECT DISTINCT group_code || '-' || carc "
                                   "FROM era_adjustment")}
    assert {"CO-45", "PR-2", "OA-23"} <= adj, adj
    # Coordination of benefits: crossed over by Medicare, the Medigap plan's own 835 posted
    # against its coverage; a failed crossover (MA19) billed to the Medigap plan by medbill.
    assert db.scalar("SELECT count(*) FROM claim WHERE status = 'crossed_over'")
    assert db.scalar("SELECT count(*) FROM era_claim WHERE status_code = '2' "
                     "AND coverage_id IS NOT NULL")
    secondary = cli.json("claim", "list", "--payer-sequence", "secondary")
    assert isinstance(secondary, list) and secondary
    assert {c["payer"] for c in secondary} == {"LMGAP"}
    batches = sorted((tmp_path / "files").glob("claims-*.x12"))
    billed = [b for b in batches if f"*{secondary[0]['pcn']}*" in b.read_text()]
    assert billed
    assert_valid_837(billed[0], x12check_tool())
    # Statements every Friday, recorded; a payment plan.
    runs = cli.json("statement", "list")
    assert isinstance(runs, list) and len(runs) >= 2
    assert all(oct(f.stat().st_mode & 0o777) == "0o600"
               for f in (tmp_path / "files").glob("statements-*.pdf"))
    plans = cli.json("plan", "list")
    assert isinstance(plans, list) and len(plans) == 1


def _rows(db: Db, sql: str) -> list[tuple[object, ...]]:
    from sqlalchemy import text

    eng = db.engine()
    try:
        with eng.connect() as c:
            return [tuple(r) for r in c.execute(text(sql))]
    finally:
        eng.dispose()


def test_demo_same_seed_same_data(tmp_path: Path, request: pytest.FixtureRequest,
                                  pg_templates: _PgTemplates | None) -> None:
    prints = []
    for i, seed in enumerate(("11", "11", "12")):
        (tmp_path / str(i)).mkdir()
        cli = coded_db(request, "sqlite", tmp_path / str(i), pg_templates)
        run_demo(cli, tmp_path / f"out{i}", "--days", "3", "--seed", seed)
        prints.append(fingerprint(cli.db))
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


@pytest.mark.parametrize("args", [("--days", "0"), ("--days", "-3"), ("--days", "5000"),
                                  ("--end", "2999-01-01"), ("--end", "soon"),
                                  ("--days", "1", "--end", "2026-11-22")])
def test_demo_refuses_bad_periods(cli: Cli, tmp_path: Path, args: tuple[str, ...]) -> None:
    r = cli.fails(3, "demo", "--out", str(tmp_path / "o"), *args)
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_demo_refuses_a_database_with_data(practice: Cli, tmp_path: Path) -> None:
    practice.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob",
                "1980-04-02", "--sex", "F")
    r = practice.fails(3, "demo", "--days", "3", "--out", str(tmp_path / "o"))
    assert r.stderr == ("Error: The database already holds patients; the demo fills only an "
                        "empty database. Use another --db, e.g. --db demo.db.\n")


def test_demo_same_data_on_postgresql_as_on_sqlite(tmp_path: Path, request: pytest.FixtureRequest,
                                                   pg_templates: _PgTemplates | None) -> None:
    """The seed decides everything: the two databases end with the same rows, and the same
    837P batches byte for byte."""
    prints, batches = [], []
    for kind in ("sqlite", "postgresql"):
        (tmp_path / kind).mkdir()
        cli = coded_db(request, kind, tmp_path / kind, pg_templates)
        run_demo(cli, tmp_path / kind / "out", "--days", "3", "--seed", "5")
        prints.append(fingerprint(cli.db))
        batches.append({f.name: f.read_bytes()
                        for f in sorted((tmp_path / kind / "out").glob("*.x12"))})
    assert prints[0] == prints[1]
    assert batches[0] == batches[1] and batches[0]
