"""statement run, list and show; collections send and list; plan add and list; patient
statement --output FILE.pdf. Scenario tests drive ``medbill`` as a biller would, on SQLite and
PostgreSQL, read the PDFs back with pdfplumber, and end with ``ledger check``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from charge_support import charging  # noqa: F401
from conftest import Cli
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_support import connection

TODAY = dt.date.today()


def day(n: int) -> str:
    """``n`` days before today, as typed."""
    return (TODAY - dt.timedelta(days=n)).isoformat()


def _patient(cli: Cli, first: str, last: str, *, address: bool = True) -> str:
    extra = ["--address", "5 Elm St", "--city", "Troy", "--state", "NY", "--zip", "12180"]
    r = cli.ok("patient", "add", "--first-name", first, "--last-name", last, "--dob",
               "1970-05-05", "--sex", "F", *(extra if address else []))
    return r.stdout.strip()


def _charge(cli: Cli, account: str, fee: str, date: str, code: str = "99213") -> int:
    r = cli.ok("charge", "add", "--patient", account, "--date", date, "--code", code, "--dx",
               "E11.9", "--fee", fee)
    return int(r.stdout.strip())


def _pay(cli: Cli, account: str, amount: str, date: str) -> None:
    cli.ok("payment", "add", "--patient", account, "--amount", amount, "--method", "check",
           "--reference", "1001", "--date", date)


def _rows(cli: Cli, *args: str) -> list[dict[str, Any]]:
    out = cli.json(*args)
    assert isinstance(out, list)
    return out


def _pdf_text(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def _ledger_ok(cli: Cli) -> None:
    r = cli.ok("ledger", "check")
    assert "checks out" in r.stderr


def _run(cli: Cli, as_of: str, out: Path, *extra: str) -> list[dict[str, Any]]:
    return _rows(cli, "statement", "run", "--as-of", as_of, "--output", str(out), *extra)


# ------------------------------------------------------------------ a biller's month


def test_statement_run_a_billers_month_first_second_final_then_collections(
        charging: Cli, tmp_path: Path) -> None:
    cli = charging
    owes = _patient(cli, "Nora", "Quill")  # P000003, self-pay, owes 180.00
    _charge(cli, owes, "100", day(150))
    _charge(cli, owes, "80", day(125))
    _charge(cli, "P000001", "75", day(125))  # with ACME1: still with insurance, no statement
    _pay(cli, "P000002", "20", day(140))  # a prepayment: P000002 holds a credit
    zero = _patient(cli, "Zed", "Zero")
    _charge(cli, zero, "50", day(130))
    _pay(cli, zero, "50", day(129))  # paid in full: no statement

    # Dry run first: lists what would be sent, records nothing.
    before = cli.db.counts()
    dry = _rows(cli, "statement", "run", "--as-of", day(120), "--dry-run")
    assert cli.db.counts() == before
    assert [(r["account"], r["level"], r["balance"]) for r in dry] == [(owes, "first", "180.00")]

    first = tmp_path / "first.pdf"
    rows = _run(cli, day(120), first)
    assert [(r["account"], r["level"], r["amount_due"]) for r in rows] == [
        (owes, "first", "180.00")]
    # Aging as of the statement date: 100.00 at 30 days is current, 80.00 at 5 days too.
    assert (rows[0]["current"], rows[0]["days_31_60"]) == ("180.00", "0.00")
    assert os.stat(first).st_mode & 0o777 == 0o600
    (page,) = _pdf_text(first)
    for text in ("Main Street Family Medicine", "100 Main St", "Nora Quill", "5 Elm St",
                 "Troy, NY 12180", f"Account {owes}", "$100.00", "$80.00", "$180.00",
                 "Thank you for choosing us", "What you owe, by age", "Current", "Over 90 days",
                 "How to pay", "REMITTANCE SLIP", "Amount enclosed",
                 "Make checks payable and mail to:", "Please detach and return"):
        assert text in page, text
    assert "Zed" not in page and "P000002" not in page and "P000001" not in page

    # A same-day rerun does not advance the level.
    again = _run(cli, day(120), tmp_path / "again.pdf")
    assert again[0]["level"] == "first"

    second = tmp_path / "second.pdf"
    assert _run(cli, day(90), second)[0]["level"] == "second"
    (page,) = _pdf_text(second)
    assert "SECOND NOTICE" in page and "31-60 days" in page
    final = tmp_path / "final.pdf"
    rows = _run(cli, day(60), final)
    assert (rows[0]["level"], rows[0]["days_61_90"], rows[0]["days_over_90"]) == (
        "final", "180.00", "0.00")
    (page,) = _pdf_text(final)
    assert "FINAL NOTICE" in page and "collection agency" in page

    # At 90 days from the first statement the account is proposed, not sent.
    last = tmp_path / "proposed.pdf"
    r = cli.ok("statement", "run", "--as-of", day(30), "--output", str(last), "--format", "csv")
    assert f"{owes},collections,180.00" in r.stdout
    assert "proposed for collections" in r.stderr
    assert not last.exists()

    runs = _rows(cli, "statement", "list")
    assert [(x["statements"], x["proposed"], x["total"]) for x in runs] == [
        (0, 1, "0.00"), (1, 0, "180.00"), (1, 0, "180.00"), (1, 0, "180.00"), (1, 0, "180.00")]
    shown = cli.json("statement", "show", str(runs[0]["id"]))
    assert isinstance(shown, dict)
    assert [(a["account"], a["level"]) for a in shown["accounts"]] == [(owes, "collections")]
    mine = _rows(cli, "statement", "list", owes)
    assert [x["level"] for x in mine] == ["collections", "final", "second", "first", "first"]
    _ledger_ok(cli)

    # The biller sends it: the balance is written off as bad debt.
    sent = cli.json("collections", "send", owes, "--reason", "Final notice unanswered",
                    "--date", day(29))
    assert isinstance(sent, dict) and sent["amount"] == "180.00"
    listed = _rows(cli, "collections", "list")
    assert [(c["account"], c["amount"], c["recovered"], c["outstanding"], c["status"])
            for c in listed] == [(owes, "180.00", "0.00", "180.00", "active")]
    bal = cli.json("patient", "balance", owes)
    assert isinstance(bal, dict) and bal["balance"] == "0.00" and bal["adjustments"] == "180.00"
    _ledger_ok(cli)

    # A new charge after collections: the account still gets no statement.
    _charge(cli, owes, "40", day(20))
    assert _rows(cli, "statement", "run", "--as-of", day(10), "--dry-run") == []

    # Money received later first pays the new charge, the rest is a bad-debt recovery.
    r = cli.ok("payment", "add", "--patient", owes, "--amount", "100", "--method", "cash",
               "--date", day(5))
    assert "60.00 of the payment is posted as a bad-debt recovery" in r.stderr
    kinds = [e["kind"] for e in _rows(cli, "ledger", "show", owes)]
    assert kinds.count("bad_debt_recovery") == 1
    listed = _rows(cli, "collections", "list")
    assert (listed[0]["recovered"], listed[0]["outstanding"]) == ("60.00", "120.00")
    bal = cli.json("patient", "balance", owes)
    assert isinstance(bal, dict)
    assert (bal["balance"], bal["credit"], bal["adjustments"], bal["patient_paid"]) == (
        "0.00", "0.00", "120.00", "100.00")
    _ledger_ok(cli)

    # The check bounces: what it recovered is bad debt again, the new charge owed again.
    pays = _rows(cli, "payment", "list", "--patient", owes)
    last = max(p["id"] for p in pays)
    cli.ok("payment", "reverse", str(last), "--reason", "check bounced")
    listed = _rows(cli, "collections", "list")
    assert (listed[0]["recovered"], listed[0]["outstanding"]) == ("0.00", "180.00")
    bal = cli.json("patient", "balance", owes)
    assert isinstance(bal, dict) and (bal["balance"], bal["adjustments"]) == ("40.00", "180.00")
    _ledger_ok(cli)
    _pay(cli, owes, "100", day(4))
    listed = _rows(cli, "collections", "list")
    assert (listed[0]["recovered"], listed[0]["outstanding"]) == ("60.00", "120.00")

    # The rest recovered: the account leaves collections.
    _pay(cli, owes, "150", day(1))
    listed = _rows(cli, "collections", "list")
    assert (listed[0]["recovered"], listed[0]["status"]) == ("180.00", "recovered")
    bal = cli.json("patient", "balance", owes)
    assert isinstance(bal, dict) and bal["credit"] == "30.00"
    _ledger_ok(cli)


def test_statement_run_paid_since_the_last_statement_starts_a_new_cycle(
        charging: Cli, tmp_path: Path) -> None:
    cli = charging
    _charge(cli, "P000002", "60", day(100))
    assert _run(cli, day(95), tmp_path / "a.pdf")[0]["level"] == "first"
    _pay(cli, "P000002", "60", day(80))
    _charge(cli, "P000002", "25", day(50))
    rows = _run(cli, day(40), tmp_path / "b.pdf")
    assert [(r["level"], r["cycle_start"], r["balance"]) for r in rows] == [
        ("first", day(40), "25.00")]
    # Partly paid: the cycle goes on.
    _pay(cli, "P000002", "5", day(20))
    assert _run(cli, day(5), tmp_path / "c.pdf")[0]["level"] == "second"
    _ledger_ok(cli)


def test_statement_run_min_balance_and_the_practice_dunning_days(
        charging: Cli, tmp_path: Path) -> None:
    cli = charging
    small = _patient(cli, "Sid", "Small")
    _charge(cli, small, "4", day(60))
    _charge(cli, "P000002", "100", day(60))
    rows = _rows(cli, "statement", "run", "--as-of", day(50), "--min-balance", "5",
                 "--dry-run")
    assert [r["account"] for r in rows] == ["P000002"]
    cli.ok("practice", "set", "--dunning-second-days", "10", "--dunning-final-days", "20",
           "--dunning-collections-days", "45", "--remit-name", "MSFM Billing",
           "--remit-address", "PO Box 77", "--remit-city", "Albany", "--remit-state", "NY",
           "--remit-zip", "12201", "--pay-url", "https://pay.example.com/msfm")
    _run(cli, day(50), tmp_path / "a.pdf", "--min-balance", "5")
    rows = _run(cli, day(35), tmp_path / "b.pdf")
    assert [(r["account"], r["level"]) for r in rows] == [("P000002", "second"), (small, "first")]
    out = tmp_path / "c.pdf"
    rows = _run(cli, day(25), out)
    assert [(r["account"], r["level"]) for r in rows] == [("P000002", "final"), (small, "second")]
    pages = _pdf_text(out)
    assert len(pages) == 2
    assert "PO Box 77" in pages[0] and "MSFM Billing" in pages[0]
    assert "https://pay.example.com/msfm" in pages[0]
    assert _run(cli, day(4), tmp_path / "d.pdf")[0]["level"] == "collections"
    cli.fails(3, "practice", "set", "--dunning-final-days", "50")  # not before collections 45
    cli.fails(3, "practice", "set", "--dunning-second-days", "0")
    _ledger_ok(cli)


def test_statement_run_a_long_account_continues_on_more_pages(charging: Cli,
                                                             tmp_path: Path) -> None:
    cli = charging
    for n in range(20):
        _charge(cli, "P000002", f"{10 + n}", day(100 - n))
    out = tmp_path / "long.pdf"
    r = cli.ok("statement", "run", "--output", str(out), "--format", "json")
    assert "1 statement(s) have no mailing address" in r.stderr  # P000002 has none
    assert "1 statement(s) on 2 page(s)" in r.stderr
    import json

    rows = json.loads(r.stdout)
    assert rows[0]["balance"] == "390.00"
    pages = _pdf_text(out)
    assert len(pages) == 2
    assert "Continued on the next page" in pages[0] and "REMITTANCE SLIP" not in pages[0]
    assert "REMITTANCE SLIP" in pages[1] and "$390.00" in pages[1]
    shown = cli.json("statement", "show", "1")
    assert isinstance(shown, dict) and shown["accounts"][0]["pages"] == 2


# ------------------------------------------------------------------ plans


def test_plan_statements_then_a_missed_month_drops_back_into_the_cycle(
        charging: Cli, tmp_path: Path) -> None:
    cli = charging
    start = TODAY - dt.timedelta(days=100)
    _charge(cli, "P000002", "300", (start - dt.timedelta(days=20)).isoformat())
    plan = cli.json("plan", "add", "P000002", "--monthly", "100", "--start", start.isoformat())
    assert isinstance(plan, dict) and (plan["monthly"], plan["balance"]) == ("100.00", "300.00")
    # The first month: a plan statement for the month's 100.00, not the whole balance.
    out = tmp_path / "plan.pdf"
    rows = _run(cli, (start + dt.timedelta(days=3)).isoformat(), out)
    assert [(r["level"], r["balance"], r["amount_due"]) for r in rows] == [
        ("plan", "300.00", "100.00")]
    (page,) = _pdf_text(out)
    assert "PAYMENT PLAN" in page and "Amount due $100.00" in page
    assert "Payment plan: $100.00 a month" in page
    _pay(cli, "P000002", "100", (start + dt.timedelta(days=5)).isoformat())
    # Paid for the month: nothing to ask for until the next month.
    assert _rows(cli, "statement", "run", "--as-of", (start + dt.timedelta(days=20)).isoformat(),
                 "--dry-run") == []
    second_month = (start + dt.timedelta(days=40)).isoformat()
    rows = _run(cli, second_month, tmp_path / "p2.pdf")
    assert [(r["level"], r["amount_due"]) for r in rows] == [("plan", "100.00")]
    _pay(cli, "P000002", "30", second_month)
    plans = _rows(cli, "plan", "list", "--as-of", second_month)
    assert [(p["status"], p["paid"], p["due_this_month"]) for p in plans] == [
        ("active", "130.00", "70.00")]
    # The second month ends with 30.00 of 100.00 paid: the plan is missed, the account is
    # back in the cycle with the whole balance due.
    later = (start + dt.timedelta(days=70)).isoformat()
    before = cli.db.counts()
    dry = _rows(cli, "statement", "run", "--as-of", later, "--dry-run")
    assert cli.db.counts() == before
    assert [(r["level"], r["amount_due"]) for r in dry] == [("first", "170.00")]
    assert _rows(cli, "plan", "list", "--as-of", later)[0]["status"] == "missed"
    out = tmp_path / "missed.pdf"
    _run(cli, later, out)
    (page,) = _pdf_text(out)
    assert "payment plan has ended" in page and "Amount due $170.00" in page
    from medbill_cli.services.statements import add_months

    plans = _rows(cli, "plan", "list")
    missed_end = add_months(start, 2) - dt.timedelta(days=1)
    assert (plans[0]["status"], plans[0]["ended_on"]) == ("missed", missed_end.isoformat())
    # A new plan may be set up once the old one is missed.
    cli.ok("plan", "add", "P000002", "--monthly", "50", "--start", "today")
    _ledger_ok(cli)


# ------------------------------------------------------------------ one patient


def test_patient_statement_output_pdf_uses_the_run_layout_and_records_nothing(
        charging: Cli, tmp_path: Path) -> None:
    cli = charging
    _charge(cli, "P000002", "75", day(10))
    out = tmp_path / "one.pdf"
    before = cli.db.counts()
    r = cli.ok("patient", "statement", "P000002", "--output", str(out))
    assert cli.db.counts() == before
    assert "Wrote the statement of P000002" in r.stderr
    (page,) = _pdf_text(out)
    assert "Sam Poe" in page and "$75.00" in page and "REMITTANCE SLIP" in page
    assert os.stat(out).st_mode & 0o777 == 0o600
    text = cli.ok("patient", "statement", "P000002").stdout
    assert "PATIENT STATEMENT" in text and "BALANCE DUE" in text
    cli.fails(4, "patient", "statement", "P000002", "--output", str(tmp_path / "no" / "x.pdf"))
    cli.fails(3, "patient", "statement", "P999999", "--output", str(out))


# ------------------------------------------------------------------ refusals


def test_statement_run_refusals_change_nothing(charging: Cli, tmp_path: Path) -> None:
    cli = charging
    _charge(cli, "P000002", "75", day(10))
    folder = tmp_path / "out"
    folder.mkdir()
    out = str(folder / "s.pdf")
    cli.fails(3, "statement", "run")  # neither --output nor --dry-run
    cli.fails(3, "statement", "run", "--dry-run", "--output", out)
    cli.fails(3, "statement", "run", "--output", out, "--as-of", "2026-02-30")
    cli.fails(3, "statement", "run", "--output", out, "--min-balance", "-5")
    cli.fails(3, "statement", "run", "--output", out, "--min-balance", "1.005")
    cli.fails(4, "statement", "run", "--output", str(tmp_path / "missing" / "s.pdf"))
    cli.fails(4, "statement", "run", "--output", str(folder))
    cli.fails(3, "statement", "show", "99")
    cli.fails(3, "statement", "list", "P999999")
    assert not Path(out).exists()
    assert list(folder.iterdir()) == []  # no temp file left behind either


def test_collections_send_refusals_change_nothing(charging: Cli) -> None:
    cli = charging
    cli.fails(3, "collections", "send", "P000002", "--reason", "x")  # no balance
    _charge(cli, "P000001", "75", day(10))  # with insurance: no patient balance
    cli.fails(3, "collections", "send", "P000001", "--reason", "x")
    _pay(cli, "P000002", "10", day(5))  # a credit
    r = cli.fails(3, "collections", "send", "P000002", "--reason", "x")
    assert "credit" in r.stderr
    cli.fails(3, "collections", "send", "P999999", "--reason", "x")
    owes = _patient(cli, "Nora", "Quill")
    _charge(cli, owes, "50", day(10))
    cli.fails(3, "collections", "send", owes, "--reason", "  ")
    cli.fails(3, "collections", "send", owes, "--reason", "x", "--date", "someday")
    cli.ok("collections", "send", owes, "--reason", "Skipped town")
    r = cli.fails(3, "collections", "send", owes, "--reason", "again")
    assert "already in collections" in r.stderr
    cli.fails(3, "plan", "add", owes, "--monthly", "10", "--start", "today")
    _ledger_ok(cli)


def test_plan_add_refusals_change_nothing(charging: Cli) -> None:
    cli = charging
    cli.fails(3, "plan", "add", "P000002", "--monthly", "10", "--start", "today")  # no balance
    _charge(cli, "P000002", "75", day(10))
    for amount in ("0", "-5", "75.01", "ten"):
        cli.fails(3, "plan", "add", "P000002", "--monthly", amount, "--start", "today")
    cli.fails(3, "plan", "add", "P000002", "--monthly", "25", "--start", "next week")
    cli.fails(3, "plan", "add", "P999999", "--monthly", "25", "--start", "today")
    cli.ok("plan", "add", "P000002", "--monthly", "75", "--start", "today")
    r = cli.fails(3, "plan", "add", "P000002", "--monthly", "25", "--start", "today")
    assert "already has an active payment plan" in r.stderr
    assert [p["status"] for p in _rows(cli, "plan", "list")] == ["active"]


def test_collections_reversed_write_off_takes_the_account_out_of_collections(
        charging: Cli, tmp_path: Path) -> None:
    cli = charging
    _charge(cli, "P000002", "50", day(40))
    sent = cli.json("collections", "send", "P000002", "--reason", "by mistake")
    assert isinstance(sent, dict)
    assert _rows(cli, "statement", "run", "--dry-run") == []
    cli.ok("adjust", "--reverse", str(sent["adjustment"]), "--note", "sent in error")
    listed = _rows(cli, "collections", "list")
    assert [(c["status"], c["outstanding"]) for c in listed] == [("reversed", "0.00")]
    rows = _rows(cli, "statement", "run", "--dry-run")
    assert [(r["account"], r["balance"]) for r in rows] == [("P000002", "50.00")]
    # Out of collections, it may be sent again.
    cli.ok("collections", "send", "P000002", "--reason", "final notice unanswered")
    _ledger_ok(cli)


def test_statement_commands_refuse_hostile_input(charging: Cli, tmp_path: Path) -> None:
    cli = charging
    _charge(cli, "P000002", "75", day(10))
    out = str(tmp_path / "s.pdf")
    huge = "1000000000000000000000000000000"
    cli.fails(3, "statement", "run", "--output", out, "--min-balance", huge)
    cli.fails(3, "statement", "show", "99999999999999999999999")
    cli.fails(3, "plan", "add", "P000002", "--monthly", huge, "--start", "today")
    cli.fails(3, "plan", "add", "P000002", "--monthly", "1e3", "--start", "today")
    r = cli.fails(3, "collections", "send", "P000002", "--reason", "gone\u202eevil")
    assert "evil" not in r.stderr
    cli.fails(3, "collections", "send", "P000002", "--reason", "x" * 201)
    cli.fails(3, "practice", "set", "--pay-url", "https://pay.example.com/a b")
    cli.fails(3, "practice", "set", "--remit-zip", "1234")
    cli.fails(3, "practice", "set", "--dunning-second-days", "ten")


def test_statement_run_a_failure_before_the_rename_leaves_no_file_and_no_record(
        charging: Cli, tmp_path: Path, monkeypatch: Any) -> None:
    """The PDF is written beside its target and renamed after the run is recorded: a failure
    in between (here the rename itself) leaves neither the file nor the run."""
    cli = charging
    _charge(cli, "P000002", "75", day(10))
    folder = tmp_path / "out"
    folder.mkdir()

    def full_disk(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("medbill_cli.privfile.os.replace", full_disk)
    before = cli.db.counts()
    r = cli("statement", "run", "--output", str(folder / "s.pdf"))
    assert r.exit_code == 4, r.output
    assert cli.db.counts() == before
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------ the ledger's proof


def test_ledger_check_finds_a_recovery_larger_than_the_write_off(charging: Cli) -> None:
    from medbill_cli.db import tables as t

    cli = charging
    cid = _charge(cli, "P000002", "50", day(10))
    cli.ok("collections", "send", "P000002", "--reason", "gone")
    _ledger_ok(cli)
    with connection(cli.db) as c:
        adj = c.execute(t.adjustment.select()).one()
        c.execute(t.ledger_entry.insert().values(
            patient_id=adj.patient_id, charge_id=cid, coverage_id=None, party="patient",
            kind="bad_debt_recovery", amount_cents=6000, posted_on=TODAY,
            source_type="adjustment", source_id=adj.id, created_by="x"))
        c.execute(t.ledger_entry.insert().values(
            patient_id=adj.patient_id, charge_id=None, coverage_id=None, party="patient",
            kind="patient_payment", amount_cents=-6000, posted_on=TODAY,
            source_type="adjustment", source_id=adj.id, created_by="x"))
    r = cli("ledger", "check")
    assert r.exit_code == 1
    assert "recovered 60.00 of a write-off of 50.00" in r.output


def test_add_months_keeps_the_day_or_the_month_end() -> None:
    from medbill_cli.services.statements import add_months, bucket4

    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert [bucket4(n) for n in (0, 30, 31, 60, 61, 90, 91)] == [0, 0, 1, 1, 2, 2, 3]


@settings(max_examples=200, deadline=None)
@given(monthly=st.integers(1, 50_000), balance=st.integers(1, 500_000),
       paid=st.lists(st.integers(0, 60_000), min_size=0, max_size=8),
       extra_days=st.integers(0, 27))
def test_plan_state_asks_at_most_the_month_and_misses_a_short_month(
        monthly: int, balance: int, paid: list[int], extra_days: int) -> None:
    from types import SimpleNamespace

    from medbill_cli.services.statements import add_months, plan_state

    monthly = min(monthly, balance)
    start = dt.date(2026, 1, 31)
    plan = SimpleNamespace(status="active", start_on=start, monthly_cents=monthly,
                           balance_cents=balance, ended_on=None)
    # One payment in each month k, on its first day.
    pays = [(add_months(start, k), cents) for k, cents in enumerate(paid)]
    on = add_months(start, len(paid)) + dt.timedelta(days=extra_days)
    due = balance - sum(paid)
    state = plan_state(plan, pays, due, on)
    if due <= 0:
        assert state.status == "paid"
        return
    left, short = balance, None
    for k, cents in enumerate(paid):
        if cents < min(monthly, left):
            short = k
            break
        left -= cents
    if short is None:
        assert state.status == "active"
        assert 0 <= state.month_due <= min(monthly, due)
        assert state.month_due == min(monthly, due)  # nothing paid yet in the current month
    else:
        assert state.status == "missed"
        assert state.missed_end == add_months(start, short + 1) - dt.timedelta(days=1)
