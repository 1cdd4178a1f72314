"""The ledger from the first wave's commands: posted by the wired write paths, and rebuilt by
migration 0007 from the rows alone; both agree, ``ledger check`` passes, and the balances are
right (where the old per-claim computation was right, the same numbers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claim_support import Svc, add_patient, add_visit
from conftest import Cli
from ledger_support import connection
from remit_support import exported, first_835, reversal_835


def _balances(cli: Cli) -> dict[tuple[int | None, str], int]:
    """(charge, party) -> cents, and (None, account) -> credit."""
    from medbill_cli.services.ledger_reports import line_party_balances

    with connection(cli.db) as c:
        out: dict[tuple[int | None, str], int] = {
            (r.charge_id, r.party): int(r.cents) for r in line_party_balances(session=c)
        }
        for r in c.execute(
            __import__("sqlalchemy").text(
                "SELECT p.account, sum(e.amount_cents) FROM ledger_entry e "
                "JOIN patient p ON p.id = e.patient_id WHERE e.charge_id IS NULL "
                "GROUP BY p.account"
            )
        ):
            if int(r[1]):
                out[(None, r[0])] = -int(r[1])
    return out


def _rebuild(cli: Cli) -> None:
    """Run the backfill again: down to 0006 (the entries go), then up to head."""
    from alembic import command

    from medbill_cli.db.migrations import alembic_config

    eng = cli.db.engine()
    try:
        command.downgrade(alembic_config(eng), "0006")
        assert cli.db.count("ledger_entry") == 0
        command.upgrade(alembic_config(eng), "head")
    finally:
        eng.dispose()


def _balance(cli: Cli, account: str) -> dict[str, Any]:
    b = cli.json("patient", "balance", account)
    assert isinstance(b, dict)
    return b


def test_ledger_backfill_matches_the_posting_rules_and_accounts(
    practice: Cli, tmp_path: Path
) -> None:
    p = exported(practice, tmp_path)
    echo = add_patient(practice, "Echo", "Selfpay")
    add_visit(practice, echo, ["J06.9"], [Svc("99213", 10000)])
    practice.ok("payment", "add", "--patient", echo, "--amount", "40", "--method", "cash")
    (tmp_path / "first.835").write_text(first_835(p))
    practice.ok("era", "import", str(tmp_path / "first.835"))
    alpha_claim = practice.db.scalar("SELECT id FROM claim WHERE pcn = :p", p=p["Alpha"])
    practice.ok(
        "payment",
        "add",
        "--patient",
        p["Alpha_acct"],
        "--amount",
        "20",
        "--method",
        "card",
        "--claim",
        str(alpha_claim),
    )
    practice.ok(
        "payment",
        "add",
        "--patient",
        p["Delta_acct"],
        "--amount",
        "10",
        "--method",
        "cash",
        "--kind",
        "coinsurance",
    )
    (tmp_path / "reversal.835").write_text(reversal_835(p))
    practice.ok("era", "import", str(tmp_path / "reversal.835"))
    denial = practice.db.scalar("SELECT id FROM denial WHERE status = 'open'")
    bravo_before_close = _balance(practice, p["Bravo_acct"])
    practice.ok("denial", "work", str(denial), "--note", "appeal lost", "--status", "closed")
    r = practice.ok("ledger", "check")
    assert "checks out" in r.stderr
    posted = _balances(practice)

    _rebuild(practice)
    practice.ok("ledger", "check")
    assert _balances(practice) == posted

    # Where the old per-claim computation was right, the ledger agrees with it.
    for name, (charges, paid, due) in {"Alpha": ("150.00", "100.00", "15.00"),
                                       "Charlie": ("100.00", "80.00", "0.00")}.items():
        b = _balance(practice, p[f"{name}_acct"])
        assert (b["charges"], b["insurance_paid"], b["patient_due"]) == (charges, paid, due)
        assert b["owed_by"] == ({"patient": due} if due != "0.00" else {}), name
    alpha = _balance(practice, p["Alpha_acct"])
    assert alpha["owed_by"] == {"patient": "15.00"} and alpha["adjustments"] == "15.00"
    # A denial stays with the payer until it is worked; closing it writes it off.
    assert bravo_before_close["owed_by"] == {"ACME1:primary": "150.00"}
    bravo = _balance(practice, p["Bravo_acct"])
    assert bravo["owed_by"] == {} and bravo["adjustments"] == "150.00"
    # The reversal undoes exactly the posting: the payer holds the claim again, and the
    # patient's coinsurance goes back to credit.
    delta = _balance(practice, p["Delta_acct"])
    assert delta["owed_by"] == {"ACME1:primary": "80.00"} and delta["credit"] == "10.00"
    assert delta["insurance_paid"] == "0.00" and delta["adjustments"] == "0.00"
    # Self-pay: the old computation showed a 40.00 credit; the patient owes 60.00, in A/R.
    assert _balance(practice, echo)["owed_by"] == {"patient": "60.00"}
    aging = practice.json("ar", "aging", "--by", "patient")
    assert {r["patient"]: r["total"] for r in aging[:-1]} == {
        p["Alpha_acct"]: "15.00",
        p["Delta_acct"]: "80.00",
        echo: "60.00",
    }
    by_party = practice.json("ar", "aging", "--by", "party", "--basis", "transfer")
    assert {r["party"]: r["total"] for r in by_party} == {
        "patient": "75.00",
        "primary": "80.00",
        "TOTAL": "155.00",
    }


def test_ledger_835_paying_and_reversing_in_one_file(practice: Cli, tmp_path: Path) -> None:
    from era_support import ClaimSpec, Line, build_835
    from remit_support import D8

    p = exported(practice, tmp_path)
    both = build_835(
        [
            ClaimSpec(
                p["Delta"],
                "1",
                "80",
                "60",
                lines=[Line("99212", "80", "60", [("CO", "45", "10"), ("PR", "1", "10")], date=D8)],
            ),
            ClaimSpec(
                p["Delta"],
                "22",
                "-80",
                "-60",
                lines=[
                    Line("99212", "-80", "-60", [("CO", "45", "-10"), ("PR", "1", "-10")], date=D8)
                ],
            ),
            ClaimSpec(
                p["Charlie"],
                "1",
                "100",
                "0",
                lines=[Line("99213", "100", "0", [("CO", "45", "20"), ("PR", "1", "80")], date=D8)],
            ),
        ],
        trace="ONEFILE",
    )
    (tmp_path / "both.835").write_text(both)
    practice.ok("era", "import", str(tmp_path / "both.835"))
    practice.ok("ledger", "check")
    assert _balance(practice, p["Delta_acct"])["owed_by"] == {"ACME1:primary": "80.00"}
    charlie = _balance(practice, p["Charlie_acct"])
    assert charlie["owed_by"] == {"patient": "80.00"} and charlie["adjustments"] == "20.00"
    posted = _balances(practice)
    _rebuild(practice)
    practice.ok("ledger", "check")
    assert _balances(practice) == posted
