"""The close-of-day scenario, driven only through the commands a front desk and biller use.

Thirty visits from encounter forms, six planted problems; fixed with ordinary commands; balanced;
closed; a closed day refuses charges, voids and payments until it is reopened.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import NPI_PROVIDER, Cli

DAY = "2026-03-16"  # inside ICD-10-CM FY2026, a Monday


def reconcile(cli: Cli, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = cli("reconcile", "--date", DAY, "--format", "json", *args)
    assert r.exit_code in (0, 1), f"exit {r.exit_code}\n{r.stdout}\n{r.stderr}\n{r.exception!r}"
    return r.exit_code, json.loads(r.stdout)


def charge(cli: Cli, account: str, code: str = "99213", fee: str = "75.00") -> str:
    return cli.ok("charge", "add", "--patient", account, "--date", DAY, "--code", code,
                  "--dx", "I10", "--fee", fee, "--provider", NPI_PROVIDER).stdout.strip()


def pay(cli: Cli, account: str, amount: str, method: str = "cash") -> str:
    extra = ["--reference", "1042"] if method == "check" else []
    return cli.ok("payment", "add", "--patient", account, "--amount", amount, "--method", method,
                  "--date", DAY, *extra).stdout.strip()


def test_reconcile_scenario_day_six_problems_fixed_closed_reopened(
    coded: Cli, tmp_path: Path
) -> None:
    cli = coded
    # The day's patients and their encounter forms (31: the last is seen without a form).
    pats = tmp_path / "patients.csv"
    pats.write_text(
        "first_name,last_name,dob,sex\n"
        + "".join(f"Pat,Day{i:02d},1970-01-{(i % 28) + 1:02d},F\n" for i in range(1, 32))
    )
    cli.ok("patient", "import", str(pats))
    acct = {i: f"P{i:06d}" for i in range(1, 32)}
    forms = tmp_path / "encounters.csv"
    lines = ["patient,date,provider_npi,form,form_charges,form_collected"]
    for i in range(1, 31):
        form_charges = "150.00" if i == 5 else "75.00"  # 5: the form marks a second service
        lines.append(f"{acct[i]},{DAY},{NPI_PROVIDER},F{1000 + i},{form_charges},20.00")
    forms.write_text("\n".join(lines) + "\n")
    cli.ok("encounter", "import", str(forms))
    enc = {e["patient"]: e["id"] for e in cli.json("encounter", "list", "--date", DAY)}
    assert len(enc) == 30

    for i in range(1, 31):
        if i in (1, 2):
            continue  # planted: two encounters without charges
        charge(cli, acct[i])  # 5 gets only one of its two services: the form total differs
    charge(cli, acct[31])  # planted: a charge with no encounter form behind it
    opened = cli.json("encounter", "list", "--date", DAY, "--patient", acct[31])[0]
    assert opened["source"] == "charge"
    for i in range(1, 31):
        if i == 3:
            continue  # planted: a copay collected but not posted
        pay(cli, acct[i], "15.00" if i == 4 else "20.00",  # planted: posted the wrong amount
            method="check" if i == 30 else "cash")

    code, data = reconcile(cli)
    assert code == 1 and data["balanced"] is False
    assert data["encounters"] == 31
    assert data["form_charges"] == "2325.00"  # 29 x 75 + 150
    assert data["entered_charges"] == "2175.00"  # 28 x 75 + the one without a form
    assert data["form_collected"] == "600.00"
    assert data["posted_payments"] == "575.00"  # 28 x 20 + 15
    got = [(d["kind"], d["encounter"], d["patient"], d["expected"], d["actual"], d["difference"])
           for d in data["discrepancies"]]
    assert got == [
        ("missing_charge", enc[acct[1]], acct[1], "75.00", "0.00", "-75.00"),
        ("missing_charge", enc[acct[2]], acct[2], "75.00", "0.00", "-75.00"),
        ("charge_without_encounter", opened["id"], acct[31], "0.00", "75.00", "75.00"),
        ("charge_mismatch", enc[acct[5]], acct[5], "150.00", "75.00", "-75.00"),
        ("unposted_payment", enc[acct[3]], acct[3], "20.00", "0.00", "-20.00"),
        ("payment_mismatch", enc[acct[4]], acct[4], "20.00", "15.00", "-5.00"),
    ]
    # The drawer: 27 x 20 + 15 in cash, one check for 20.
    code, data = reconcile(cli, "--drawer", "cash=555.00,check=20.00")
    assert [d["kind"] for d in data["discrepancies"]].count("drawer_mismatch") == 0
    r = cli.fails(3, "reconcile", "--date", DAY, "--close")
    assert "out of balance (6 discrepancies)" in r.stderr

    # Fix everything with ordinary commands.
    charge(cli, acct[1])
    charge(cli, acct[2])
    cli.ok("encounter", "add", "--patient", acct[31], "--date", DAY, "--provider", NPI_PROVIDER,
           "--form", "F1031", "--form-charges", "75.00", "--form-collected", "0")
    charge(cli, acct[5], code="36415", fee="75.00")
    pay(cli, acct[3], "20.00")
    pay(cli, acct[4], "5.00")

    code, data = reconcile(cli, "--drawer", "cash=580.00,check=20.00")
    assert (code, data["balanced"], data["discrepancies"]) == (0, True, [])
    assert data["form_charges"] == data["entered_charges"] == "2400.00"
    assert data["form_collected"] == data["posted_payments"] == "600.00"

    # Close: the day is locked.
    r = cli.ok("reconcile", "--date", DAY, "--drawer", "cash=580.00,check=20.00", "--close")
    assert "the day balances" in r.stdout and "Closed 2026-03-16" in r.stderr
    r = cli.fails(3, "charge", "add", "--patient", acct[6], "--date", DAY, "--code", "36415",
                  "--dx", "I10", "--fee", "12.00", "--provider", NPI_PROVIDER)
    assert "2026-03-16 is closed" in r.stderr
    some_charge = cli.json("charge", "list", "--date", DAY)[0]["id"]
    cli.fails(3, "charge", "void", str(some_charge), "--reason", "entered twice")
    cli.fails(3, "payment", "add", "--patient", acct[6], "--amount", "5", "--method", "cash",
              "--date", DAY)
    assert cli.json("day", "list")[0]["status"] == "closed"

    # Reopen: charges are accepted again.
    cli.ok("day", "reopen", DAY, "--reason", "late lab charge")
    charge(cli, acct[6], code="36415", fee="12.00")
    code, data = reconcile(cli)
    assert code == 1 and [d["kind"] for d in data["discrepancies"]] == ["charge_mismatch"]
    audit = cli.json("audit", "list", "--entity", "day")
    assert [a["action"] for a in audit] == ["close", "reopen"]
    assert "checks out" in cli.ok("ledger", "check").stderr
