"""The ledger from the first wave's data: posted as the wired write paths will post it
(``sync``), and rebuilt by migration 0007 from the rows alone; both agree, ``ledger check``
passes, and the balances are today's ``services/accounts.py`` results where those are right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claim_support import Svc, add_patient, add_visit
from conftest import Cli
from ledger_support import connection, sync
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


def _old(cli: Cli, account: str) -> dict[str, int]:
    from sqlmodel import Session

    from medbill_cli.services.accounts import patient_account

    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            return patient_account(session=s, account=account).totals()
    finally:
        eng.dispose()


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
    b = cli.json("ledger", "balance", account)
    assert isinstance(b, dict)
    return b


def test_ledger_backfill_matches_the_posting_rules_and_accounts(
    practice: Cli, tmp_path: Path
) -> None:
    p = exported(practice, tmp_path)
    sync(practice.db)
    echo = add_patient(practice, "Echo", "Selfpay")
    add_visit(practice, echo, ["J06.9"], [Svc("99213", 10000)])
    sync(practice.db)
    practice.ok("payment", "add", "--patient", echo, "--amount", "40", "--method", "cash")
    sync(practice.db)
    (tmp_path / "first.835").write_text(first_835(p))
    practice.ok("era", "import", str(tmp_path / "first.835"))
    sync(practice.db)
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
    sync(practice.db)
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
    sync(practice.db)
    old_before_reversal = {a: _old(practice, p[f"{a}_acct"]) for a in ("Alpha", "Bravo", "Charlie")}
    (tmp_path / "reversal.835").write_text(reversal_835(p))
    practice.ok("era", "import", str(tmp_path / "reversal.835"))
    sync(practice.db)
    denial = practice.db.scalar("SELECT id FROM denial WHERE status = 'open'")
    bravo_before_close = _balance(practice, p["Bravo_acct"])
    practice.ok("denial", "work", str(denial), "--note", "appeal lost", "--status", "closed")
    sync(practice.db)
    r = practice.ok("ledger", "check")
    assert "checks out" in r.stderr
    posted = _balances(practice)

    _rebuild(practice)
    practice.ok("ledger", "check")
    assert _balances(practice) == posted

    # Where accounts.py is right, the ledger agrees with it.
    for name in ("Alpha", "Charlie"):
        old = old_before_reversal[name]
        b = _balance(practice, p[f"{name}_acct"])
        assert b["patient_due"] == f"{old['patient_due_cents'] / 100:.2f}", name
        insurance = sum(float(v) for k, v in b["owed_by"].items() if k != "patient")
        assert round(insurance * 100) == old["insurance_cents"], name
        assert b["charges"] == f"{old['charge_cents'] / 100:.2f}"
        assert b["insurance_paid"] == f"{old['paid_cents'] / 100:.2f}"
    alpha = _balance(practice, p["Alpha_acct"])
    assert alpha["owed_by"] == {"patient": "15.00"} and alpha["adjustments"] == "15.00"
    # A denial stays with the payer until it is worked; closing it writes it off.
    assert bravo_before_close["owed_by"] == {"ACME1:primary": "150.00"}
    old_bravo = old_before_reversal["Bravo"]
    assert old_bravo["insurance_cents"] == 15000
    bravo = _balance(practice, p["Bravo_acct"])
    assert bravo["owed_by"] == {} and bravo["adjustments"] == "150.00"
    assert _old(practice, p["Bravo_acct"])["balance_cents"] == 0
    # The reversal undoes exactly the posting: the payer holds the claim again, and the
    # patient's coinsurance goes back to credit.
    delta = _balance(practice, p["Delta_acct"])
    assert delta["owed_by"] == {"ACME1:primary": "80.00"} and delta["credit"] == "10.00"
    assert delta["insurance_paid"] == "0.00" and delta["adjustments"] == "0.00"
    assert _old(practice, p["Delta_acct"])["insurance_cents"] == 8000
    # Self-pay: accounts.py shows a 40.00 credit; the patient owes 60.00, in A/R.
    assert _old(practice, echo)["balance_due_cents"] == -4000
    assert _balance(practice, echo)["owed_by"] == {"patient": "60.00"}
    aging = practice.json("ledger", "aging", "--by", "patient")
    assert {r["patient"]: r["total"] for r in aging[:-1]} == {
        p["Alpha_acct"]: "15.00",
        p["Delta_acct"]: "80.00",
        echo: "60.00",
    }
    by_party = practice.json("ledger", "aging", "--by", "party", "--basis", "transfer")
    assert {r["party"]: r["total"] for r in by_party} == {
        "patient": "75.00",
        "primary": "80.00",
        "TOTAL": "155.00",
    }


def test_ledger_835_paying_and_reversing_in_one_file(practice: Cli, tmp_path: Path) -> None:
    from era_support import ClaimSpec, Line, build_835
    from remit_support import D8

    p = exported(practice, tmp_path)
    sync(practice.db)
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
    sync(practice.db)
    practice.ok("ledger", "check")
    assert _balance(practice, p["Delta_acct"])["owed_by"] == {"ACME1:primary": "80.00"}
    charlie = _balance(practice, p["Charlie_acct"])
    assert charlie["owed_by"] == {"patient": "80.00"} and charlie["adjustments"] == "20.00"
    posted = _balances(practice)
    _rebuild(practice)
    practice.ok("ledger", "check")
    assert _balances(practice) == posted
