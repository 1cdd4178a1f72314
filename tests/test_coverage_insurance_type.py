"""coverage add --insurance-type: the 2000B SBR05 code sent when Medicare is billed as a
secondary payer (12 working aged, 13 ESRD, ...), through the commands on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from cob_support import cob_practice, export, ledger_clean, patient_with
from conftest import Cli
from test_claim_cob import DOS, _primary_paid
from x12_support import segments


def test_medicare_secondary_claim_carries_sbr05(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Aged", "ACME1", "BCN02", dos=DOS, later=("--insurance-type", "12"))
    covs = cli.json("coverage", "list", a)
    assert isinstance(covs, list)
    assert [c["insurance_type"] for c in covs] == [None, "12"]
    _primary_paid(cli, tmp_path, a)
    # The primary claim (to ACME1): no SBR05 in its SBR nor in Medicare's 2320.
    first = [s for s in segments((tmp_path / "primary.x12").read_text()) if s[0] == "SBR"]
    assert [s[:2] for s in first] == [["SBR", "P"], ["SBR", "S"]]
    assert first[1][9] == "MB" and all(s[5] == "" for s in first)
    (sec,) = cli.json("claim", "generate")
    assert sec["payer"] == "BCN02"
    sbr = [s for s in export(cli, tmp_path, "medicare.x12") if s[0] == "SBR"]
    assert sbr[0] == ["SBR", "S", "18", "GBCN", "", "12", "", "", "", "MB"]
    assert sbr[1][0:2] == ["SBR", "P"] and sbr[1][5] == ""  # 2320: the primary, no SBR05
    ledger_clean(cli)


def test_primary_medicare_and_other_payers_send_no_sbr05(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Prim", "BCN02", "SECND", dos=DOS)
    cli.ok("coverage", "add", a, "--payer", "THIRD", "--member-id", "T1", "--priority",
           "tertiary", "--insurance-type", "43")  # kept, but THIRD is not Medicare
    cli.json("claim", "generate")
    sbr = [s for s in export(cli, tmp_path, "primary.x12") if s[0] == "SBR"]
    assert sbr[0][:2] == ["SBR", "P"] and sbr[0][5] == "" and sbr[0][9] == "MB"
    assert all(s[5] == "" for s in sbr)
    ledger_clean(cli)


def test_insurance_type_refused_outside_the_list(practice: Cli) -> None:
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Bad", "ACME1", dos=DOS)
    before = cli.db.scalar("SELECT count(*) FROM coverage")
    audit = cli.db.scalar("SELECT count(*) FROM audit_log")
    for code in ("99", "MB", "1"):
        r = cli("coverage", "add", a, "--payer", "BCN02", "--member-id", "1EG4TE5MK73",
                "--priority", "secondary", "--insurance-type", code)
        assert r.exit_code == 3, r.output
        assert len(r.stderr.strip().splitlines()) == 1 and code in r.stderr
        assert "Traceback" not in r.output
    assert cli.db.scalar("SELECT count(*) FROM coverage") == before
    assert cli.db.scalar("SELECT count(*) FROM audit_log") == audit


def test_insurance_type_set_later_with_coverage_update(practice: Cli) -> None:
    """The MSP type is often learned after the coverage was entered (the Medicare secondary
    payer questionnaire): coverage update sets it, checked and audited like the rest."""
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Later", "ACME1", dos=DOS)
    cli.ok("coverage", "add", a, "--payer", "BCN02", "--member-id", "1EG4TE5MK73",
           "--priority", "secondary")
    cov = cli.db.scalar("SELECT id FROM coverage WHERE member_id = '1EG4TE5MK73'")
    audit = cli.db.scalar("SELECT count(*) FROM audit_log")
    r = cli("coverage", "update", str(cov), "--insurance-type", "99", "--reason", "MSPQ")
    assert r.exit_code == 3 and len(r.stderr.strip().splitlines()) == 1, r.output
    assert cli.db.scalar("SELECT insurance_type FROM coverage WHERE id = :i", i=cov) is None
    assert cli.db.scalar("SELECT count(*) FROM audit_log") == audit
    out = cli.json("coverage", "update", str(cov), "--insurance-type", "12", "--reason", "MSPQ")
    assert isinstance(out, dict) and out["insurance_type"] == "12"
    assert cli.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'coverage' "
                         "AND action = 'update'") == 1
    r = cli("coverage", "update", str(cov), "--insurance-type", "12", "--reason", "again")
    assert r.exit_code == 3 and "as it is" in r.stderr


def test_medicare_secondary_without_its_type_is_held_until_given(practice: Cli,
                                                                  tmp_path: Path) -> None:
    """Medicare rejects a claim billed to it as secondary payer without SBR05: the scrub holds
    it, naming the fix, and coverage update --insurance-type releases it."""
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Untyped", "ACME1", "BCN02", dos=DOS)
    _primary_paid(cli, tmp_path, a)
    (sec,) = cli.json("claim", "generate")
    r = cli("claim", "scrub", "--format", "json")
    assert r.exit_code != 0 or "cob-msp-type" in r.stdout, r.output
    findings = cli.json("claim", "show", sec["pcn"])
    assert isinstance(findings, dict)
    assert findings["status"] == "held"
    assert any(f["edit"] == "cob-msp-type" for f in findings["findings"]), findings["findings"]
    out = tmp_path / "none.x12"
    cli.ok("claim", "export", "--format", "x12", "--output", str(out))
    assert not out.exists()  # nothing ready: the held claim is not sent
    cov = cli.db.scalar("SELECT id FROM coverage WHERE priority = 'secondary'")
    cli.ok("coverage", "update", str(cov), "--insurance-type", "43", "--reason", "MSPQ: disabled")
    sbr = [s for s in export(cli, tmp_path, "medicare.x12") if s[0] == "SBR"]
    assert sbr[0][:2] == ["SBR", "S"] and sbr[0][5] == "43"
    ledger_clean(cli)
