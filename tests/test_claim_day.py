"""A realistic practice day through the commands (code sets loaded, charge entry by the CLI):
20 patients, 60 charges, dependents, two payers; then generate, scrub, export, re-create."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from claim_support import add_coverage, add_dependent_coverage, add_patient
from conftest import Cli, shared_path
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837, claim_balances, segments

DOS = (dt.date.today() - dt.timedelta(days=2)).isoformat()
SERVICES = [("99213", "125.00", ["I10", "E11.9"]), ("36415", "15.00", ["E11.9"]),
            ("85025", "32.50", ["I10"])]


def charge(cli: Cli, account: str, code: str, fee: str, dx: list[str], *extra: str) -> None:
    cli.ok("charge", "add", "--patient", account, "--date", DOS, "--code", code, "--fee", fee,
           *[a for d in dx for a in ("--dx", d)], *extra)


def test_claim_day_generate_scrub_export_reproduce(coded: Cli, tmp_path: Path) -> None:
    cli = coded
    for i in range(20):
        acct = add_patient(cli, "Pat", f"Day{chr(65 + i)}",
                           "2012-04-04" if i % 4 == 0 else "1975-01-01", "FM"[i % 2])
        payer = "ACME1" if i % 2 else "BCN02"
        (add_dependent_coverage if i % 4 == 0 else add_coverage)(cli, acct, payer)
        for code, fee, dx in SERVICES:
            charge(cli, acct, code, fee, dx)
    assert cli.db.scalar("SELECT count(*) FROM charge") == 60
    assert len(cli.json("claim", "generate")) == 20
    r = cli("claim", "scrub", "--format", "json")
    out = json.loads(r.stdout)
    assert r.exit_code == 0, [x for x in out if x["status"] != "ready"]
    batch = tmp_path / "batch.x12"
    cli.ok("claim", "export", "--format", "x12", "--output", str(batch))
    assert_valid_837(batch, x12check_tool())
    text = batch.read_text()
    assert len(claim_balances(text)) == 20
    assert sum(1 for s in segments(text) if s[0] == "PAT") == 5
    assert {s[9] for s in segments(text) if s[0] == "NM1" and s[1] == "PR"} == {"ACME1", "BCN02"}
    again = tmp_path / "again.x12"
    assert "No ready claims" in cli.ok("claim", "export", "--output", str(again)).stderr
    assert not again.exists()
    copy = tmp_path / "copy.x12"
    cli.ok("claim", "batch", "show", "1", "--output", str(copy))
    assert copy.read_bytes() == batch.read_bytes()
    cli.ok("audit", "verify")
    assert "checks out" in cli.ok("ledger", "check").stderr


def test_claim_day_planted_problems_held(coded: Cli) -> None:
    cli = coded
    cli.ok("codes", "import", str(shared_path("data", "codesets", "ncci_mue",
                                              "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv")),
           "--system", "mue")
    from sqlmodel import Session

    from medbill_cli.db.models import PtpEdit

    eng = cli.db.engine()
    with Session(eng) as s:  # a current PTP pair (the shipped excerpt's pairs have all ended)
        s.add(
            PtpEdit(column1="20610", column2="99213", effective=dt.date(2020, 1, 1),
                    modifier_indicator="1", version="test")
        )
        s.commit()
    eng.dispose()
    acct = {}
    acct["clean"] = add_patient(cli, "Clean", "Case")
    add_coverage(cli, acct["clean"])
    charge(cli, acct["clean"], "99213", "125", ["I10"])
    acct["ptp"] = add_patient(cli, "Pair", "Case")
    add_coverage(cli, acct["ptp"])
    charge(cli, acct["ptp"], "20610", "150", ["M17.11"])
    charge(cli, acct["ptp"], "99213", "125", ["M17.11"])
    acct["mue"] = add_patient(cli, "Units", "Case")
    add_coverage(cli, acct["mue"])
    charge(cli, acct["mue"], "83036", "20", ["E11.9"], "--units", "3")
    acct["sex"] = add_patient(cli, "Male", "Case", "1980-01-01", "M")
    add_coverage(cli, acct["sex"])
    charge(cli, acct["sex"], "99213", "125", ["O09.90"])
    acct["expired"] = add_patient(cli, "Ended", "Case")
    add_coverage(cli, acct["expired"], "ACME1", None, "--effective", "2020-01-01", "--termination",
                 "2021-12-31")
    charge(cli, acct["expired"], "99213", "125", ["I10"])
    cli.ok("claim", "generate")
    r = cli("claim", "scrub", "--format", "json")
    assert r.exit_code == 1
    got = {}
    for row in json.loads(r.stdout):
        patient = cli.json("claim", "show", str(row["claim"]))["patient"]
        got[patient] = (
            row["status"],
            sorted({f["edit"] for f in row["findings"] if f["severity"] == "error"}),
        )
    assert got[acct["clean"]] == ("ready", [])
    assert got[acct["ptp"]] == ("held", ["ncci-ptp"])
    assert got[acct["mue"]] == ("held", ["mue"])
    assert got[acct["sex"]] == ("held", ["dx-sex-conflict"])
    assert got[acct["expired"]] == ("held", ["coverage-inactive"])
    table = cli("claim", "scrub").stdout
    assert "dx-sex-conflict" in table and "Check the diagnosis" in table


def test_claim_day_code_order_and_age_edits(coded: Cli) -> None:
    cli = coded
    cases = {"manifestation": (["G63", "E11.42"], "dx-manifestation-first"),
             "external": (["W19.XXXA", "S52.501A"], "dx-external-cause-first"),
             "newborn": (["Z38.00"], "dx-age-conflict")}
    acct = {}
    for name, (dx, _edit) in cases.items():
        acct[name] = add_patient(cli, "Order", name.title())
        add_coverage(cli, acct[name])
        charge(cli, acct[name], "99213", "125", dx)
    cli.ok("claim", "generate")
    r = cli("claim", "scrub", "--format", "json")
    assert r.exit_code == 1
    got = {
        cli.json("claim", "show", str(row["claim"]))["patient"]: {
            f["edit"] for f in row["findings"]
        }
        for row in json.loads(r.stdout)
    }
    for name, (_dx, edit) in cases.items():
        assert edit in got[acct[name]], (name, got[acct[name]])
