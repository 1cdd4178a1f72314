"""era import end to end: claims we generate and export, 835s we write for them, posted to the
cent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Cli, shared_path
from remit_support import aging_total, exported, first_835, reversal_835, status
from x12_support import pyx12_errors


def test_era_import_posts_pays_denies_reverses(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    p = exported(cli, tmp_path)
    f1 = tmp_path / "first.835"
    f1.write_text(first_835(p))
    assert pyx12_errors(f1) == []

    r = cli.ok("era", "import", str(f1))
    assert r.stdout.strip() == "1"
    assert "unmatched claim ZZZ999" in r.stderr
    assert [status(cli, p[k]) for k in ("Alpha", "Bravo", "Charlie", "Delta")] == [
        "paid",
        "denied",
        "paid",
        "paid",
    ]

    era = cli.json("era", "show", "1")
    assert era["total"] == "245.00" and era["plb"] == "5.00" and era["unmatched"] == 1
    unmatched = cli.json("era", "unmatched")
    assert [u["pcn"] for u in unmatched] == ["ZZZ999"]

    denials = cli.json("denial", "list")
    assert len(denials) == 1
    d = denials[0]
    assert (d["carc"], d["group"], d["rarc"], d["amount"], d["payer"], d["status"]) == (
        "50", "CO", "N115", "150.00", "ACME1", "open")

    alpha = cli.json("patient", "balance", p["Alpha_acct"])
    assert (alpha["charges"], alpha["insurance_paid"], alpha["adjustments"], alpha["patient_due"],
            alpha["owed_by"]) == ("150.00", "100.00", "15.00", "35.00", {"patient": "35.00"})
    bravo = cli.json("patient", "balance", p["Bravo_acct"])
    assert (bravo["owed_by"], bravo["patient_due"]) == ({"ACME1:primary": "150.00"}, "0.00")

    rows, total = aging_total(cli)
    by = {r["payer"]: r["total"] for r in rows}
    assert by == {"Acme Health": "150.00", "(patient)": "45.00"}
    assert total == Decimal("195.00")
    _, total_p = aging_total(cli, "patient")
    assert total_p == total

    # The same file again is refused, and changes nothing.
    r = cli.fails(3, "era", "import", str(f1))
    assert "already posted as ERA 1" in r.stderr

    # The reversal undoes Delta's payment.
    f2 = tmp_path / "reversal.835"
    f2.write_text(reversal_835(p))
    assert pyx12_errors(f2) == []
    cli.ok("era", "import", str(f2))
    assert status(cli, p["Delta"]) == "submitted"
    delta = cli.json("patient", "balance", p["Delta_acct"])
    assert (delta["insurance_paid"], delta["adjustments"], delta["patient_due"],
            delta["owed_by"]) == ("0.00", "0.00", "0.00", {"ACME1:primary": "80.00"})
    posted = cli.json("era", "show", "1")["claim_payments"]
    assert [c["reversed_by"] is not None for c in posted if c["pcn"] == p["Delta"]] == [True]
    _, total = aging_total(cli)
    assert total == Decimal("265.00")

    # A later patient payment lands on the oldest claim with a patient balance.
    cli.ok("payment", "add", "--patient", p["Alpha_acct"], "--amount", "20", "--method", "cash")
    alpha = cli.json("patient", "balance", p["Alpha_acct"])
    assert (alpha["patient_paid"], alpha["patient_due"], alpha["balance"]) == (
        "20.00",
        "15.00",
        "15.00",
    )
    _, total = aging_total(cli)
    assert total == Decimal("245.00")

    out = tmp_path / "stmt.txt"
    cli.ok("patient", "statement", p["Alpha_acct"], "--output", str(out))
    text = out.read_text()
    assert "BALANCE DUE" in text and "$15.00" in text and p["Alpha"] in text
    assert "checks out" in cli.ok("ledger", "check").stderr


def test_era_import_unbalanced_refused(practice: Cli, tmp_path: Path) -> None:
    p = exported(practice, tmp_path)
    f = tmp_path / "bad.835"
    f.write_text(first_835(p, total="250"))
    r = practice.fails(3, "era", "import", str(f))
    assert "does not balance: BPR02 250.00 != claims paid 250.00 - PLB 5.00 = 245.00" in r.stderr
    # A claim that does not balance is refused too.
    f.write_text(
        first_835(p).replace(
            "CLP*" + p["Charlie"] + "*1*100*80", "CLP*" + p["Charlie"] + "*1*100*85"
        )
    )
    r = practice.fails(3, "era", "import", str(f))
    assert "does not balance" in r.stderr
    assert status(practice, p["Alpha"]) == "submitted"


def test_era_import_dry_run_prints_plan(practice: Cli, tmp_path: Path) -> None:
    p = exported(practice, tmp_path)
    f = tmp_path / "first.835"
    f.write_text(first_835(p))
    before = practice.db.counts()
    r = practice.ok("era", "import", str(f), "--dry-run")
    assert practice.db.counts() == before
    assert "BPR02 245.00 = claims paid 250.00 - PLB 5.00" in r.stdout
    assert f"{p['Alpha']} (claim" in r.stdout
    assert "charge 150.00 = paid 100.00 + CO 15.00 + PR 35.00 (balances)" in r.stdout
    assert "submitted -> denied" in r.stdout
    assert "denial (claim): CO-50 N115 150.00" in r.stdout
    assert "ZZZ999 (no claim)" in r.stdout


def test_era_import_payment_with_claim(practice: Cli, tmp_path: Path) -> None:
    p = exported(practice, tmp_path)
    f = tmp_path / "first.835"
    f.write_text(first_835(p))
    practice.ok("era", "import", str(f))
    cid = practice.db.scalar("SELECT id FROM claim WHERE pcn = :p", p=p["Delta"])
    practice.ok(
        "payment",
        "add",
        "--patient",
        p["Delta_acct"],
        "--amount",
        "10",
        "--method",
        "card",
        "--claim",
        str(cid),
    )
    delta = practice.json("patient", "balance", p["Delta_acct"])
    assert (delta["patient_paid"], delta["patient_due"], delta["balance"]) == (
        "10.00",
        "0.00",
        "0.00",
    )


PUBLIC_835 = ["pyx12__835_mult_loops.txt", "linuxforhealth__managed-care.835",
              "linuxforhealth__secondary-payment.835",
              "edi835parser__united_healthcare_legacy_sample.txt"]


@pytest.mark.parametrize("name", PUBLIC_835)
def test_era_import_public_sample_lists_unmatched(practice: Cli, name: str) -> None:
    path = shared_path("data", "x12", "public", name)
    r = practice.ok("era", "import", str(path))
    assert "Traceback" not in r.output
    n = practice.db.count("era_claim")
    assert n >= 1 and r.stderr.count("unmatched claim") == n
    assert practice.db.scalar("SELECT count(*) FROM era_claim WHERE outcome = 'unmatched'") == n
    rows = practice.json("era", "unmatched")
    assert len(rows) == n
    # Nothing dropped: every SVC and CAS is kept.
    text = path.read_text()
    assert practice.db.count("era_line") == text.count("SVC*")
    practice.fails(3, "era", "import", str(path))


@pytest.mark.parametrize("name", ["imsweb__x12_valid.txt", "linuxforhealth__demo.example1.837"])
def test_era_import_not_835_refused(practice: Cli, name: str) -> None:
    r = practice.fails(3, "era", "import", str(shared_path("data", "x12", "public", name)))
    assert r.stderr.count("\n") == 1 and "Not an 835" in r.stderr
