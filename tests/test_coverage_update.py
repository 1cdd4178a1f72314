"""coverage update: a coverage's data fixed (a member id a payer rejected), each value checked
as coverage add checks it, audited before/after with the reason; every refusal changes nothing."""

from __future__ import annotations

import json
from typing import Any

from conftest import Cli


def _patient(cli: Cli) -> None:
    cli.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob", "1980-02-03",
           "--sex", "F", "--address", "1 Elm St", "--city", "Albany", "--state", "NY",
           "--zip", "12208")


def _self_coverage(cli: Cli) -> int:
    _patient(cli)
    rec = cli.json("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "XJ1234",
                   "--group", "G100")
    assert isinstance(rec, dict)
    return int(rec["id"])


def _audit(cli: Cli) -> list[dict[str, Any]]:
    from sqlalchemy import text

    eng = cli.db.engine()
    try:
        with eng.connect() as c:
            rows = c.execute(text("SELECT entity_id, before, after FROM audit_log "
                                  "WHERE action = 'update' AND entity = 'coverage' "
                                  "ORDER BY id")).all()
    finally:
        eng.dispose()
    return [{"id": str(r.entity_id), "before": json.loads(r.before),
             "after": json.loads(r.after)} for r in rows]


def test_update_member_id_group_payer_copay_audited(practice: Cli) -> None:
    cov = _self_coverage(practice)
    rec = practice.json("coverage", "update", str(cov), "--member-id", "xj9999",
                        "--group", "g200", "--payer", "BCN02", "--copay", "25",
                        "--reason", "277CA A7:164 invalid member id")
    assert isinstance(rec, dict)
    assert rec["member_id"] == "XJ9999" and rec["group"] == "G200"
    assert rec["payer_id"] == "BCN02" and rec["copay"] == "25.00"
    listed = practice.json("coverage", "list", "P000001")
    assert isinstance(listed, list) and len(listed) == 1
    assert listed[0]["member_id"] == "XJ9999" and listed[0]["payer_id"] == "BCN02"
    rows = _audit(practice)
    assert len(rows) == 1 and rows[0]["id"] == str(cov)
    before, after = rows[0]["before"], rows[0]["after"]
    assert before["member_id"] == "XJ1234" and after["member_id"] == "XJ9999"
    assert before["group_number"] == "G100" and after["group_number"] == "G200"
    assert before["copay_cents"] is None and after["copay_cents"] == 2500
    assert before["payer_id"] != after["payer_id"]
    assert after["reason"] == "277CA A7:164 invalid member id"


def test_update_subscriber_of_a_dependent_coverage(practice: Cli) -> None:
    _patient(practice)
    rec = practice.json("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "XJ1",
                        "--relationship", "spouse", "--subscriber-first-name", "John",
                        "--subscriber-last-name", "Doe", "--subscriber-dob", "1979-01-01",
                        "--subscriber-sex", "M")
    assert isinstance(rec, dict)
    out = practice.json("coverage", "update", str(rec["id"]), "--subscriber-first-name", "Jon",
                        "--subscriber-dob", "1978-12-31", "--reason", "card re-read")
    assert isinstance(out, dict)
    assert out["subscriber_first_name"] == "Jon" and out["subscriber_last_name"] == "Doe"
    assert str(out["subscriber_dob"]) == "1978-12-31" and out["subscriber_sex"] == "M"
    rows = _audit(practice)
    assert rows[0]["before"]["subscriber_first_name"] == "John"
    assert rows[0]["after"]["subscriber_first_name"] == "Jon"
    practice.fails(3, "coverage", "update", str(rec["id"]), "--subscriber-sex", "Q",
                   "--reason", "x")
    practice.fails(3, "coverage", "update", str(rec["id"]), "--subscriber-dob", "2999-01-01",
                   "--reason", "x")
    practice.fails(3, "coverage", "update", str(rec["id"]), "--subscriber-last-name", "",
                   "--reason", "x")


def test_refusals_exit_3_one_line_nothing_written(practice: Cli) -> None:
    cov = str(_self_coverage(practice))
    refused = [
        ("coverage", "update", cov, "--reason", "nothing given"),
        ("coverage", "update", "999", "--member-id", "XJ5", "--reason", "unknown"),
        ("coverage", "update", cov, "--member-id", "XJ5"),  # no --reason: a usage error
        ("coverage", "update", cov, "--member-id", "XJ5", "--reason", "  "),
        ("coverage", "update", cov, "--member-id", "X", "--reason", "too short"),
        ("coverage", "update", cov, "--member-id", "XJ*5", "--reason", "x12 delimiter"),
        ("coverage", "update", cov, "--member-id", "", "--reason", "empty"),
        ("coverage", "update", cov, "--group", "G" * 51, "--reason", "too long"),
        ("coverage", "update", cov, "--payer", "NOPE9", "--reason", "unknown payer"),
        ("coverage", "update", cov, "--copay", "-5", "--reason", "negative"),
        ("coverage", "update", cov, "--copay", "abc", "--reason", "not money"),
        ("coverage", "update", cov, "--subscriber-first-name", "Jo", "--reason", "self"),
        ("coverage", "update", cov, "--member-id", "xj1234", "--reason", "same value"),
    ]
    for args in refused:
        code = 2 if "--reason" not in args else 3
        r = practice.fails(code, *args)
        if code == 3:
            lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
            assert len(lines) == 1, (args, r.stderr)
    listed = practice.json("coverage", "list", "P000001")
    assert isinstance(listed, list) and listed[0]["member_id"] == "XJ1234"
    assert _audit(practice) == []
