"""The audit trail: every write recorded with who and before/after; tampering is detected."""

from __future__ import annotations

import json

from conftest import Cli


def _register(cli: Cli) -> None:
    cli.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob", "1980-04-02",
           "--sex", "F")
    cli.ok("patient", "update", "P000001", "--city", "Troy")
    cli.ok("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "M1")


def test_audit_list_shows_user_and_before_after(practice: Cli) -> None:
    _register(practice)
    rows = practice.json("audit", "list")
    assert [(r["entity"], r["action"]) for r in rows] == [
        ("practice", "create"), ("provider", "create"), ("payer", "create"), ("payer", "create"),
        ("patient", "create"), ("patient", "update"), ("coverage", "create"),
    ]
    assert {r["user"] for r in rows} == {"tester"}
    upd = rows[5]
    assert upd["before"]["city"] is None and upd["after"]["city"] == "Troy"
    assert rows[4]["before"] is None and rows[4]["after"]["account"] == "P000001"


def test_audit_user_from_flag_wins_over_env(practice: Cli) -> None:
    practice.ok("--user", "maria", "patient", "add", "--first-name", "A", "--last-name", "B",
                "--dob", "1990-01-01", "--sex", "M")
    assert practice.json("audit", "list", "--entity", "patient")[0]["user"] == "maria"


def test_audit_verify_passes_then_fails_after_edit(practice: Cli) -> None:
    _register(practice)
    r = practice.ok("audit", "verify")
    assert "intact: 7 entries" in r.stderr
    practice.db.execute("UPDATE audit_log SET after = :a WHERE id = 6",
                        a=json.dumps({"city": "Albany"}))
    r = practice("audit", "verify")
    assert r.exit_code == 1
    assert "Audit entry 6" in r.stderr and "altered" in r.stderr


def test_audit_verify_detects_removed_row(practice: Cli) -> None:
    _register(practice)
    practice.db.execute("DELETE FROM audit_log WHERE id = 3")
    r = practice("audit", "verify")
    assert r.exit_code == 1 and "Audit entry 4" in r.stderr and "removed" in r.stderr


def test_audit_verify_detects_removed_last_row(practice: Cli) -> None:
    _register(practice)
    practice.db.execute("DELETE FROM audit_log WHERE id = 7")
    r = practice("audit", "verify")
    assert r.exit_code == 1 and "removed" in r.stderr


def test_audit_refused_write_leaves_no_entry(practice: Cli) -> None:
    n = practice.db.count("audit_log")
    practice.fails(
        3, "provider", "add", "--npi", "1234567890", "--first-name", "A", "--last-name", "B"
    )
    assert practice.db.count("audit_log") == n
