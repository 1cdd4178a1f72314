"""patient balance, patient statement and ar aging read the line-item ledger: self-pay is
owed by the patient, a replacement claim keeps the payment history, a claim to a coverage
added after charge entry moves the line to it; ``ledger check`` passes after each."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from charge_support import charging  # noqa: F401
from conftest import Cli
from remit_support import aging_total, exported, first_835

TODAY = dt.date.today().isoformat()


def _charge(cli: Cli, account: str, fee: str = "100") -> int:
    r = cli.ok("charge", "add", "--patient", account, "--date", "today", "--code", "99213",
               "--dx", "E11.9", "--fee", fee)
    return int(r.stdout.strip())


def _balance(cli: Cli, account: str) -> dict[str, Any]:
    b = cli.json("patient", "balance", account)
    assert isinstance(b, dict)
    return b


def _checks_out(cli: Cli) -> None:
    r = cli.ok("ledger", "check")
    assert "checks out" in r.stderr


def test_accounts_self_pay_sixty_owed_in_balance_statement_and_aging(
    charging: Cli, tmp_path: Path
) -> None:
    # The example: no coverage, a $100 charge, $40 cash. The old per-claim
    # computation showed a balance of -40.00 and left the patient out of A/R.
    _charge(charging, "P000002")
    charging.ok("payment", "add", "--patient", "P000002", "--amount", "40", "--method", "cash")
    b = _balance(charging, "P000002")
    assert (b["charges"], b["patient_paid"], b["owed_by"], b["patient_due"], b["credit"],
            b["balance"]) == ("100.00", "40.00", {"patient": "60.00"}, "60.00", "0.00", "60.00")

    out = tmp_path / "stmt.txt"
    charging.ok("patient", "statement", "P000002", "--output", str(out))
    text = out.read_text()
    assert "(self-pay)" in text and "you owe 60.00" in text
    due = [ln for ln in text.splitlines() if ln.startswith("BALANCE DUE")]
    assert len(due) == 1 and due[0].endswith("$60.00")
    assert "credit" not in text

    by_patient = charging.json("ar", "aging", "--by", "patient")
    assert [(r["patient"], r["0-30"], r["total"]) for r in by_patient] == [
        ("P000002", "60.00", "60.00"), ("TOTAL", "60.00", "60.00")]
    by_party = charging.json("ar", "aging", "--by", "party", "--basis", "transfer")
    assert [(r["party"], r["total"]) for r in by_party] == [("patient", "60.00"),
                                                           ("TOTAL", "60.00")]
    csv = charging.ok("patient", "balance", "P000002", "--format", "csv").stdout
    header, row = csv.strip().splitlines()
    assert header.split(",")[:3] == ["account", "as_of", "charges"] and "owed_by" not in header
    assert row.startswith(f"P000002,{TODAY},100.00,")
    _checks_out(charging)


def test_accounts_claim_to_a_coverage_added_later_takes_the_line(charging: Cli) -> None:
    # Charged as self-pay, the cash applied to the patient's share; the coverage is added
    # and the claim generated: the line moves to the payer and the cash goes back to credit.
    _charge(charging, "P000002")
    charging.ok("payment", "add", "--patient", "P000002", "--amount", "40", "--method", "cash")
    charging.ok("coverage", "add", "P000002", "--payer", "ACME1", "--member-id", "M2",
                "--effective", "2020-01-01")
    charging.ok("claim", "generate")
    b = _balance(charging, "P000002")
    assert (b["owed_by"], b["patient_due"], b["credit"], b["balance"]) == (
        {"ACME1:primary": "100.00"}, "0.00", "40.00", "60.00")
    rows = charging.json("ar", "aging")
    assert [(r["payer"], r["total"]) for r in rows][-1] == ("TOTAL", "100.00")
    # The 40.00 is held for the patient's share of the claim: listed as a credit, but not a
    # refund to work while the payer holds the line.
    assert [c["account"] for c in charging.json("credit", "list")] == ["P000002"]  # type: ignore[index]
    r = charging("worklist", "credit", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output
    _checks_out(charging)
    # A second generate finds nothing to bill and moves nothing.
    before = charging.json("ledger", "show", "P000002")
    charging.ok("claim", "generate")
    assert charging.json("ledger", "show", "P000002") == before


def test_accounts_replacement_claim_keeps_the_payment_history(
    practice: Cli, tmp_path: Path
) -> None:
    # The old computation skipped closed claims: after a replacement the original's payment
    # and adjustments vanished from A/R. On the ledger the claims are submissions of lines.
    p = exported(practice, tmp_path)
    (tmp_path / "first.835").write_text(first_835(p))
    practice.ok("era", "import", str(tmp_path / "first.835"))
    _, before = aging_total(practice)
    alpha_before = _balance(practice, p["Alpha_acct"])
    claim = practice.db.scalar("SELECT id FROM claim WHERE pcn = :p", p=p["Alpha"])
    practice.ok("claim", "resubmit", str(claim), "--frequency", "7",
                "--payer-claim-number", "2024ABC123")
    assert practice.db.scalar("SELECT status FROM claim WHERE id = :i", i=claim) == "closed"
    _, after = aging_total(practice)
    assert after == before == Decimal("195.00")
    alpha = _balance(practice, p["Alpha_acct"])
    assert alpha == alpha_before
    assert (alpha["insurance_paid"], alpha["adjustments"], alpha["patient_due"]) == (
        "100.00", "15.00", "35.00")
    out = tmp_path / "stmt.txt"
    practice.ok("patient", "statement", p["Alpha_acct"], "--output", str(out))
    text = out.read_text()
    assert "100.00" in text and text.count("you owe 35.00") == 1
    assert [ln for ln in text.splitlines() if ln.startswith("BALANCE DUE")][0].endswith("$35.00")
    _checks_out(practice)


def test_accounts_bad_input_one_line_nothing_written(charging: Cli) -> None:
    before = charging.db.counts()
    for argv, needle in (
        (("patient", "balance", "P999999"), "No patient with account P999999"),
        (("patient", "statement", "P999999"), "No patient with account P999999"),
        (("ar", "aging", "--by", "provider"), "must be payer, patient or party"),
        (("ar", "aging", "--basis", "posting"), "must be dos or transfer"),
        (("ar", "aging", "--as-of", "31/12/2024"), "--as-of"),
    ):
        r = charging.fails(3, *argv)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (argv, r.stderr)
    assert charging.db.counts() == before
