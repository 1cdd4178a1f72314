"""Registration through the CLI: practice, providers, payers, patients, coverage, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli


def add_jane(cli: Cli, *extra: str) -> str:
    r = cli.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob",
               "1980-04-02", "--sex", "F", *extra)
    return r.stdout.strip()


def test_patient_add_prints_account_and_lists_as_json(practice: Cli) -> None:
    acct = add_jane(practice, "--city", "Albany", "--state", "ny", "--zip", "12207",
                    "--phone", "(518) 555-0199", "--email", "jane@example.com")
    assert acct == "P000001"
    rows = practice.json("patient", "list")
    assert rows == [{
        "id": "P000001", "account": "P000001", "first_name": "Jane", "middle_name": None,
        "last_name": "Doe", "dob": "1980-04-02", "sex": "F", "address": None, "address2": None,
        "city": "Albany", "state": "NY", "zip": "12207", "phone": "5185550199",
        "email": "jane@example.com", "release_of_info": "Y", "signature_date": None,
    }]


def test_patient_list_csv(practice: Cli) -> None:
    add_jane(practice)
    r = practice.ok("patient", "list", "--format", "csv")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("id,account,first_name")
    assert lines[1].startswith("P000001,P000001,Jane")


def test_patient_add_json_prints_record(practice: Cli) -> None:
    rec = practice.json("patient", "add", "--first-name", "Sam", "--last-name", "Lee",
                        "--dob", "2015-01-31", "--sex", "M")
    assert rec["id"] == rec["account"] == "P000001"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--first-name", "J*ne"], "delimiter"),
        (["--first-name", "Jane~"], "delimiter"),
        (["--last-name", "Do:e"], "delimiter"),
        (["--first-name", "Ja\x07ne"], "control character"),
        (["--dob", "2999-01-01"], "in the future"),
        (["--dob", "1850-01-01"], "over 130"),
        (["--dob", "02/04/1980"], "not a valid date of birth"),
        (["--dob", "2023-02-30"], "not a valid date of birth"),
        (["--sex", "X"], "M, F or U"),
        (["--state", "XX"], "not a US state"),
        (["--zip", "1234"], "5 or 9 digits"),
        (["--phone", "555-1234"], "10-digit"),
        (["--email", "jane@"], "not a valid address"),
    ],
)
def test_patient_add_rejects_bad_input(practice: Cli, args: list[str], needle: str) -> None:
    base = {"--first-name": "Jane", "--last-name": "Doe", "--dob": "1980-04-02", "--sex": "F"}
    extra: list[str] = []
    for i in range(0, len(args), 2):
        if args[i] in base:
            base[args[i]] = args[i + 1]
        else:
            extra += [args[i], args[i + 1]]
    flat = [x for kv in base.items() for x in kv]
    r = practice.fails(3, "patient", "add", *flat, *extra)
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_patient_add_duplicate_refused_unless_allowed(practice: Cli) -> None:
    add_jane(practice)
    r = practice.fails(3, "patient", "add", "--first-name", "JANE", "--last-name", "doe",
                       "--dob", "1980-04-02", "--sex", "F")
    assert "P000001" in r.stderr and "--allow-duplicate" in r.stderr
    assert add_jane(practice, "--allow-duplicate") == "P000002"


def test_patient_error_has_no_phi(practice: Cli) -> None:
    add_jane(practice)
    r = practice.fails(3, "patient", "update", "P000001", "--email", "nope")
    assert "Jane" not in r.stderr and "Doe" not in r.stderr


def test_patient_search_by_name_account_dob_member(practice: Cli) -> None:
    add_jane(practice)
    practice.ok("patient", "add", "--first-name", "John", "--last-name", "Smith", "--dob",
                "1975-07-09", "--sex", "M")
    practice.ok("coverage", "add", "P000002", "--payer", "ACME1", "--member-id", "XJ99887766")
    for text, expect in [
        ("doe", ["P000001"]),
        ("jane doe", ["P000001"]),
        ("Doe, Jane", ["P000001"]),
        ("p000002", ["P000002"]),
        ("1975-07-09", ["P000002"]),
        ("xj99887766", ["P000002"]),
        ("nobody", []),
    ]:
        rows = practice.json("patient", "search", text)
        assert [r["account"] for r in rows] == expect, text


def test_patient_update_is_audited(practice: Cli) -> None:
    add_jane(practice)
    practice.ok("patient", "update", "P000001", "--phone", "518-555-0142")
    assert practice.json("patient", "show", "P000001")["phone"] == "5185550142"
    entries = practice.json("audit", "list", "--entity", "patient", "--id", "P000001")
    assert [e["action"] for e in entries] == ["create", "update"]
    assert entries[1]["before"]["phone"] is None
    assert entries[1]["after"]["phone"] == "5185550142"
    assert entries[1]["user"] == "tester"


def test_patient_show_unknown_account(practice: Cli) -> None:
    r = practice.fails(3, "patient", "show", "P999999")
    assert "No patient with account P999999" in r.stderr


def test_coverage_dependent_needs_subscriber(practice: Cli) -> None:
    add_jane(practice)
    r = practice.fails(3, "coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "M1",
                       "--relationship", "child")
    assert "subscriber" in r.stderr
    cov = practice.json("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "M100",
                        "--relationship", "child", "--subscriber-first-name", "Mark",
                        "--subscriber-last-name", "Doe", "--subscriber-dob", "1950-01-01",
                        "--subscriber-sex", "M", "--copay", "$25")
    assert cov["relationship"] == "child" and cov["copay"] == "25.00"


def test_coverage_overlap_same_priority_refused(practice: Cli) -> None:
    add_jane(practice)
    practice.ok("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "M1",
                "--effective", "2025-01-01")
    r = practice.fails(3, "coverage", "add", "P000001", "--payer", "BCN02", "--member-id", "M2",
                       "--effective", "2025-06-01")
    assert "overlapping" in r.stderr
    practice.ok("coverage", "add", "P000001", "--payer", "BCN02", "--member-id", "M2",
                "--priority", "secondary")
    practice.ok("coverage", "end", "1", "--date", "2025-05-31")
    practice.ok("coverage", "add", "P000001", "--payer", "BCN02", "--member-id", "M3",
                "--effective", "2025-06-01")
    assert len(practice.json("coverage", "list", "P000001")) == 3


def test_coverage_unknown_payer_has_hint(practice: Cli) -> None:
    add_jane(practice)
    r = practice.fails(3, "coverage", "add", "P000001", "--payer", "NOPE", "--member-id", "M1")
    assert "payer list" in r.stderr


def test_history_condition_allergy_note(practice: Cli) -> None:
    add_jane(practice)
    practice.ok("history", "add", "P000001", "--allergy", "Penicillin")
    practice.ok("history", "add", "P000001", "--note", "Prefers morning visits")
    practice.fails(3, "history", "add", "P000001", "--condition", "12345")
    practice.fails(3, "history", "add", "P000001", "--allergy", "x", "--note", "y")
    kinds = [h["kind"] for h in practice.json("history", "list", "P000001")]
    assert kinds == ["allergy", "note"]


def _csv(path: Path, rows: list[str], header: str = "first_name,last_name,dob,sex") -> Path:
    path.write_text("\ufeff" + header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_patient_import_all_or_nothing_names_bad_lines(practice: Cli, tmp_path: Path) -> None:
    rows = [f"Pat{i},Test{i},1970-01-{(i % 28) + 1:02d},F" for i in range(1000)]
    rows[10] = "Bad*Name,Test,1970-01-01,F"  # line 12
    rows[500] = "Ok,Test,2999-01-01,F"  # line 502
    rows[998] = "Ok,Test,1970-01-01,Q"  # line 1000
    f = _csv(tmp_path / "p.csv", rows)
    r = practice.fails(3, "patient", "import", str(f))
    assert "3 bad row(s)" in r.stderr
    for line in (12, 502, 1000):
        assert f"line {line}:" in r.stderr
    r = practice("patient", "import", str(f), "--skip-bad", "--format", "json")
    assert r.exit_code == 1, r.stderr
    assert len(json.loads(r.stdout)) == 997
    assert practice.db.count("patient") == 997
    assert practice.db.count("audit_log") == 997 + 4


def test_patient_import_with_coverage_columns(practice: Cli, tmp_path: Path) -> None:
    f = _csv(tmp_path / "p.csv", ["Ann,Lee,1990-02-03,F,ACME1,M123,G1,primary,2026-01-01",
                                  "Bob,Lee,1991-02-03,M,NOPE,M124,,,"],
             header="First_Name,last_name,dob,sex,payer_id,member_id,group_number,priority,coverage_effective")
    r = practice.fails(3, "patient", "import", str(f))
    assert "line 3: no payer with id NOPE" in r.stderr
    practice("patient", "import", str(f), "--skip-bad")
    assert practice.db.count("patient") == 1 and practice.db.count("coverage") == 1
    from medbill_cli.services.audit import GENESIS  # noqa: F401
    practice.ok("audit", "verify")


def test_patient_import_unknown_column_refused(practice: Cli, tmp_path: Path) -> None:
    f = _csv(tmp_path / "p.csv", ["Ann,Lee,1990-02-03,F,x"],
             header="first_name,last_name,dob,sex,frist")
    r = practice.fails(3, "patient", "import", str(f))
    assert "Unknown column 'frist'" in r.stderr


def test_patient_import_missing_file_is_environment_error(practice: Cli, tmp_path: Path) -> None:
    r = practice.fails(4, "patient", "import", str(tmp_path / "nope.csv"))
    assert "no such file" in r.stderr
