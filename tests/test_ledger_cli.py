"""ledger show and check, patient balance and ar aging from the ledger, adjust, refund add,
credit list, period close and list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from charge_support import charging  # noqa: F401
from conftest import Cli
from ledger_support import connection

TODAY = dt.date.today()


def _charge(cli: Cli, account: str, fee: str = "100", date: str = "today") -> int:
    r = cli.ok(
        "charge",
        "add",
        "--patient",
        account,
        "--date",
        date,
        "--code",
        "99213",
        "--dx",
        "E11.9",
        "--fee",
        fee,
    )
    return int(r.stdout.strip())


def _pay(cli: Cli, account: str, amount: str, *extra: str) -> int:
    r = cli.ok(
        "payment", "add", "--patient", account, "--amount", amount, "--method", "cash", *extra
    )
    return int(r.stdout.strip())


def _balance(cli: Cli, account: str) -> dict[str, Any]:
    b = cli.json("patient", "balance", account)
    assert isinstance(b, dict)
    return b


def test_ledger_self_pay_charge_and_cash_leave_sixty_owed_by_the_patient(charging: Cli) -> None:
    cid = _charge(charging, "P000002")
    _pay(charging, "P000002", "40")
    b = _balance(charging, "P000002")
    assert b == {
        "account": "P000002",
        "as_of": TODAY.isoformat(),
        "charges": "100.00",
        "insurance_paid": "0.00",
        "adjustments": "0.00",
        "patient_paid": "40.00",
        "refunds": "0.00",
        "owed_by": {"patient": "60.00"},
        "patient_due": "60.00",
        "credit": "0.00",
        "balance": "60.00",
    }
    rows = charging.json("ar", "aging", "--by", "payer")
    assert rows[0] == {
        "payer": "(patient)",
        "0-30": "60.00",
        "31-60": "0.00",
        "61-90": "0.00",
        "91-120": "0.00",
        "120+": "0.00",
        "total": "60.00",
    }
    assert rows[-1]["total"] == "60.00"
    shown = charging.json("ledger", "show", "P000002")
    assert [(r["charge"], r["party"], r["kind"], r["amount"], r["balance"]) for r in shown] == [
        (cid, "patient", "charge", "100.00", "100.00"),
        (cid, "patient", "patient_payment", "-40.00", "60.00"),
    ]
    assert set(shown[0]) == {
        "id",
        "date",
        "charge",
        "claim",
        "party",
        "kind",
        "amount",
        "balance",
        "source",
        "user",
    }
    assert shown[0]["source"] == f"charge:{cid}" and shown[0]["user"] == "tester"
    r = charging.ok("ledger", "check")
    assert "checks out: 2 entries" in r.stderr


def test_ledger_copay_before_adjudication_is_credit_then_pays_the_share(charging: Cli) -> None:
    from medbill_cli.services import ledger

    cid = _charge(charging, "P000001", "75")
    _pay(charging, "P000001", "25")
    b = _balance(charging, "P000001")
    assert (b["owed_by"], b["credit"], b["balance"]) == (
        {"ACME1:primary": "75.00"},
        "25.00",
        "50.00",
    )
    credits = charging.json("credit", "list")
    assert [(c["account"], c["credit"], c["age"]) for c in credits] == [("P000001", "25.00", 0)]
    cov = int(
        charging.db.scalar(
            "SELECT id FROM coverage WHERE patient_id = "
            "(SELECT id FROM patient WHERE account = 'P000001')"
        )
    )
    with connection(charging.db) as c:
        ledger.post_remittance(
            session=c,
            user="tester",
            payer=cov,
            source=("eob", 1),
            lines=[
                ledger.RemitLine(
                    cid,
                    4000,
                    (
                        ledger.RemitAdjustment("CO", "45", 1000),
                        ledger.RemitAdjustment("PR", "3", 2500),
                    ),
                )
            ],
        )
    b = _balance(charging, "P000001")
    assert b["owed_by"] == {} and b["credit"] == "0.00" and b["balance"] == "0.00"
    assert (b["insurance_paid"], b["adjustments"], b["patient_paid"]) == ("40.00", "10.00", "25.00")
    assert charging.json("credit", "list") == []
    kinds = [
        (r["party"], r["kind"], r["amount"]) for r in charging.json("ledger", "show", "P000001")
    ]
    assert ("ACME1:primary", "transfer", "-25.00") in kinds and (
        "patient",
        "transfer",
        "25.00",
    ) in kinds
    charging.ok("ledger", "check")


def test_adjust_writes_off_and_reverses_never_more_than_owed(charging: Cli) -> None:
    cid = _charge(charging, "P000002")
    _pay(charging, "P000002", "40")
    charging.fails(3, "adjust", "--charge", str(cid), "--amount", "60.01", "--reason", "courtesy")
    r = charging.fails(3, "adjust", "--charge", str(cid), "--amount", "70", "--reason", "courtesy")
    assert r.stderr.count("\n") == 1 and "owes 60.00" in r.stderr and "10.00 more" in r.stderr
    charging.fails(3, "adjust", "--charge", str(cid), "--amount", "5", "--reason", "kindness")
    charging.fails(3, "adjust", "--charge", "999", "--amount", "5", "--reason", "courtesy")
    charging.fails(3, "adjust", "--claim", "999", "--amount", "5", "--reason", "courtesy")
    charging.fails(3, "adjust", "--amount", "5", "--reason", "courtesy")
    charging.fails(3, "adjust", "--charge", str(cid), "--amount", "-5", "--reason", "courtesy")
    # The patient owes nothing to insurance here: an insurance write-off is refused.
    charging.fails(3, "adjust", "--charge", str(cid), "--amount", "5", "--reason", "timely-filing")
    adj = charging.json(
        "adjust",
        "--charge",
        str(cid),
        "--amount",
        "10",
        "--reason",
        "courtesy",
        "--note",
        "long-time patient",
    )
    assert isinstance(adj, dict)
    assert (adj["amount"], adj["reason"], adj["party"], adj["status"]) == (
        "10.00",
        "courtesy",
        "patient",
        "posted",
    )
    assert _balance(charging, "P000002")["owed_by"] == {"patient": "50.00"}
    assert charging.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'adjustment'") == 1
    r = charging.ok("adjust", "--reverse", str(adj["id"]), "--note", "entered in error")
    assert r.stdout.strip() == str(adj["id"])
    assert _balance(charging, "P000002")["owed_by"] == {"patient": "60.00"}
    r = charging.fails(3, "adjust", "--reverse", str(adj["id"]))
    assert "already reversed" in r.stderr
    charging.fails(3, "adjust", "--reverse", "999")
    charging.fails(3, "adjust", "--reverse", str(adj["id"]), "--charge", str(cid))
    charging.ok("ledger", "check")


def test_refund_never_more_than_the_credit(charging: Cli) -> None:
    _pay(charging, "P000002", "100", "--kind", "prepayment")
    assert _balance(charging, "P000002")["credit"] == "100.00"
    r = charging.fails(
        3, "refund", "add", "--patient", "P000002", "--amount", "150", "--method", "eft"
    )
    assert "credit of 100.00" in r.stderr and "50.00 more" in r.stderr
    charging.fails(
        3, "refund", "add", "--patient", "P000002", "--amount", "30", "--method", "check"
    )
    charging.fails(3, "refund", "add", "--patient", "P000002", "--amount", "30", "--method", "cash")
    charging.fails(3, "refund", "add", "--patient", "P999999", "--amount", "30", "--method", "eft")
    charging.fails(3, "refund", "add", "--patient", "P000001", "--amount", "1", "--method", "eft")
    rid = charging.ok(
        "refund",
        "add",
        "--patient",
        "P000002",
        "--amount",
        "30",
        "--method",
        "check",
        "--reference",
        "1042",
        "--reason",
        "overpaid",
    ).stdout.strip()
    assert charging.db.scalar("SELECT reference FROM refund WHERE id = :i", i=int(rid)) == "1042"
    b = _balance(charging, "P000002")
    assert (b["credit"], b["refunds"], b["patient_paid"], b["balance"]) == (
        "70.00",
        "30.00",
        "100.00",
        "-70.00",
    )
    assert [c["credit"] for c in charging.json("credit", "list")] == ["70.00"]
    assert charging.json("credit", "list", "--older-than", "1") == []
    charging.fails(3, "credit", "list", "--older-than", "-1")
    charging.ok("ledger", "check")


def test_credit_list_flags_the_medicare_sixty_day_rule(charging: Cli) -> None:
    charging.ok("coverage", "add", "P000002", "--payer", "BCN02", "--member-id", "1EG4TE5MK73")
    _pay(
        charging,
        "P000002",
        "20",
        "--kind",
        "prepayment",
        "--date",
        (TODAY - dt.timedelta(days=61)).isoformat(),
    )
    rows = charging.json("credit", "list", "--format", "json")
    assert [(r["account"], r["age"], r["medicare_medicaid"], r["overdue"]) for r in rows] == [
        ("P000002", 61, True, True)
    ]
    assert rows[0]["refund_by"] == (TODAY - dt.timedelta(days=1)).isoformat()
    out = charging.ok("credit", "list", "--format", "csv").stdout.splitlines()
    assert out[0] == "account,credit,since,age,medicare_medicaid,refund_by,overdue"


def test_period_close_refuses_entries_dated_in_it(charging: Cli) -> None:
    from medbill_cli.errors import InputError
    from medbill_cli.services import ledger

    cid = _charge(charging, "P000002", date="yesterday")
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    pid = charging.json("period", "close", "--through", yesterday)
    assert isinstance(pid, dict) and pid["through"] == yesterday
    assert [p["through"] for p in charging.json("period", "list")] == [yesterday]
    assert charging.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'period'") == 1
    charging.fails(3, "period", "close", "--through", yesterday)
    charging.fails(3, "period", "close", "--through", (TODAY - dt.timedelta(days=5)).isoformat())
    charging.fails(3, "period", "close", "--through", (TODAY + dt.timedelta(days=1)).isoformat())
    r = charging.fails(
        3,
        "adjust",
        "--charge",
        str(cid),
        "--amount",
        "5",
        "--reason",
        "courtesy",
        "--date",
        yesterday,
    )
    assert "closed through" in r.stderr
    _pay(charging, "P000002", "10", "--kind", "prepayment")
    charging.fails(
        3,
        "refund",
        "add",
        "--patient",
        "P000002",
        "--amount",
        "5",
        "--method",
        "eft",
        "--date",
        yesterday,
    )
    with connection(charging.db) as c:
        try:
            ledger.post_patient_payment(
                session=c,
                user="t",
                payment={
                    "id": 99,
                    "patient_id": 2,
                    "amount_cents": 100,
                    "date": TODAY - dt.timedelta(days=1),
                    "claim_id": None,
                    "encounter_id": None,
                },
            )
        except InputError as exc:
            assert "closed through" in str(exc)
        else:
            raise AssertionError("an entry dated in a closed period was accepted")
    # A correction after the close posts in the open period, today.
    charging.ok("adjust", "--charge", str(cid), "--amount", "5", "--reason", "courtesy")
    shown = charging.json("ledger", "show", "P000002", "--charge", str(cid))
    assert shown[-1]["date"] == TODAY.isoformat() and shown[0]["date"] == yesterday
    charging.ok("ledger", "check")


def _refused_by_trigger(cli: Cli, sql: str, **params: object) -> None:
    """The database itself refuses to change or remove a ledger entry (migration 0009)."""
    import pytest
    from sqlalchemy.exc import DatabaseError

    before = cli.db.scalar("SELECT count(*) || ':' || sum(amount_cents) FROM ledger_entry")
    with pytest.raises(DatabaseError, match="append-only"):
        cli.db.execute(sql, **params)
    assert cli.db.scalar("SELECT count(*) || ':' || sum(amount_cents) FROM ledger_entry") == before


def _tamper(cli: Cli, sql: str, **params: object) -> None:
    """Edit ledger_entry as someone who owns the database could: past the triggers (first
    checking that they refuse the edit), which ``ledger check`` must still catch."""
    _refused_by_trigger(cli, sql, **params)
    if cli.db.kind == "postgresql":
        cli.db.execute("ALTER TABLE ledger_entry DISABLE TRIGGER USER")
        cli.db.execute(sql, **params)
        cli.db.execute("ALTER TABLE ledger_entry ENABLE TRIGGER USER")
        return
    names = ("ledger_entry_no_update", "ledger_entry_no_delete")
    ddl = [str(cli.db.scalar("SELECT sql FROM sqlite_master WHERE name = :n", n=n)) for n in names]
    for n in names:
        cli.db.execute(f"DROP TRIGGER {n}")
    cli.db.execute(sql, **params)
    for d in ddl:
        cli.db.execute(d)


def test_ledger_entries_cannot_be_changed_in_the_database(charging: Cli) -> None:
    _charge(charging, "P000002")
    _pay(charging, "P000002", "40")
    _refused_by_trigger(charging, "UPDATE ledger_entry SET amount_cents = 0")
    _refused_by_trigger(charging, "UPDATE ledger_entry SET kind = 'reversal' WHERE id = 1")
    _refused_by_trigger(charging, "DELETE FROM ledger_entry")
    if charging.db.kind == "postgresql":
        _refused_by_trigger(charging, "TRUNCATE ledger_entry")
    # Appending is what the ledger does, and goes on working.
    _pay(charging, "P000002", "10")
    charging.ok("ledger", "check")


def test_ledger_check_names_an_entry_edited_in_the_database(charging: Cli) -> None:
    cid = _charge(charging, "P000002")
    _pay(charging, "P000002", "40")
    charging.ok("ledger", "check")
    eid = charging.db.scalar("SELECT id FROM ledger_entry WHERE kind = 'patient_payment'")
    _tamper(charging, "UPDATE ledger_entry SET amount_cents = amount_cents + 100 WHERE id = :i",
            i=eid)
    r = charging(*["ledger", "check"])
    assert r.exit_code == 1, r.output
    assert f"first: entry {eid} charge {cid}: payment 1" in r.stderr
    assert "expected -40.00" in r.stderr and "Traceback" not in r.output
    rows = charging.json_fail("ledger", "check") if hasattr(charging, "json_fail") else None
    assert rows is None
    r = charging("ledger", "check", "--format", "json")
    assert r.exit_code == 1 and '"check": "source"' in r.stdout


def test_ledger_check_finds_a_charge_entry_edited_or_deleted(charging: Cli) -> None:
    cid = _charge(charging, "P000002")
    _tamper(charging, "UPDATE ledger_entry SET party = 'primary' WHERE charge_id = :c", c=cid)
    r = charging("ledger", "check")
    assert r.exit_code == 1 and "malformed entry" in r.stderr
    _tamper(charging, "DELETE FROM ledger_entry")
    r = charging("ledger", "check")
    assert r.exit_code == 1 and f"charge {cid}: entries sum to 0.00, expected 100.00" in r.stderr


def test_ledger_show_filters_and_refusals(charging: Cli) -> None:
    a = _charge(charging, "P000002")
    b = _charge(charging, "P000002", "50")
    assert [
        r["charge"] for r in charging.json("ledger", "show", "P000002", "--charge", str(b))
    ] == [b]
    assert len(charging.json("ledger", "show", "P000002")) == 2 and a != b
    assert charging.json("ledger", "show", "P000001") == []
    charging.fails(3, "ledger", "show", "P999999")
    charging.fails(3, "ledger", "show", "P000002", "--claim", "999")
    charging.fails(3, "ar", "aging", "--by", "provider")
    charging.fails(3, "ar", "aging", "--basis", "posting")
    charging.fails(3, "patient", "balance", "P999999")
    csv = charging.ok("ledger", "show", "P000002", "--format", "csv").stdout.splitlines()
    assert csv[0] == "id,date,charge,claim,party,kind,amount,balance,source,user"
