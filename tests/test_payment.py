"""payment add / list / receipt: money at the desk, linked to the visit."""

from __future__ import annotations

import datetime as dt

from charge_support import charging, close_day  # noqa: F401
from conftest import Cli

NPI = "1987654328"


def _visit(cli: Cli, patient: str = "P000001") -> int:
    return int(
        cli.ok(
            "encounter", "add", "--patient", patient, "--date", "today", "--provider", NPI
        ).stdout
    )


def test_payment_add_check_exact_cents_linked_to_encounter(charging: Cli) -> None:
    eid = _visit(charging)
    r = charging.ok("payment", "add", "--patient", "P000001", "--amount", "$1,250.00", "--method",
                    "check", "--reference", "1001")
    pid = int(r.stdout.strip())
    assert charging.db.scalar("SELECT amount_cents FROM payment WHERE id = :i", i=pid) == 125000
    assert charging.db.scalar("SELECT encounter_id FROM payment WHERE id = :i", i=pid) == eid
    rows = charging.json("payment", "list", "--date", "today")
    assert rows == [
        {
            **rows[0],  # type: ignore[index]
            "id": pid,
            "amount": "1250.00",
            "method": "check",
            "reference": "1001",
            "encounter": eid,
            "kind": "copay",
            "patient": "P000001",
            "status": "posted",
        }
    ]


def test_payment_add_kinds_methods_and_explicit_encounter(charging: Cli) -> None:
    eid = _visit(charging)
    _visit(charging, "P000002")
    charging.ok("payment", "add", "--patient", "P000001", "--amount", "20", "--method", "card",
                "--kind", "coinsurance", "--encounter", str(eid))
    r = charging.ok("payment", "add", "--patient", "P000002", "--amount", "100", "--method", "cash",
                    "--kind", "prepayment", "--date", "yesterday")
    assert r.stderr == ""  # a prepayment needs no visit yet
    r = charging.ok("payment", "add", "--patient", "P000001", "--amount", "5", "--method", "eft",
                    "--reference", "TRN1", "--date", "yesterday")
    assert "no encounter" in r.stderr
    rows = charging.json("payment", "list", "--patient", "P000001")
    assert [(p["kind"], p["method"], p["amount"]) for p in rows] == [  # type: ignore[union-attr]
        ("copay", "eft", "5.00"), ("coinsurance", "card", "20.00")]


def test_payment_add_refused(charging: Cli) -> None:
    eid = _visit(charging, "P000002")
    base = ("payment", "add", "--patient", "P000001")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    for args, needle in [
        (("--amount", "1e3", "--method", "cash"), "is not an amount"),
        (("--amount", "NaN", "--method", "cash"), "is not an amount"),
        (("--amount", "-0", "--method", "cash"), "is not an amount"),
        (("--amount", "10.001", "--method", "cash"), "is not an amount"),
        (("--amount", "0", "--method", "cash"), "more than 0.00"),
        (("--amount", "10", "--method", "bitcoin"), "must be one of"),
        (("--amount", "10", "--method", "check"), "check number"),
        (("--amount", "10", "--method", "cash", "--kind", "tip"), "must be one of"),
        (("--amount", "10", "--method", "cash", "--date", tomorrow), "in the future"),
        (("--amount", "10", "--method", "cash", "--encounter", str(eid)), "is not P000001's"),
        (("--amount", "10", "--method", "cash", "--encounter", "999"), "No encounter 999"),
    ]:
        r = charging.fails(3, *base, *args)
        assert needle in r.stderr, (args, r.stderr)
    r = charging.fails(
        3, "payment", "add", "--patient", "P000404", "--amount", "10", "--method", "cash"
    )
    assert "No patient" in r.stderr
    close_day(charging, dt.date.today())
    r = charging.fails(3, *base, "--amount", "10", "--method", "cash")
    assert "is closed" in r.stderr


def test_payment_receipt_plain_text(charging: Cli) -> None:
    _visit(charging)
    pid = charging.ok("payment", "add", "--patient", "P000001", "--amount", "1250", "--method",
                      "check", "--reference", "1001").stdout.strip()
    text = charging.ok("payment", "receipt", pid).stdout
    assert "Main Street Family Medicine" in text and "RECEIPT" in text
    assert "$1,250.00" in text and "Check #1001" in text and "P000001" in text
    assert "\x1b[" not in text
    r = charging.fails(3, "payment", "receipt", "999")
    assert "No payment 999" in r.stderr


def test_payment_list_empty_and_csv(charging: Cli) -> None:
    assert charging.json("payment", "list") == []
    _visit(charging)
    charging.ok("payment", "add", "--patient", "P000001", "--amount", "25", "--method", "cash")
    lines = charging.ok("payment", "list", "--format", "csv").stdout.splitlines()
    assert lines[0].startswith("id,patient,account,date,amount") and ",25.00,cash," in lines[1]


def test_payment_reverse_keeps_row_and_fixes_an_overpayment(charging: Cli) -> None:
    eid = _visit(charging)
    pid = int(charging.ok("payment", "add", "--patient", "P000001", "--amount", "40", "--method",
                          "cash").stdout)
    charging.fails(3, "payment", "reverse", str(pid), "--reason", "  ")
    charging.fails(3, "payment", "reverse", "9999", "--reason", "typo")
    rec = charging.json("payment", "reverse", str(pid), "--reason", "entered 40 for 25")
    assert rec["status"] == "reversed"
    assert charging.db.count("payment") == 1  # nothing deleted
    charging.fails(3, "payment", "reverse", str(pid), "--reason", "again")
    charging.ok("payment", "add", "--patient", "P000001", "--amount", "25", "--method", "cash",
                "--encounter", str(eid))
    entries = charging.json("audit", "list", "--entity", "payment", "--id", str(pid))
    assert [e["action"] for e in entries] == ["create", "reverse"]
    assert entries[1]["before"]["status"] == "posted"
    assert entries[1]["after"]["reversed_reason"] == "entered 40 for 25"
    # Reversed money no longer counts at close of day.
    import json

    r = charging("reconcile", "--date", "today", "--format", "json")
    assert r.exit_code == 1  # the visit has no charge yet
    assert json.loads(r.stdout)["posted_payments"] == "25.00"


def test_payment_reverse_refuses_a_bad_reason_and_writes_nothing(charging: Cli) -> None:
    _visit(charging)
    pid = charging.ok(
        "payment", "add", "--patient", "P000001", "--amount", "40", "--method", "cash"
    ).stdout.strip()
    before = charging.db.counts()
    for reason, message in (
        ("bounced\tcheck", "control character"),
        ("x" * 201, "longer than 200"),
    ):
        r = charging.fails(3, "payment", "reverse", pid, "--reason", reason)
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert charging.db.counts() == before
    # A colon was refused as an X12 delimiter, but a reason never goes into X12.
    rec = charging.json("payment", "reverse", pid, "--reason", "refund: overpaid copay")
    assert rec["status"] == "reversed" and rec["reversed_reason"] == "refund: overpaid copay"


def test_payment_reverse_refused_on_closed_day(charging: Cli) -> None:
    _visit(charging)
    pid = charging.ok("payment", "add", "--patient", "P000001", "--amount", "40", "--method",
                      "cash").stdout.strip()
    close_day(charging, dt.date.today())
    r = charging.fails(3, "payment", "reverse", pid, "--reason", "typo")
    assert "closed" in r.stderr
