"""worklist: held, rejected, no-response, timely-filing, denied, credit, unbilled; exit 1 when
anything is found, 0 when clear; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ack_support import export_claims, write
from claim_support import Svc, add_coverage, add_patient, add_visit, load_codes
from conftest import Cli
from era_support import ClaimSpec, Line, build_835

TODAY = dt.date.today().strftime("%Y%m%d")


def _age_submission(cli: Cli, claim_id: int, days: int) -> None:
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=days)
    cli.db.execute("UPDATE claim SET submitted_at = :w WHERE id = :i", w=when, i=claim_id)


def test_worklist_no_response_until_the_835(practice: Cli, tmp_path: Path) -> None:
    export_claims(practice, tmp_path, 2)
    _age_submission(practice, 1, 31)
    _age_submission(practice, 2, 5)
    r = practice("worklist", "no-response", "--days", "30", "--format", "json")
    assert r.exit_code == 1, r.output
    (item,) = json.loads(r.stdout)
    assert item["record"] == "claim 1" and item["age_days"] == 31
    assert "no 835 after 31 days" in item["reason"] and "status-request 1" in item["action"]
    pcn = str(practice.db.scalar("SELECT pcn FROM claim WHERE id = 1"))
    era = write(tmp_path, "pay.835", build_835([ClaimSpec(pcn, "1", "125", "100", lines=[
        Line("99213", "125", "100", [("CO", "45", "25")], date=TODAY)])]))
    practice.ok("era", "import", str(era))
    r = practice("worklist", "no-response", "--days", "30")
    assert r.exit_code == 0, r.output
    assert "Nothing to follow up" in r.stderr
    # The default is 30 days; the younger claim shows with a shorter threshold.
    r = practice("worklist", "no-response", "--days", "5", "--format", "csv")
    assert r.exit_code == 1 and r.stdout.splitlines()[1].startswith("no-response,claim 2,")


def test_worklist_held_unbilled_and_timely_filing(practice: Cli, tmp_path: Path) -> None:
    load_codes(practice)
    a = add_patient(practice, "Hal", "Held")
    add_coverage(practice, a)
    add_visit(practice, a, ["E11"], [Svc("99213")])  # E11 is a header code: the scrub holds it
    practice.ok("claim", "generate")
    assert practice("claim", "scrub").exit_code == 1
    b = add_patient(practice, "Una", "Billed")
    add_coverage(practice, b)
    old = dt.date.today() - dt.timedelta(days=350)
    add_visit(practice, b, ["I10"], [Svc("99213", 9000)], dos=old)
    c = add_patient(practice, "Sal", "Self")
    ten_days = dt.date.today() - dt.timedelta(days=10)
    add_visit(practice, c, ["I10"], [Svc("99212", 7000)], dos=ten_days)
    items = json.loads(practice("worklist", "--format", "json").stdout)
    kinds = {(i["kind"], i["record"]) for i in items}
    assert ("held", "claim 1") in kinds
    held = next(i for i in items if i["kind"] == "held")
    assert "E11" in held["reason"] and "claim scrub 1" in held["action"]
    unbilled = [i for i in items if i["kind"] == "unbilled"]
    assert {i["patient"] for i in unbilled} == {b, c}
    assert any("no primary coverage" in i["reason"] for i in unbilled)
    (tf,) = [i for i in items if i["kind"] == "timely-filing"]
    assert tf["patient"] == b and "15 days left of the payer's 365-day filing limit" in tf["reason"]
    practice.db.execute("UPDATE payer SET timely_filing_days = 90")
    tf = [i for i in json.loads(practice("worklist", "timely-filing", "--format", "json").stdout)]
    assert "past the payer's 90-day filing limit by 260 days" in tf[0]["reason"]
    assert "Appeal" in tf[0]["action"]
    # Only the kinds asked for, and each kind's own threshold.
    r = practice("worklist", "unbilled", "--days", "100", "--format", "json")
    assert [i["patient"] for i in json.loads(r.stdout)] == [b]


def test_worklist_denied_and_credit(practice: Cli, tmp_path: Path) -> None:
    export_claims(practice, tmp_path, 1)
    pcn = str(practice.db.scalar("SELECT pcn FROM claim WHERE id = 1"))
    era = write(tmp_path, "deny.835", build_835([ClaimSpec(pcn, "4", "125", "0", lines=[
        Line("99213", "125", "0", [("CO", "50", "125")], date=TODAY)])]))
    practice.ok("era", "import", str(era))
    acct = str(practice.db.scalar("SELECT account FROM patient WHERE id = 1"))
    practice.ok("payment", "add", "--patient", acct, "--amount", "40", "--method", "cash")
    items = json.loads(practice("worklist", "denied", "credit", "--format", "json").stdout)
    denied = [i for i in items if i["kind"] == "denied"]
    assert len(denied) == 1 and denied[0]["reason"].startswith("CO-50")
    assert "denial work" in denied[0]["action"]
    # The 40.00 waits while the payer holds the denied 125.00: it is not a refund yet.
    assert [i for i in items if i["kind"] == "credit"] == []
    assert [c["account"] for c in practice.json("credit", "list")] == [acct]  # type: ignore[index]
    # The denial moves to the patient, who now owes 85.00 after the credit; a check for
    # 100.00 then overpays by 15.00, which is a credit to refund.
    practice.ok("denial", "transfer", str(denied[0]["record"]).removeprefix("denial "), "--to",
                "patient")
    practice.ok("payment", "add", "--patient", acct, "--amount", "100", "--method", "check",
                "--reference", "1001")
    items = json.loads(practice("worklist", "credit", "--format", "json").stdout)
    assert [(c["patient"], c["amount"]) for c in items] == [(acct, "15.00")]


def test_worklist_clear_and_refusals(practice: Cli) -> None:
    r = practice("worklist")
    assert r.exit_code == 0 and r.stdout == "" and "Nothing to follow up" in r.stderr
    assert practice("worklist", "--format", "json").stdout.strip() == "[]"
    r = practice.fails(3, "worklist", "nope")
    assert "Unknown worklist kind 'nope'" in r.stderr and "no-response" in r.stderr
    practice.fails(3, "worklist", "--days", "-1")


def test_worklist_registry_takes_a_new_kind() -> None:
    from medbill_cli.services import worklist as w

    kind = w.Kind("coverage", 0, "coverage to verify", lambda s, d, t: [])
    try:
        w.register(kind)
        assert w.KINDS["coverage"] is kind
    finally:
        w.KINDS.pop("coverage")
    assert list(w.KINDS) == ["held", "rejected", "no-response", "timely-filing", "denied",
                             "credit", "unbilled", "eligibility"]
