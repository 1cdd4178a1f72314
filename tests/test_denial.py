"""denial list / work and report denials over a posted 835."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from conftest import Cli
from era_support import ClaimSpec, Line, build_835
from remit_support import D8, aging_total, exported, first_835


def posted(cli: Cli, tmp_path: Path) -> dict[str, str]:
    p = exported(cli, tmp_path)
    f = tmp_path / "first.835"
    f.write_text(first_835(p))
    cli.ok("era", "import", str(f))
    return p


def test_denial_list_filters(practice: Cli, tmp_path: Path) -> None:
    posted(practice, tmp_path)
    assert len(practice.json("denial", "list", "--status", "open")) == 1
    assert practice.json("denial", "list", "--status", "closed") == []
    assert len(practice.json("denial", "list", "--payer", "acme1")) == 1
    assert practice.json("denial", "list", "--payer", "BCN02") == []
    assert len(practice.json("denial", "list", "--reason", "50")) == 1
    assert practice.json("denial", "list", "--reason", "16") == []
    assert practice.json("denial", "list", "--older-than", "1") == []
    practice.fails(3, "denial", "list", "--status", "pending")


def test_denial_work_then_close_writes_off(practice: Cli, tmp_path: Path) -> None:
    posted(practice, tmp_path)
    d = practice.json("denial", "list")[0]
    _, before = aging_total(practice)
    rec = practice.json("denial", "work", str(d["id"]), "--note", "appealed with records")
    assert rec["status"] == "worked" and "appealed with records" in rec["note"]
    _, still = aging_total(practice)
    assert still == before  # worked denials stay receivable
    practice.ok("denial", "work", str(d["id"]), "--note", "appeal lost", "--status", "closed")
    _, after = aging_total(practice)
    assert before - after == Decimal("150.00")
    # Closed is final: the transition table refuses to move it, and nothing is written.
    r = practice.fails(3, "denial", "work", str(d["id"]), "--note", "reopen", "--status", "open")
    assert "Cannot move denial" in r.stderr and "from closed to open" in r.stderr
    assert practice.json("denial", "list", "--status", "closed")[0]["note"].count("\n") == 1
    assert practice.db.scalar(
        "SELECT count(*) FROM audit_log WHERE entity = 'denial' AND action = 'work'") == 2


def test_denial_work_refused(practice: Cli, tmp_path: Path) -> None:
    posted(practice, tmp_path)
    practice.fails(3, "denial", "work", "999", "--note", "x")
    practice.fails(3, "denial", "work", "1", "--note", "  ")
    practice.fails(3, "denial", "work", "1", "--note", "x", "--status", "done")


def test_denial_line_denied_on_paid_claim_and_closed_by_later_payment(
    practice: Cli, tmp_path: Path
) -> None:
    p = exported(practice, tmp_path)
    # Alpha: the visit is paid, the lab line denied (CO-16 with a RARC).
    f = tmp_path / "a.835"
    f.write_text(build_835([ClaimSpec(p["Alpha"], "1", "150", "70", lines=[
        Line("99213", "100", "70", [("CO", "45", "30")], date=D8),
        Line("85025", "50", "0", [("CO", "16", "50")], remarks=["M51"], date=D8)])], trace="L1"))
    practice.ok("era", "import", str(f))
    d = practice.json("denial", "list")
    assert [(x["carc"], x["rarc"], x["amount"]) for x in d] == [("16", "M51", "50.00")]
    assert practice.json("era", "show", "1")["claim_payments"][0]["outcome"] == "partial"
    # The corrected line is paid later: the denial closes.
    g = tmp_path / "b.835"
    g.write_text(build_835([ClaimSpec(p["Alpha"], "1", "50", "40", lines=[
        Line("85025", "50", "40", [("CO", "45", "10")], date=D8)])], trace="L2"))
    practice.ok("era", "import", str(g))
    assert practice.json("denial", "list", "--status", "open") == []


def test_report_denials_by_carc_and_payer(practice: Cli, tmp_path: Path) -> None:
    posted(practice, tmp_path)
    today = dt.date.today().isoformat()
    rows = practice.json("report", "denials", "--from", today, "--to", today)
    assert rows == [{"carc": "50", "payer": "ACME1", "count": 1, "amount": "150.00"}]
    assert practice.json("report", "denials", "--from", "2000-01-01", "--to", "2000-12-31") == []
    practice.fails(3, "report", "denials", "--from", today, "--to", "2000-01-01")


def _owed(cli: Cli, account: str) -> dict[str, str]:
    b = cli.json("patient", "balance", account)
    assert isinstance(b, dict)
    return {k: v for k, v in b["owed_by"].items() if Decimal(v)}


def test_denial_transfer_to_patient_then_reverse_then_close(practice: Cli, tmp_path: Path) -> None:
    p = posted(practice, tmp_path)
    bravo = p["Bravo_acct"]
    d = practice.json("denial", "list")[0]
    assert d["account"] == bravo and d["status"] == "open"
    assert _owed(practice, bravo) == {"ACME1:primary": "150.00"}  # held with the payer
    _, total = aging_total(practice)

    rec = practice.json("denial", "transfer", str(d["id"]), "--to", "patient",
                        "--note", "non-covered service, patient informed")
    assert rec["status"] == "worked"
    assert "150.00 transferred to the patient: non-covered service" in rec["note"]
    assert _owed(practice, bravo) == {"patient": "150.00"}
    assert aging_total(practice)[1] == total  # moved between parties, still receivable
    kinds = [(e["kind"], e["party"], e["amount"]) for e in practice.json("ledger", "show", bravo)]
    assert ("transfer", "ACME1:primary", "-150.00") in kinds and (
        "transfer", "patient", "150.00") in kinds
    assert practice.db.scalar(
        "SELECT count(*) FROM audit_log WHERE entity = 'denial' AND action = 'transfer'") == 1
    practice.ok("ledger", "check")

    r = practice.fails(3, "denial", "transfer", str(d["id"]), "--to", "patient")
    assert "already transferred" in r.stderr

    rec = practice.json("denial", "transfer", str(d["id"]), "--reverse")
    assert rec["status"] == "open" and "transfer of 150.00 reversed" in rec["note"]
    assert _owed(practice, bravo) == {"ACME1:primary": "150.00"}
    practice.ok("ledger", "check")
    r = practice.fails(3, "denial", "transfer", str(d["id"]), "--reverse")
    assert "no transfer to reverse" in r.stderr

    # Transferred again, then closed: the payer holds nothing, so nothing is written off.
    practice.ok("denial", "transfer", str(d["id"]), "--to", "patient")
    practice.ok("denial", "work", str(d["id"]), "--note", "patient billed", "--status", "closed")
    assert _owed(practice, bravo) == {"patient": "150.00"}
    assert aging_total(practice)[1] == total
    r = practice.fails(3, "denial", "transfer", str(d["id"]), "--reverse")
    assert "is closed" in r.stderr
    practice.ok("ledger", "check")


def test_denial_transfer_applies_the_patients_credit(practice: Cli, tmp_path: Path) -> None:
    p = posted(practice, tmp_path)
    bravo = p["Bravo_acct"]
    practice.ok("payment", "add", "--patient", bravo, "--amount", "50", "--method", "cash")
    d = practice.json("denial", "list")[0]
    practice.ok("denial", "transfer", str(d["id"]), "--to", "next")  # no secondary: the patient
    b = practice.json("patient", "balance", bravo)
    assert isinstance(b, dict)
    assert b["owed_by"].get("patient") == "100.00" and b["credit"] == "0.00"
    practice.ok("denial", "transfer", str(d["id"]), "--reverse")
    b = practice.json("patient", "balance", bravo)
    assert isinstance(b, dict)
    assert b["credit"] == "50.00" and "patient" not in {
        k for k, v in b["owed_by"].items() if Decimal(v)}
    practice.ok("ledger", "check")


def test_denial_transfer_refused(practice: Cli, tmp_path: Path) -> None:
    posted(practice, tmp_path)
    d = str(practice.json("denial", "list")[0]["id"])
    practice.fails(3, "denial", "transfer", "999", "--to", "patient")
    practice.fails(3, "denial", "transfer", d)  # neither --to nor --reverse
    practice.fails(3, "denial", "transfer", d, "--to", "payer")
    practice.fails(3, "denial", "transfer", d, "--to", "patient", "--reverse")
    practice.fails(3, "denial", "transfer", d, "--to", "patient", "--note", "x" * 501)
    practice.ok("period", "close", "--through", "today")
    r = practice.fails(3, "denial", "transfer", d, "--to", "patient")
    assert "closed through" in r.stderr
    practice.ok("ledger", "check")


def test_denial_transfer_refused_when_nothing_is_held(practice: Cli, tmp_path: Path) -> None:
    p = posted(practice, tmp_path)
    d = str(practice.json("denial", "list")[0]["id"])
    claim = practice.db.scalar("SELECT id FROM claim WHERE pcn = :p", p=p["Bravo"])
    practice.ok("adjust", "--claim", str(claim), "--amount", "150", "--reason", "contractual")
    r = practice.fails(3, "denial", "transfer", d, "--to", "patient")
    assert "holds nothing with the payer" in r.stderr
    practice.ok("denial", "work", d, "--note", "written off", "--status", "closed")
    r = practice.fails(3, "denial", "transfer", d, "--to", "patient")
    assert "is closed" in r.stderr
    practice.ok("ledger", "check")
