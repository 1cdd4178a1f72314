"""charge add / list / void: checks at entry, fee schedule, encounters, diagnoses and pointers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from charge_support import MORE_DX, charging, charging_sqlite, close_day  # noqa: F401
from conftest import Cli

TODAY = dt.date.today().isoformat()
BASE = ("charge", "add", "--patient", "P000001", "--date", "today")


def add(cli: Cli, *args: str) -> int:
    r = cli.ok(*BASE, *args)
    return int(r.stdout.strip())


def test_charge_add_prints_id_and_lists_fee_diagnoses_pointers(charging: Cli) -> None:
    r = charging.ok(*BASE, "--code", "99213", "--dx", "E11.9", "--dx", "I10")
    cid = int(r.stdout.strip())
    rows = charging.json("charge", "list", "--date", "today")
    assert isinstance(rows, list) and len(rows) == 1
    row = rows[0]
    assert row["id"] == cid
    assert row["fee"] == "75.00" and row["amount"] == "75.00" and row["units"] == 1
    assert row["diagnoses"] == ["E11.9", "I10"]
    assert row["pointers"] == [1, 2]
    assert row["status"] == "unbilled" and row["patient"] == "P000001" and row["date"] == TODAY
    assert row["provider"] == "1987654328"  # the practice's only provider
    enc = charging.json("encounter", "list", "--date", "today")
    assert isinstance(enc, list) and len(enc) == 1
    assert enc[0]["source"] == "charge" and enc[0]["diagnoses"] == ["E11.9", "I10"]
    assert enc[0]["id"] == row["encounter"]


def test_charge_add_amount_is_fee_times_units(charging: Cli) -> None:
    cid = add(charging, "--code", "36415", "--units", "2", "--dx", "E11.9")
    row = charging.json("charge", "list")[0]  # type: ignore[index]
    assert row["id"] == cid and row["fee"] == "12.00" and row["amount"] == "24.00"
    assert charging.db.scalar("SELECT amount_cents FROM charge") == 2400


def test_charge_add_fee_option_overrides_schedule(charging: Cli) -> None:
    add(charging, "--code", "99214", "--fee", "$1,250.50", "--units", "3", "--dx", "I10")
    assert charging.db.scalar("SELECT fee_cents FROM charge") == 125050
    assert charging.db.scalar("SELECT amount_cents FROM charge") == 375150


def test_charge_add_modifier_fee_and_effective_date(charging: Cli) -> None:
    charging.ok("fee", "set", "99213", "90.00", "--modifier", "25")
    charging.ok("fee", "set", "99213", "80.00", "--effective", "2000-01-01")
    charging.ok("fee", "set", "99213", "999.00", "--effective", "2999-01-01")  # not yet in force
    add(charging, "--code", "99213", "-m", "25", "--dx", "I10")
    add(charging, "--code", "99213", "--dx", "I10", "--date", "2010-05-05")
    add(charging, "--code", "99213", "--dx", "I10", "--date", "1999-05-05")
    rows = {r["date"]: r for r in charging.json("charge", "list")}  # type: ignore[union-attr]
    assert rows[TODAY]["fee"] == "90.00" and rows[TODAY]["modifiers"] == ["25"]
    assert rows["2010-05-05"]["fee"] == "80.00"
    assert rows["1999-05-05"]["fee"] == "75.00"


def test_charge_add_second_line_shares_encounter_and_extends_diagnoses(charging: Cli) -> None:
    add(charging, "--code", "99213", "--dx", "E11.9", "--dx", "I10")
    add(charging, "--code", "36415", "--dx", "I10", "--dx", "E11.65")
    rows = charging.json("charge", "list")
    assert isinstance(rows, list)
    assert rows[0]["encounter"] == rows[1]["encounter"]
    assert rows[1]["diagnoses"] == ["I10", "E11.65"] and rows[1]["pointers"] == [2, 3]
    assert charging.db.count("encounter") == 1
    assert charging.db.scalar("SELECT code FROM encounter_diagnosis WHERE seq = 3") == "E11.65"


def test_charge_add_json_prints_record(charging: Cli) -> None:
    rec = charging.json(*BASE, "--code", "99213", "--dx", "e119")
    assert isinstance(rec, dict) and rec["diagnoses"] == ["E11.9"] and rec["fee"] == "75.00"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--code", "99999", "--dx", "I10"), "Unknown procedure code 99999"),
        (("--code", "99201", "--dx", "I10"), "not valid on"),
        (("--code", "99213", "--dx", "E11"), "E11 is a header, not billable"),
        (("--code", "99213", "--dx", "Q99.9"), "Unknown diagnosis Q99.9"),
        (("--code", "99213", "--dx", "not-a-code"), "is not an ICD-10-CM code"),
        (("--code", "99213", "--dx", "I10", "-m", "ZZ"), "Unknown modifier ZZ"),
        (
            ("--code", "99213", "--dx", "I10", "-m", "25", "-m", "59", "-m", "LT", "-m", "RT", "-m",
             "76"),
            "at most 4",
        ),
        (("--code", "99213", "--dx", "I10", "-m", "25", "-m", "25"), "given twice"),
        (("--code", "99213", "--dx", "I10", "--units", "0"), "outside 1-999"),
        (("--code", "99213", "--dx", "I10", "--units", "1000"), "outside 1-999"),
        (("--code", "99213", "--dx", "I10", "--fee", "1e3"), "is not an amount"),
        (("--code", "99213", "--dx", "I10", "--fee", "-0"), "is not an amount"),
        (("--code", "99213", "--dx", "I10", "--fee", "NaN"), "is not an amount"),
        (("--code", "99213", "--dx", "I10", "--fee", "1.005"), "is not an amount"),
        (("--code", "99213", "--dx", "I10", "--pos", "99"), "Unknown place of service 99"),
        (("--code", "99213", "--dx", "I10", "--provider", "1111111112"), "No provider with NPI"),
        (("--code", "99213", "--dx", "I10", "--encounter", "999"), "No encounter 999"),
        (
            ("--code", "99213", "--dx", "I10", "--dx", "E11.9", "--dx", "E11.65", "--dx", "Z00.00",
             "--dx", "J06.9"),
            "at most 4",
        ),
        (("--code", "99213", "--dx", "I10", "--dx", "I10"), "given twice"),
        (("--code", "J1100", "--dx", "I10", "--ndc", "1234-5678-90"), "is not 11 digits"),
        (("--code", "J1100", "--dx", "I10", "--ndc", "00009-0047-04"), "needs the NDC quantity"),
        (
            ("--code", "J1100", "--dx", "I10", "--ndc", "00009004704", "--ndc-quantity", "1",
             "--ndc-unit", "XX"),
            "not one of",
        ),
        (("--code", "J1100", "--dx", "I10", "--ndc-quantity", "1"), "needs the NDC"),
    ],
)
def test_charge_add_refused(charging: Cli, args: tuple[str, ...], needle: str) -> None:
    r = charging.fails(3, *BASE, *args)
    assert needle in r.stderr, r.stderr


def test_charge_add_refuses_future_date_unknown_patient_and_before_birth(charging: Cli) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    r = charging.fails(3, "charge", "add", "--patient", "P000001", "--date", tomorrow, "--code",
                       "99213", "--dx", "I10")
    assert "in the future" in r.stderr
    r = charging.fails(3, "charge", "add", "--patient", "P009999", "--date", "today", "--code",
                       "99213", "--dx", "I10")
    assert "No patient with account P009999" in r.stderr
    r = charging.fails(3, "charge", "add", "--patient", "P000001", "--date", "1980-04-01", "--code",
                       "99213", "--dx", "I10")
    assert "before P000001's birth" in r.stderr and "Jane" not in r.stderr
    r = charging.fails(3, "charge", "add", "--patient", "P000001", "--date", "2024-02-30", "--code",
                       "99213", "--dx", "I10")
    assert "not a valid date" in r.stderr


def test_charge_add_refuses_code_without_fee(charging: Cli) -> None:
    charging.db.execute("DELETE FROM fee WHERE code = '99214'")
    r = charging.fails(3, *BASE, "--code", "99214", "--dx", "I10")
    assert (
        "No fee for 99214" in r.stderr
        and "medbill fee set 99214" in r.stderr
        and "--fee" in r.stderr
    )


def test_charge_add_refuses_13th_diagnosis(charging: Cli) -> None:
    dx = ["E11.9", "I10", *MORE_DX]
    for i in range(0, 12, 4):
        add(charging, "--code", "99213", *[a for d in dx[i:i + 4] for a in ("--dx", d)])
    assert charging.db.count("encounter_diagnosis") == 12
    r = charging.fails(3, *BASE, "--code", "36415", "--dx", "I10", "--dx", dx[12])
    assert "already has 12 diagnoses" in r.stderr and dx[12] in r.stderr
    add(
        charging, "--code", "36415", "--dx", "I10", "--dx", dx[11]
    )  # existing ones still point fine
    rows = charging.json("charge", "list")
    assert rows[-1]["pointers"] == [2, 12]  # type: ignore[index]


def test_charge_add_refuses_closed_day(charging: Cli) -> None:
    close_day(charging, dt.date.today())
    r = charging.fails(3, *BASE, "--code", "99213", "--dx", "I10")
    assert "is closed" in r.stderr and "day reopen" in r.stderr


def test_charge_add_warns_duplicate_mue_and_self_pay(charging: Cli) -> None:
    add(charging, "--code", "99213", "--dx", "I10")
    r = charging.ok(*BASE, "--code", "99213", "--dx", "I10")
    assert "Warning: possible duplicate: 99213 for P000001" in r.stderr
    r = charging.ok(*BASE, "--code", "99213", "-m", "25", "--dx", "I10")
    assert "duplicate" not in r.stderr  # different modifiers: a different line
    r = charging.ok(*BASE, "--code", "36415", "--units", "3", "--dx", "I10")
    assert "3 units of 36415 exceed its MUE of 2" in r.stderr
    r = charging.ok(
        "charge", "add", "--patient", "P000002", "--date", "today", "--code", "99213", "--dx", "I10"
    )
    assert "P000002 has no active coverage" in r.stderr and "self-pay" in r.stderr
    assert r.stdout.strip().isdigit()
    assert charging.db.count("charge") == 5


def test_charge_add_drug_line_ndc(charging: Cli) -> None:
    add(charging, "--code", "J1100", "--units", "4", "--dx", "I10", "--ndc", "63323-0165-01",
        "--ndc-quantity", "1", "--ndc-unit", "ml")
    row = charging.json("charge", "list")[0]  # type: ignore[index]
    assert row["ndc"] == "63323016501" and row["ndc_unit"] == "ML" and row["ndc_quantity"] == "1"
    assert row["amount"] == "2.00"


def test_charge_add_uses_given_encounter_and_checks_it(charging: Cli) -> None:
    eid = int(charging.ok("encounter", "add", "--patient", "P000001", "--date", "today",
                          "--provider", "1987654328", "--form", "F-1").stdout)
    add(charging, "--code", "99213", "--dx", "I10", "--encounter", str(eid))
    add(charging, "--code", "36415", "--dx", "I10")  # finds the same encounter
    assert charging.db.count("encounter") == 1
    r = charging.fails(3, "charge", "add", "--patient", "P000002", "--date", "today", "--code",
                       "99213", "--dx", "I10", "--encounter", str(eid))
    assert "is not P000002's visit" in r.stderr


def test_charge_add_without_terminal_is_usage_error(charging: Cli) -> None:
    before = charging.db.counts()
    r = charging("charge", "add", "--patient", "P000001", "--date", "today")
    assert r.exit_code == 2
    assert "--code" in r.output and "--dx" in r.output
    assert charging.db.counts() == before


def test_charge_add_prompts_at_terminal(
    charging_sqlite: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medbill_cli.cli import charge

    monkeypatch.setattr(charge, "_interactive", lambda: True)
    answers = "P000001\n\n99999\n99213\nZZ\n25\n\nE11\nE11.9\nI10\n\n"
    r = charging_sqlite("charge", "add", input=answers)
    assert r.exit_code == 0, r.output
    assert "Office/outpatient visit est, low MDM" in r.stderr
    assert "Unknown procedure code 99999" in r.stderr
    assert "E11 is a header" in r.stderr
    assert "Type 2 diabetes mellitus without complications" in r.stderr
    assert r.stdout.strip().splitlines()[-1].isdigit()  # CliRunner echoes the typed answers
    row = charging_sqlite.json("charge", "list")[0]  # type: ignore[index]
    assert row["modifiers"] == ["25"] and row["diagnoses"] == ["E11.9", "I10"]


def test_charge_list_filters_and_formats(charging: Cli) -> None:
    add(charging, "--code", "99213", "--dx", "I10")
    charging.ok("charge", "add", "--patient", "P000002", "--date", "2020-01-02", "--code", "99214",
                "--dx", "E11.9")
    assert len(charging.json("charge", "list", "--patient", "P000002")) == 1  # type: ignore[arg-type]
    assert len(charging.json("charge", "list", "--date", "2020-01-02")) == 1  # type: ignore[arg-type]
    assert charging.json("charge", "list", "--status", "void") == []
    csv_out = charging.ok("charge", "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("id,patient,account,date") and len(csv_out) == 3
    table = charging.ok("charge", "list").stdout
    assert "99213" in table and "75.00" in table
    r = charging.fails(3, "charge", "list", "--status", "paid")
    assert "must be one of" in r.stderr


def test_charge_void_keeps_row_marked_and_audited(charging: Cli) -> None:
    cid = add(charging, "--code", "99213", "--dx", "I10")
    r = charging.ok("charge", "void", str(cid), "--reason", "wrong patient")
    assert r.stdout.strip() == str(cid)
    row = charging.json("charge", "list", "--status", "void")[0]  # type: ignore[index]
    assert (
        row["status"] == "void"
        and row["void_reason"] == "wrong patient"
        and row["voided_by"] == "tester"
    )
    assert row["voided_at"]
    assert charging.db.count("charge") == 1
    trail = json.loads(
        charging.ok("audit", "list", "--entity", "charge", "--format", "json").stdout
    )
    assert [t["action"] for t in trail] == ["create", "void"]
    r = charging.fails(3, "charge", "void", str(cid), "--reason", "again")
    assert "already void" in r.stderr
    charging.ok("audit", "verify")


def test_charge_void_refuses_billed_and_unknown(charging: Cli) -> None:
    cid = add(charging, "--code", "99213", "--dx", "I10")
    charging.db.execute("UPDATE charge SET status = 'billed' WHERE id = :i", i=cid)
    r = charging.fails(3, "charge", "void", str(cid), "--reason", "oops")
    assert "is on a claim" in r.stderr and "claim correction" in r.stderr
    r = charging.fails(3, "charge", "void", "999", "--reason", "oops")
    assert "No charge 999" in r.stderr
    r = charging.fails(3, "charge", "void", str(cid), "--reason", "  ")
    assert "needs a reason" in r.stderr



def test_charge_void_refuses_a_bad_reason_and_writes_nothing(charging: Cli) -> None:
    cid = add(charging, "--code", "99213", "--dx", "I10")
    before = charging.db.counts()
    for reason, message in (
        ("wrong\npatient", "control character"),
        ("x" * 201, "longer than 200"),
    ):
        r = charging.fails(3, "charge", "void", str(cid), "--reason", reason)
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert charging.db.counts() == before
    assert charging.json("charge", "list", "--date", "today")[0]["status"] == "unbilled"
    # A reason may hold what X12 would refuse: it never goes into a claim file.
    charging.ok("charge", "void", str(cid), "--reason", "dup: entered twice ~ see form 12*")
    assert (
        charging.json("charge", "list", "--date", "today")[0]["void_reason"]
        == "dup: entered twice ~ see form 12*"
    )


# ------------------------------------------------------------------ acceptance on the shipped codes

def test_charge_add_done_when_with_shipped_codes(coded: Cli) -> None:
    """The issue's acceptance list, on a fresh install with the bundled code sets and fees."""
    from pathlib import Path

    import medbill_cli

    fees = Path(medbill_cli.__file__).parent / "data" / "sample_fees.csv"
    coded.ok("fee", "import", str(fees))
    coded.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob", "1980-04-02",
             "--sex", "F")
    r = coded.ok("charge", "add", "--patient", "P000001", "--date", "today", "--code", "99213",
                 "--dx", "E11.9", "--dx", "I10")
    cid = int(r.stdout.strip())
    rows = coded.json("charge", "list", "--date", "today")
    assert isinstance(rows, list) and rows[0]["id"] == cid
    assert (
        rows[0]["fee"] == "95.00"
        and rows[0]["diagnoses"] == ["E11.9", "I10"]
        and rows[0]["pointers"] == [1, 2]
    )
    base = ("charge", "add", "--patient", "P000001", "--date", "today")
    assert (
        "Unknown procedure code" in coded.fails(3, *base, "--code", "99999", "--dx", "I10").stderr
    )
    assert "header" in coded.fails(3, *base, "--code", "99213", "--dx", "E11").stderr
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    coded.fails(3, "charge", "add", "--patient", "P000001", "--date", tomorrow, "--code", "99213",
                "--dx", "I10")
    coded.fails(3, "charge", "add", "--patient", "P000002", "--date", "today", "--code", "99213",
                "--dx", "I10")
    coded.ok("charge", "void", str(cid), "--reason", "test")
    pid = coded.ok("payment", "add", "--patient", "P000001", "--amount", "$1,250.00", "--method",
                   "check", "--reference", "1001").stdout.strip()
    pay = coded.json("payment", "list")[0]  # type: ignore[index]
    assert (
        pay["id"] == int(pid)
        and pay["amount"] == "1250.00"
        and pay["encounter"] == rows[0]["encounter"]
    )
