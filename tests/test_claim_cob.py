"""Secondary and tertiary claims (coordination of benefits) and crossover, through the
commands: the primary pays part, the ledger moves the patient's share to the next coverage,
``claim generate`` builds that payer's claim with the prior payers' adjudication (2320, 2330,
2430) straight from the posted 835, the scrub checks it balances, and its 835 posts against
the balance. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cob_support import (
    answer,
    claim_lines,
    cob_practice,
    export,
    ledger_clean,
    loop,
    owed,
    patient_with,
)
from conftest import Cli
from era_support import Line

DOS = (dt.date.today() - dt.timedelta(days=5)).isoformat()
DOS8 = DOS.replace("-", "")


def _primary_paid(cli: Cli, tmp_path: Path, account: str) -> tuple[str, list[str]]:
    """Generate, scrub and export the primary claim, then post the primary's 835: line 1
    125.00 paid 70.00 (CO-45 30.00, PR-2 25.00), line 2 25.50 paid 10.00 (CO-45 5.50,
    PR-1 10.00). Returns the claim's PCN and line ids."""
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 1
    pcn = rows[0]["pcn"]
    export(cli, tmp_path, "primary.x12")
    ids = claim_lines(cli, pcn)
    answer(cli, tmp_path, pcn, "1", [
        Line("99213", "125", "70", [("CO", "45", "30"), ("PR", "2", "25")], date=DOS8,
             control=ids[0]),
        Line("87880", "25.50", "10", [("CO", "45", "5.50"), ("PR", "1", "10")], date=DOS8,
             control=ids[1]),
    ], trace="PRIM1", number="ICN-PRIMARY-1")
    return pcn, ids


def test_secondary_claim_scenario(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Second", "ACME1", "SECND", dos=DOS)
    pcn, _ = _primary_paid(cli, tmp_path, a)
    assert owed(cli, a) == {"SECND:secondary": "35.00"}
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 1
    sec = rows[0]
    assert sec["payer"] == "SECND" and sec["total"] == "150.50" and sec["pcn"] != pcn
    # Nothing more is due: a second run builds nothing.
    assert cli.json("claim", "generate") == []
    segs = export(cli, tmp_path, "secondary.x12")
    assert ["SBR", "S", "18", "GSEC", "", "", "", "", "", "CI"] in segs
    other = loop(segs, ("SBR", "P"), {"LX"})
    assert other[0] == ["SBR", "P", "18", "GACM", "", "", "", "", "", "CI"]
    assert ["AMT", "D", "80"] in other
    assert ["OI", "", "", "Y", "", "", "Y"] in other
    assert ["NM1", "PR", "2", "ACME HEALTH", "", "", "", "", "PI", "ACME1"] in other
    assert ["REF", "F8", "ICN-PRIMARY-1"] in other
    assert not [s for s in other if s[0] == "CAS"]  # all adjustments are on the lines
    svd = [s for s in segs if s[0] == "SVD"]
    assert svd == [["SVD", "ACME1", "70", "HC:99213", "", "1"],
                   ["SVD", "ACME1", "10", "HC:87880", "", "1"]]
    line1 = loop(segs, ("SVD", "ACME1", "70"), {"LX", "SE"})
    assert line1[1:] == [["CAS", "CO", "45", "30"], ["CAS", "PR", "2", "25"],
                         ["DTP", "573", "D8", "20240105"]]
    # The secondary pays what it was left (35.00) but 5.00, which moves to the patient.
    sec_ids = claim_lines(cli, sec["pcn"])
    answer(cli, tmp_path, sec["pcn"], "2", [
        Line("99213", "125", "20", [("OA", "23", "100"), ("PR", "3", "5")], date=DOS8,
             control=sec_ids[0]),
        Line("87880", "25.50", "10", [("OA", "23", "15.50")], date=DOS8, control=sec_ids[1]),
    ], trace="SEC1", number="ICN-SECOND-1", payer_name="SECOND HEALTH")
    assert owed(cli, a) == {"patient": "5.00"}
    shown = cli.json("claim", "show", sec["pcn"])
    assert isinstance(shown, dict)
    assert [(o["payer"], o["adjudicated"], o.get("paid")) for o in shown["other_payers"]] == [
        ("ACME1", True, "80.00")]
    assert cli.json("claim", "list", "--payer-sequence", "secondary") == [
        r for r in cli.json("claim", "list") if r["pcn"] == sec["pcn"]]  # type: ignore[union-attr]
    ledger_clean(cli)
