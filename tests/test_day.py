"""Closing a day (``reconcile --close``), reopening it, listing closes; closed days refuse
changes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import Cli, Db
from test_reconcile import D, DayRows

DAY = D.isoformat()


@pytest.fixture
def rows(db: Db) -> DayRows:
    return DayRows(db)


def ensure_open(db: Db, date: dt.date = D) -> None:
    from sqlmodel import Session

    from medbill_cli.services.days import ensure_open as _ensure

    eng = db.engine()
    try:
        with Session(eng) as s:
            _ensure(session=s, date=date, what="charge")
    finally:
        eng.dispose()


def audit_rows(db: Db) -> list[tuple[str, str, str]]:
    eng = db.engine()
    from sqlalchemy import text

    try:
        with eng.connect() as c:
            return [
                tuple(r)
                for r in c.execute(
                    text(  # type: ignore[misc]
                        "SELECT action, entity, entity_id FROM audit_log"
                        " WHERE entity = 'day' ORDER BY id"
                    )
                )
            ]
    finally:
        eng.dispose()


def test_reconcile_close_balanced_day(cli: Cli, rows: DayRows, db: Db) -> None:
    rows.visit()
    rows.visit(copay=4500, method="check")
    r = cli.ok("reconcile", "--date", DAY, "--close")
    assert "the day balances" in r.stdout
    assert "Closed 2025-03-14 balanced" in r.stderr
    listed = cli.json("day", "list")
    assert len(listed) == 1
    rec = listed[0]
    assert rec["date"] == DAY and rec["status"] == "closed" and rec["closed_by"] == "tester"
    assert rec["forced"] is False and rec["balanced"] is True
    assert rec["encounters"] == 2 and rec["charges"] == 2 and rec["payments"] == 2
    assert rec["entered_charges"] == "250.00" and rec["posted_payments"] == "65.00"
    assert len(rec["snapshot_hash"]) == 64
    assert audit_rows(db) == [("close", "day", DAY)]
    with pytest.raises(Exception) as exc:
        ensure_open(db)
    assert "2025-03-14 is closed" in str(exc.value)
    ensure_open(db, D + dt.timedelta(days=1))  # other days stay open


def test_reconcile_close_empty_day(cli: Cli) -> None:
    cli.ok("reconcile", "--date", DAY, "--close")
    assert cli.json("day", "list")[0]["encounters"] == 0


def test_reconcile_close_out_of_balance_is_refused(cli: Cli, rows: DayRows) -> None:
    rows.encounter(charges=12500)
    r = cli.fails(3, "reconcile", "--date", DAY, "--close")
    assert "out of balance (1 discrepancy); it was not closed" in r.stderr
    assert "--force --reason" in r.stderr
    assert "missing_charge" in r.stdout  # the report is still shown
    assert cli.json("day", "list") == []


def test_reconcile_close_force_needs_a_reason(cli: Cli, rows: DayRows) -> None:
    rows.encounter(charges=12500)
    r = cli.fails(3, "reconcile", "--date", DAY, "--close", "--force")
    assert "needs a reason" in r.stderr
    cli.fails(3, "reconcile", "--date", DAY, "--close", "--force", "--reason", "  ")


def test_reconcile_close_force_records_reason(cli: Cli, rows: DayRows, db: Db) -> None:
    rows.encounter(charges=12500)
    r = cli("reconcile", "--date", DAY, "--close", "--force", "--reason",
            "form lost; charge tomorrow", "--format", "json")
    assert r.exit_code == 1  # closed, but still out of balance
    assert json.loads(r.stdout)["balanced"] is False
    assert "forced" in r.stderr
    rec = cli.json("day", "list")[0]
    assert rec["forced"] is True and rec["reason"] == "form lost; charge tomorrow"
    snap = json.loads(str(db.scalar("SELECT snapshot FROM day_close")))
    assert snap["discrepancies"][0]["kind"] == "missing_charge"
    assert snap["form_charges"] == "125.00"


def test_reconcile_close_twice_is_refused(cli: Cli) -> None:
    cli.ok("reconcile", "--date", DAY, "--close")
    r = cli.fails(3, "reconcile", "--date", DAY, "--close")
    assert "already closed" in r.stderr and "day reopen" in r.stderr


def test_reconcile_closed_day_says_so_and_notices_changes(cli: Cli, rows: DayRows, db: Db) -> None:
    e = rows.visit()
    cli.ok("reconcile", "--date", DAY, "--close")
    r = cli.ok("reconcile", "--date", DAY)
    assert "is closed (by tester" in r.stderr and "changed" not in r.stderr
    # A change behind the command's back (not through medbill) shows as a hash difference.
    db.execute("UPDATE charge SET amount_cents = 1 WHERE encounter_id = :e", e=e.id)
    r = cli("reconcile", "--date", DAY)
    assert "changed since it was closed" in r.stderr


def test_reconcile_hash_covers_the_days_rows(rows: DayRows, db: Db) -> None:
    from sqlmodel import Session

    from medbill_cli.services.reconcile import reconcile_day

    def digest() -> str:
        eng = db.engine()
        try:
            with Session(eng) as s:
                return reconcile_day(session=s, date=D).rows_hash()
        finally:
            eng.dispose()

    empty = digest()
    e = rows.visit()
    one = digest()
    assert one != empty and one == digest()
    rows.payment(e, 100, status="reversed")
    assert digest() != one
    rows.encounter(dos=D + dt.timedelta(days=1))
    rows.payment(None, 500, patient=rows.patient(), date=D + dt.timedelta(days=1))
    assert digest() == digest()


def test_day_reopen_opens_the_day(cli: Cli, db: Db) -> None:
    cli.ok("reconcile", "--date", DAY, "--close")
    r = cli.ok("day", "reopen", DAY, "--reason", "late charge for a walk-in")
    assert "Reopened 2025-03-14" in r.stderr
    ensure_open(db)
    rec = cli.json("day", "list")[0]
    assert rec["status"] == "reopened" and rec["reopened_by"] == "tester"
    assert rec["reopen_reason"] == "late charge for a walk-in"
    assert audit_rows(db) == [("close", "day", DAY), ("reopen", "day", DAY)]
    assert cli.json("day", "list", "--closed") == []
    # Closed again: two closes listed, newest first.
    cli.ok("reconcile", "--date", DAY, "--close")
    listed = cli.json("day", "list")
    assert [x["status"] for x in listed] == ["closed", "reopened"]
    assert len(cli.json("day", "list", "--closed")) == 1


def test_day_reopen_open_day_is_refused(cli: Cli) -> None:
    r = cli.fails(3, "day", "reopen", DAY, "--reason", "oops")
    assert "is not closed" in r.stderr


def test_day_reopen_needs_a_reason(cli: Cli) -> None:
    cli.ok("reconcile", "--date", DAY, "--close")
    assert cli("day", "reopen", DAY).exit_code == 2
    r = cli.fails(3, "day", "reopen", DAY, "--reason", " ")
    assert "needs a reason" in r.stderr


def test_day_reopen_bad_date(cli: Cli) -> None:
    cli.fails(3, "day", "reopen", "14/03/2025", "--reason", "x")


def test_day_list_empty_and_filters(cli: Cli) -> None:
    assert cli.json("day", "list") == []
    r = cli.ok("day", "list")
    assert "No day has been closed" in r.stderr
    cli.ok("reconcile", "--date", DAY, "--close")
    cli.ok("reconcile", "--date", "2025-03-15", "--close")
    assert [x["date"] for x in cli.json("day", "list")] == ["2025-03-15", DAY]
    assert [x["date"] for x in cli.json("day", "list", "--from", "2025-03-15")] == ["2025-03-15"]
    assert [x["date"] for x in cli.json("day", "list", "--to", DAY)] == [DAY]
    r = cli.ok("day", "list", "--format", "csv")
    assert r.stdout.splitlines()[0].startswith("id,date,status,closed_at")
    r = cli.ok("day", "list")
    assert "2025-03-15" in r.stdout and "closed" in r.stdout


def test_reconcile_close_and_a_concurrent_charge_cannot_interleave(rows: DayRows, db: Db) -> None:
    """A charge checked while the day is being closed waits for the close, then is refused."""
    import threading
    import time

    from medbill_cli.db.engine import make_engine, session_scope
    from medbill_cli.errors import InputError
    from medbill_cli.services.days import close_day, ensure_open
    from medbill_cli.services.reconcile import reconcile_day

    rows.visit()
    eng = make_engine(db.url)
    outcome: list[object] = []
    started = threading.Event()

    def biller() -> None:
        started.set()
        try:
            with session_scope(eng) as s:
                ensure_open(session=s, date=D, what="charge")
                outcome.append("open")
        except InputError as exc:
            outcome.append(exc)

    try:
        with session_scope(eng) as s:
            result = reconcile_day(session=s, date=D, lock=True)
            t = threading.Thread(target=biller)
            t.start()
            started.wait()
            time.sleep(0.5)
            assert outcome == []  # the biller waits for the close
            close_day(session=s, user="closer", result=result)
        t.join(timeout=30)
        assert len(outcome) == 1 and isinstance(outcome[0], InputError), outcome
        assert "is closed" in str(outcome[0])
    finally:
        eng.dispose()
