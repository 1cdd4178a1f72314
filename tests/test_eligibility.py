"""eligibility request / import / show, on SQLite and PostgreSQL, driven as a biller would."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from pathlib import Path

import pytest
from claim_support import Svc, add_visit
from conftest import Cli

DATA = Path(__file__).parent / "data" / "eligibility"
DOS = "2026-12-03"


def normalized(text: str) -> str:
    """The interchange's own date and time replaced by the golden files' (2026-12-02 08:00)."""
    text = re.sub(r"^(ISA(?:\*[^*]*){8})\*\d{6}\*\d{4}", r"\1*261202*0800", text, flags=re.M)
    text = re.sub(r"^(GS(?:\*[^*]*){3})\*\d{8}\*\d{4}", r"\1*20261202*0800", text, flags=re.M)
    return re.sub(r"^(BHT\*0022\*13\*[^*]*)\*\d{8}\*\d{4}", r"\1*20261202*0800", text, flags=re.M)


@pytest.fixture
def office(practice: Cli) -> Cli:
    """The practice with EDI ids, Jane (her own coverage) and Tim (covered as Mary's child)."""
    cli = practice
    cli.ok("practice", "set", "--name", "Main Street Family Medicine", "--npi", "1234567893",
           "--tin", "12-3456789", "--address", "100 Main St", "--city", "Albany", "--state", "NY",
           "--zip", "12207-1234", "--submitter-id", "MAINST01", "--receiver-id", "CLEARHOUSE")
    cli.ok("patient", "add", "--first-name", "Jane", "--middle-name", "Q", "--last-name", "Doe",
           "--dob", "1980-04-02", "--sex", "F")
    cli.ok("patient", "add", "--first-name", "Tim", "--last-name", "Roe", "--dob", "2015-06-01",
           "--sex", "M")
    cli.ok("patient", "add", "--first-name", "Sam", "--last-name", "Self", "--dob", "1990-01-01",
           "--sex", "M")
    cli.ok("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "XJ123456789",
           "--copay", "10")
    cli.ok("coverage", "add", "P000002", "--payer", "ACME1", "--member-id", "SUB998877",
           "--relationship", "child", "--subscriber-first-name", "Mary", "--subscriber-last-name",
           "Roe", "--subscriber-dob", "1982-05-01", "--subscriber-sex", "F")
    # The 837P export's interchange counter: the 270 takes the next number from the same row.
    cli.db.execute("INSERT INTO setting (key, value) VALUES ('x12.control_number', '6')")
    return cli


def test_eligibility_request_subscriber_matches_golden(office: Cli, tmp_path: Path) -> None:
    out = tmp_path / "jane.270"
    r = office.ok("eligibility", "request", "P000001", "--date", DOS, "--output", str(out))
    assert "7-1" in r.stdout and "subscriber" in r.stdout
    assert normalized(out.read_text()) == (DATA / "270_subscriber.x12").read_text()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert office.db.scalar("SELECT value FROM setting WHERE key = 'x12.control_number'") == "7"
    assert office.db.scalar("SELECT trace FROM eligibility_request") == "7-1"
    assert office.db.scalar(
        "SELECT count(*) FROM audit_log WHERE entity = 'eligibility_request'") == 1


def test_eligibility_request_dependent_matches_golden(office: Cli, tmp_path: Path) -> None:
    out = tmp_path / "tim.270"
    r = office.ok("eligibility", "request", "P000002", "--date", DOS, "--service-type", "30",
                  "--service-type", "98", "--output", str(out))
    assert "dependent" in r.stdout
    assert normalized(out.read_text()) == (DATA / "270_dependent.x12").read_text()
    assert office.db.scalar("SELECT dependent FROM eligibility_request") in (True, 1)


def test_eligibility_request_traces_are_unique_across_files(office: Cli, tmp_path: Path) -> None:
    a = office.json("eligibility", "request", "P000001", "P000002", "--date", DOS,
                    "--output", str(tmp_path / "a.270"))
    b = office.json("eligibility", "request", "P000001", "--date", DOS,
                    "--output", str(tmp_path / "b.270"))
    traces = [x["trace"] for x in a + b]  # type: ignore[operator]
    assert len(set(traces)) == 3
    assert office.db.count("eligibility_request") == 3


def test_eligibility_request_tomorrow_asks_about_the_schedule(office: Cli, tmp_path: Path) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    add_visit(office, "P000001", ["I10"], [Svc("99213")], dos=tomorrow)
    add_visit(office, "P000003", ["I10"], [Svc("99213")], dos=tomorrow)  # self-pay: skipped
    out = tmp_path / "t.270"
    r = office.ok("eligibility", "request", "--date", "tomorrow", "--output", str(out),
                  "--format", "json")
    rows = json.loads(r.stdout)
    assert [x["account"] for x in rows] == ["P000001"]
    assert rows[0]["date"] == tomorrow.isoformat()
    assert "P000003 has no coverage" in r.stderr
    assert f"DTP*291*D8*{tomorrow:%Y%m%d}~" in out.read_text()


def test_eligibility_request_refusals_write_nothing(office: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.270"
    r = office.fails(3, "eligibility", "request", "P000003", "--date", DOS, "--output", str(out))
    assert "P000003 has no coverage in force" in r.stderr
    office.fails(3, "eligibility", "request", "P000009", "--output", str(out))
    office.fails(3, "eligibility", "request", "--date", "2020-01-01", "--output", str(out))
    r = office.fails(3, "eligibility", "request", "P000001", "--date", "next week",
                     "--output", str(out))
    assert "tomorrow" in r.stderr
    office.fails(3, "eligibility", "request", "P000001", "--service-type", "3!",
                 "--output", str(out))
    r = office.fails(4, "eligibility", "request", "P000001", "--output",
                     str(tmp_path / "missing" / "x.270"))  # an unwritable path: environment
    assert "does not exist. Create it first." in r.stderr
    assert list(folder.iterdir()) == []
    assert office.db.scalar("SELECT value FROM setting WHERE key = 'x12.control_number'") == "6"


def _request_both(cli: Cli, tmp_path: Path) -> None:
    cli.db.execute("UPDATE setting SET value = '0' WHERE key = 'x12.control_number'")
    cli.ok("eligibility", "request", "P000001", "P000002", "--date", DOS,
           "--output", str(tmp_path / "q.270"))


def test_eligibility_import_and_show_active_plan(office: Cli, tmp_path: Path) -> None:
    _request_both(office, tmp_path)  # traces 1-1 (Jane) and 1-2 (Tim), as the 271 echoes
    r = office.ok("eligibility", "import", str(DATA / "active.271"))
    assert "2 matched, 0 unmatched" in r.stderr
    jane = office.json("eligibility", "show", "P000001")
    assert isinstance(jane, dict)
    assert jane["status"] == "active" and jane["on_date"] == DOS
    assert jane["plan_name"] == "ACME GOLD PPO"
    assert (jane["plan_begin"], jane["plan_end"]) == ("2026-01-01", "2026-12-31")
    assert jane["copay_in_network"] == "25.00" and jane["copay_out_of_network"] == "60.00"
    assert jane["coinsurance_in_network"] == "20%"
    assert jane["coinsurance_out_of_network"] == "40%"
    assert jane["deductible_in_total"] == "1500.00"
    assert jane["deductible_in_remaining"] == "400.00"
    assert jane["family_deductible_in_total"] == "3000.00"
    assert jane["oop_in_total"] == "6000.00" and jane["oop_in_remaining"] == "5200.00"
    assert jane["other_payers"] == ["STATE MEDICAID (SKNY0) [MC]"]
    assert jane["group_number"] == "G100"
    table = office.ok("eligibility", "show", "P000001").stdout
    for text in ("active", "ACME GOLD PPO", "25.00", "1500.00", "400.00", "STATE MEDICAID"):
        assert text in table
    tim = office.json("eligibility", "show", "P000002")
    assert isinstance(tim, dict)
    assert tim["status"] == "inactive" and tim["plan_end"] == "2026-11-30"
    csv_out = office.ok("eligibility", "show", "P000001", "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("account,")
    assert "1500.00" in csv_out


def test_eligibility_show_rejection_in_words(office: Cli, tmp_path: Path) -> None:
    _request_both(office, tmp_path)
    office.ok("eligibility", "import", str(DATA / "rejected.271"))
    out = office.ok("eligibility", "show", "P000001").stdout
    assert "rejected" in out
    assert "AAA 72: the member id is missing or not valid" in out
    rec = office.json("eligibility", "show", "P000001")
    assert isinstance(rec, dict)
    assert rec["rejections"][0]["code"] == "72"
    assert rec["rejections"][0]["follow_up"] == "correct the request and send it again"


def test_eligibility_show_apply_sets_copay_audited(office: Cli, tmp_path: Path) -> None:
    _request_both(office, tmp_path)
    office.ok("eligibility", "import", str(DATA / "active.271"))
    r = office.ok("eligibility", "show", "P000001", "--apply")
    assert "Coverage copay set to 25.00" in r.stderr
    assert office.db.scalar("SELECT copay_cents FROM coverage WHERE patient_id = 1") == 2500
    assert office.db.scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'apply-eligibility'") == 1
    office.ok("audit", "verify")
    # Tim's answer is inactive and gives no copay: nothing to apply, nothing written.
    office.fails(3, "eligibility", "show", "P000002", "--apply")


def test_eligibility_import_unmatched_kept_and_listed(office: Cli, tmp_path: Path) -> None:
    # No request was sent: Jane is matched by member id and name; Tim's answer carries only
    # the subscriber's member id with his own name, which also matches; a stranger does not.
    text = (DATA / "active.271").read_text().replace("NM1*03*1*ROE*TIM", "NM1*03*1*ROE*TOM")
    f = tmp_path / "u.271"
    f.write_text(text)
    r = office("eligibility", "import", str(f), "--format", "json")
    assert r.exit_code == 1, r.output
    rows = json.loads(r.stdout)
    by_trace = {x["trace"]: x for x in rows}
    assert by_trace["1-1"]["matched_by"] == "member" and by_trace["1-1"]["account"] == "P000001"
    assert by_trace["1-2"]["matched_by"] is None and by_trace["1-2"]["account"] is None
    assert "1 unmatched" in r.stderr and "unmatched answer: trace 1-2" in r.stderr
    assert office.db.count("eligibility_response") == 2
    assert office.db.scalar(
        "SELECT count(*) FROM eligibility_response WHERE patient_id IS NULL") == 1


def test_eligibility_import_refusals_write_nothing(office: Cli, tmp_path: Path) -> None:
    _request_both(office, tmp_path)
    good = (DATA / "active.271").read_text()
    cases = {
        "not271.x12": good.replace("ST*271*", "ST*835*"),
        "group.x12": good.replace("GS*HB*", "GS*HP*"),
        "cut.x12": good[: good.index("SE*")],
        "count.x12": good.replace("SE*44*", "SE*45*"),
        "ctl.x12": good.replace("IEA*1*000000905", "IEA*1*000000906"),
        "text.x12": "patient,date\nP000001,2026-12-03\n",
    }
    for name, text in cases.items():
        f = tmp_path / name
        f.write_text(text)
        r = office.fails(3, "eligibility", "import", str(f))
        assert "is not a readable 271" in r.stderr, (name, r.stderr)
        assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) == 1
    office.ok("eligibility", "import", str(DATA / "active.271"))
    r = office.fails(3, "eligibility", "import", str(DATA / "active.271"))
    assert "already imported" in r.stderr
    office.fails(3, "eligibility", "show", "P000003")
    r = office("eligibility", "import", str(tmp_path / "nope.271"))
    assert r.exit_code == 4


def test_eligibility_worklist_lists_missing_and_inactive(office: Cli, tmp_path: Path) -> None:
    from sqlmodel import Session

    from medbill_cli.services.eligibility import eligibility_worklist

    day = dt.date(2026, 12, 3)
    for acct in ("P000001", "P000002", "P000003"):
        add_visit(office, acct, ["I10"], [Svc("99213")], dos=day)
    _request_both(office, tmp_path)
    office.ok("eligibility", "import", str(DATA / "active.271"))
    eng = office.db.engine()
    try:
        with Session(eng) as s:
            items = eligibility_worklist(s, day)
            assert eligibility_worklist(s, day + dt.timedelta(days=1)) == []
    finally:
        eng.dispose()
    assert [(i.kind, i.account) for i in items] == [("eligibility", "P000002"),
                                                    ("eligibility", "P000003")]
    assert items[0].reason == "eligibility inactive"
    assert items[1].reason == "no eligibility answer"


def _address(cli: Cli, *accounts: str) -> None:
    for acct in accounts:  # a claim needs the patient's address
        cli.ok("patient", "update", acct, "--address", "12 Oak St", "--city", "Albany",
               "--state", "NY", "--zip", "12208")


def test_claim_scrub_warns_on_inactive_and_rejected_answers(office: Cli, tmp_path: Path) -> None:
    day = dt.date(2026, 12, 3)
    _address(office, "P000001", "P000002")
    for acct in ("P000001", "P000002"):
        add_visit(office, acct, ["I10"], [Svc("99213")], dos=day)
    _request_both(office, tmp_path)
    office.ok("eligibility", "import", str(DATA / "active.271"))  # Jane active, Tim inactive
    office.ok("claim", "generate")
    r = office.ok("claim", "scrub", "--format", "json")  # warnings hold nothing: exit 0
    jane, tim = json.loads(r.stdout)
    assert jane["status"] == "ready" and not [f for f in jane["findings"]
                                              if f["edit"] == "eligibility"]
    (w,) = [f for f in tim["findings"] if f["edit"] == "eligibility"]
    assert tim["status"] == "ready" and w["severity"] == "warning" and w["line"] is None
    assert w["message"] == "The eligibility answer for 2026-12-03 says inactive"
    assert "medbill eligibility show P000002" in w["fix"]
    # A later answer replaces the earlier one: Jane's AAA*72 rejection, in words.
    office.ok("eligibility", "import", str(DATA / "rejected.271"))
    jane = json.loads(office.ok("claim", "scrub", "1", "--format", "json").stdout)[0]
    (w,) = [f for f in jane["findings"] if f["edit"] == "eligibility"]
    assert jane["status"] == "ready" and w["severity"] == "warning"
    assert w["message"] == ("The eligibility answer for 2026-12-03 says rejected "
                            "(72: the member id is missing or not valid)")
    assert office.db.scalar("SELECT severity FROM claim_finding WHERE edit = 'eligibility' "
                            "AND claim_id = 1") == "warning"


def test_worklist_eligibility_tomorrow(office: Cli, tmp_path: Path) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    add_visit(office, "P000001", ["I10"], [Svc("99213")], dos=tomorrow)
    r = office("worklist", "eligibility", "--format", "json")
    assert r.exit_code == 1, r.output
    (item,) = json.loads(r.stdout)
    assert item["kind"] == "eligibility" and item["patient"] == "P000001"
    assert item["reason"] == f"no eligibility answer for {tomorrow}"
    assert item["action"].startswith("medbill eligibility request P000001")
    assert "1 eligibility" in r.stderr
    office.db.execute("UPDATE setting SET value = '0' WHERE key = 'x12.control_number'")
    office.ok("eligibility", "request", "--date", "tomorrow", "--output", str(tmp_path / "t.270"))
    office.ok("eligibility", "import", str(DATA / "active.271"))  # trace 1-1: Jane, active
    r = office("worklist", "eligibility")
    assert r.exit_code == 0, r.output
    assert "Nothing to follow up" in r.output
    # --days looks further ahead: nobody is seen the day after tomorrow.
    assert office("worklist", "eligibility", "--days", "2").exit_code == 0
