"""claim generate, scrub, list, show, export, batch, resubmit: on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from claim_support import (
    DOS,
    Svc,
    add_coverage,
    add_dependent_coverage,
    add_patient,
    add_visit,
    load_codes,
)
from conftest import Cli
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837, segments


def day(practice: Cli) -> dict[str, str]:
    """Three patients: a subscriber, a dependent, one on the second payer."""
    a = add_patient(practice, "John", "Doe")
    add_coverage(practice, a)
    b = add_patient(practice, "Timothy", "Roe", "2015-06-20")
    add_dependent_coverage(practice, b)
    c = add_patient(practice, "Alice", "Poe", "1950-02-02", "F")
    add_coverage(practice, c, "BCN02")
    add_visit(
        practice, a, ["J06.9", "R50.9"], [Svc("99213", 12500, pointers="1 2"), Svc("87880", 2550)]
    )
    add_visit(practice, b, ["Z00.129"], [Svc("99392", 8500)])
    add_visit(practice, c, ["I10"], [Svc("99214", 15000)])
    return {"self": a, "dependent": b, "other_payer": c}


def test_claim_generate_groups_and_bills(practice: Cli) -> None:
    day(practice)
    rows = practice.json("claim", "generate")
    assert len(rows) == 3
    assert {r["status"] for r in rows} == {"draft"}
    assert [r["total"] for r in rows] == ["150.50", "85.00", "150.00"]
    assert all(len(r["pcn"]) <= 20 for r in rows)
    assert len({r["pcn"] for r in rows}) == 3
    assert practice.db.scalar("SELECT count(*) FROM charge WHERE status = 'unbilled'") == 0
    assert (
        practice.db.scalar(
            "SELECT count(*) FROM audit_log WHERE entity = 'claim' AND action = 'create'"
        )
        == 3
    )
    assert practice.json("claim", "generate") == []


def test_claim_generate_splits_over_50_lines(practice: Cli) -> None:
    a = add_patient(practice, "John", "Doe")
    add_coverage(practice, a)
    add_visit(practice, a, ["M17.11"], [Svc("97110", 3000 + i) for i in range(60)])
    rows = practice.json("claim", "generate")
    assert len(rows) == 2
    assert practice.db.scalar("SELECT max(line_number) FROM claim_line") == 50
    total = sum(3000 + i for i in range(60))
    assert practice.db.scalar("SELECT sum(total_cents) FROM claim") == total


def test_claim_generate_unknown_patient_refused(practice: Cli) -> None:
    practice.fails(3, "claim", "generate", "--patient", "P999999")


def test_claim_scrub_clean_claims_ready(practice: Cli) -> None:
    day(practice)
    load_codes(practice)
    practice.ok("claim", "generate")
    out = practice.json("claim", "scrub")
    assert [(r["status"], r["findings"]) for r in out] == [("ready", [])] * 3
    assert set(out[0]) >= {"claim", "status", "findings"}


def _planted(practice: Cli) -> dict[str, str]:
    load_codes(practice)
    acct = {}
    acct["header"] = add_patient(practice, "Hal", "Header")
    add_coverage(practice, acct["header"])
    add_visit(practice, acct["header"], ["E11"], [Svc("99213")])
    acct["ptp"] = add_patient(practice, "Pat", "Pair")
    add_coverage(practice, acct["ptp"])
    add_visit(practice, acct["ptp"], ["M17.11"], [Svc("20610"), Svc("99213")])
    acct["mue"] = add_patient(practice, "Mu", "Units")
    add_coverage(practice, acct["mue"])
    add_visit(practice, acct["mue"], ["M17.11"], [Svc("97110", 3000, units=6)])
    acct["sex"] = add_patient(practice, "Max", "Male")
    add_coverage(practice, acct["sex"])
    add_visit(practice, acct["sex"], ["O09.90"], [Svc("99213")])
    acct["expired"] = add_patient(practice, "Ex", "Pired")
    add_coverage(practice, acct["expired"], "ACME1", None, "--effective", "2020-01-01",
                 "--termination", (DOS - dt.timedelta(days=30)).isoformat())
    add_visit(practice, acct["expired"], ["I10"], [Svc("99213")])
    return acct


def test_claim_scrub_planted_problems_held(practice: Cli) -> None:
    acct = _planted(practice)
    practice.ok("claim", "generate")
    r = practice("claim", "scrub", "--format", "json")
    assert r.exit_code == 1, r.output
    out = json.loads(r.stdout)
    by_patient = {}
    for row in out:
        detail = practice.json("claim", "show", str(row["claim"]))
        by_patient[detail["patient"]] = (row["status"], {f["edit"] for f in row["findings"]})
    assert by_patient[acct["header"]] == ("held", {"dx-header"})
    assert by_patient[acct["ptp"]] == ("held", {"ncci-ptp"})
    assert by_patient[acct["mue"]] == ("held", {"mue"})
    assert by_patient[acct["sex"]] == ("held", {"dx-sex-conflict"})
    assert by_patient[acct["expired"]] == ("held", {"coverage-inactive"})


def test_claim_scrub_invalid_rendering_npi_held(practice: Cli) -> None:
    load_codes(practice)
    a = add_patient(practice, "John", "Doe")
    add_coverage(practice, a)
    add_visit(practice, a, ["I10"], [Svc("99213")])
    practice.ok("claim", "generate")
    practice.db.execute("UPDATE provider SET npi = '1987654321'")
    r = practice("claim", "scrub", "--format", "json")
    assert r.exit_code == 1
    assert [f["edit"] for f in json.loads(r.stdout)[0]["findings"]] == ["npi-check-digit"]


def test_claim_show_lists_findings_with_fix(practice: Cli) -> None:
    _planted(practice)
    practice.ok("claim", "generate")
    practice("claim", "scrub")
    rec = practice.json("claim", "show", "1")
    assert rec["status"] == "held"
    assert rec["findings"][0]["edit"] == "dx-header" and rec["findings"][0]["fix"]
    table = practice.ok("claim", "show", "1").stdout
    assert "dx-header" in table and "more specific" in table


def test_claim_ptp_with_modifier_ready(practice: Cli) -> None:
    load_codes(practice)
    a = add_patient(practice, "Pat", "Pair")
    add_coverage(practice, a)
    add_visit(practice, a, ["M17.11"], [Svc("20610"), Svc("99213", modifiers="25")])
    practice.ok("claim", "generate")
    assert practice.json("claim", "scrub")[0]["status"] == "ready"


def test_claim_export_x12_valid_once(practice: Cli, tmp_path: Path) -> None:
    day(practice)
    load_codes(practice)
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    out = tmp_path / "batch.x12"
    r = practice.ok("claim", "export", "--format", "x12", "--output", str(out))
    assert "3 claim(s)" in r.stderr
    assert_valid_837(out, x12check_tool())
    segs = segments(out.read_text())
    assert sum(1 for s in segs if s[0] == "CLM") == 3
    assert any(s[0] == "PAT" for s in segs)  # the dependent
    assert {s[9] for s in segs if s[0] == "NM1" and s[1] == "PR"} == {"ACME1", "BCN02"}
    assert practice.db.scalar("SELECT count(*) FROM claim WHERE status = 'submitted'") == 3
    # A second export sends nothing and uses no control number.
    again = tmp_path / "again.x12"
    r2 = practice.ok("claim", "export", "--format", "x12", "--output", str(again))
    assert "No ready claims" in r2.stderr and not again.exists()
    # The batch is re-created byte for byte.
    copy = tmp_path / "copy.x12"
    practice.ok("claim", "batch", "show", "1", "--output", str(copy))
    assert copy.read_bytes() == out.read_bytes()
    rec = practice.json("claim", "batch", "show", "1")
    assert rec["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest() and rec["claims"] == 3


def test_claim_export_control_numbers_never_repeat(practice: Cli, tmp_path: Path) -> None:
    controls = []
    for i in range(2):
        a = add_patient(practice, "John", f"Doe{chr(65 + i)}")
        add_coverage(practice, a)
        add_visit(practice, a, ["I10"], [Svc("99213")])
        practice.ok("claim", "generate")
        practice.ok("claim", "scrub")
        out = tmp_path / f"b{i}.x12"
        practice.ok("claim", "export", "--output", str(out))
        segs = segments(out.read_text())
        controls.append((segs[0][13], segs[1][6], segs[2][2]))
    assert controls[0] != controls[1]
    assert len({c[0] for c in controls}) == 2 and len({c[2] for c in controls}) == 2


def test_claim_export_dry_run_changes_nothing(practice: Cli, tmp_path: Path) -> None:
    day(practice)
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    before = practice.db.counts()
    out = tmp_path / "dry.x12"
    practice.ok("claim", "export", "--output", str(out), "--dry-run")
    assert out.exists() and "CLM*" in out.read_text()
    assert practice.db.counts() == before
    assert practice.db.scalar("SELECT count(*) FROM claim WHERE status = 'ready'") == 3


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_claim_export_json_csv(practice: Cli, tmp_path: Path, fmt: str) -> None:
    day(practice)
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    r = practice.ok("claim", "export", "--format", fmt)
    if fmt == "json":
        data = json.loads(r.stdout)
        assert len(data) == 3 and data[0]["total"] == "150.50"
    else:
        assert r.stdout.splitlines()[0].startswith("claim,pcn,patient")
        assert len(r.stdout.splitlines()) == 5
    assert practice.db.scalar("SELECT count(*) FROM claim WHERE status = 'submitted'") == 3


def test_claim_export_bad_format_refused(practice: Cli) -> None:
    practice.fails(3, "claim", "export", "--format", "pdf")


def test_claim_resubmit_replacement(practice: Cli, tmp_path: Path) -> None:
    a = add_patient(practice, "John", "Doe")
    add_coverage(practice, a)
    add_visit(practice, a, ["I10"], [Svc("99213")])
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    practice.ok("claim", "export", "--output", str(tmp_path / "b1.x12"))
    practice.fails(3, "claim", "resubmit", "1", "--frequency", "7")  # no payer claim number
    practice.fails(3, "claim", "resubmit", "1", "--frequency", "5", "--payer-claim-number", "X1")
    rec = practice.json(
        "claim", "resubmit", "1", "--frequency", "7", "--payer-claim-number", "2024ABC123"
    )
    assert rec["frequency"] == "7" and rec["original_claim"] == 1
    assert practice.json("claim", "show", "1")["status"] == "closed"
    practice.ok("claim", "scrub")
    out = tmp_path / "b2.x12"
    practice.ok("claim", "export", "--output", str(out))
    assert_valid_837(out, x12check_tool())
    segs = segments(out.read_text())
    assert next(s for s in segs if s[0] == "CLM")[5] == "11:B:7"
    assert ["REF", "F8", "2024ABC123"] in segs


def test_claim_list_by_status(practice: Cli) -> None:
    day(practice)
    practice.ok("claim", "generate")
    assert len(practice.json("claim", "list", "--status", "draft")) == 3
    assert practice.json("claim", "list", "--status", "ready") == []
    practice.fails(3, "claim", "list", "--status", "bogus")
    practice.fails(3, "claim", "show", "999")


def test_claim_scrub_duplicate_of_submitted_claim(practice: Cli, tmp_path: Path) -> None:
    a = add_patient(practice, "John", "Doe")
    add_coverage(practice, a)
    add_visit(practice, a, ["I10"], [Svc("99213")])
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    practice.ok("claim", "export", "--output", str(tmp_path / "b.x12"))
    add_visit(practice, a, ["I10"], [Svc("99213")])  # the same visit entered again
    practice.ok("claim", "generate")
    r = practice("claim", "scrub", "--format", "json")
    assert r.exit_code == 1
    assert [f["edit"] for f in json.loads(r.stdout)[0]["findings"]] == ["duplicate-claim"]


def test_claim_audit_chain_intact_after_batch(practice: Cli, tmp_path: Path) -> None:
    day(practice)
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    practice.ok("claim", "export", "--output", str(tmp_path / "b.x12"))
    practice.ok("audit", "verify")
    assert (
        practice.db.scalar(
            "SELECT count(*) FROM audit_log WHERE entity = 'claim' AND action = 'submit'"
        )
        == 3
    )
