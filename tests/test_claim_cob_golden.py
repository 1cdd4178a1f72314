"""Golden 837P files for the claims that carry other payers, end to end through the commands
(claim generate, era import, claim scrub) and exported with a fixed time and control number:
a primary with a known secondary (2320 without adjudication), a secondary after a partial
payment, a secondary after a line denial, a tertiary, and a claim with a prior authorization
(REF*G1). Each file is clean under pyx12 and x12check.

Rewrite on request only: ``MEDBILL_UPDATE_GOLDEN=1 pytest tests/test_claim_cob_golden.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from claim_support import add_patient
from cob_support import answer, claim_lines, cob_practice, export, owed, patient_with
from conftest import NPI_PROVIDER, Cli
from era_support import Line
from test_claim_loops import _cpt, export_golden

DOS = "2026-03-02"
DOS8 = "20260302"


def _golden(cli: Cli, tmp_path: Path, name: str) -> list[list[str]]:
    """Scrub (all ready), then export as tests/golden/NAME at a fixed time."""
    r = cli("claim", "scrub", "--format", "json")
    assert r.exit_code == 0, r.output
    return export_golden(cli, tmp_path, name, dt.datetime(2026, 3, 20, 9, 15))


def _primary(cli: Cli, tmp_path: Path, line2: Line | None = None) -> str:
    """The primary claim exported, and its 835 posted (line 2 as given, else partly paid)."""
    (row,) = cli.json("claim", "generate")  # type: ignore[misc]
    export(cli, tmp_path, "primary.x12")
    ids = claim_lines(cli, row["pcn"])
    second = line2 or Line("87880", "25.50", "10", [("CO", "45", "5.50"), ("PR", "1", "10")])
    second.date, second.control = DOS8, ids[1]
    answer(cli, tmp_path, row["pcn"], "1", [
        Line("99213", "125", "70", [("CO", "45", "30"), ("PR", "2", "25")], date=DOS8,
             control=ids[0]), second], trace="PRIM1", number="ICN-PRIMARY-1")
    return str(row["pcn"])


def test_golden_primary_with_known_secondary(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    patient_with(cli, "Known", "ACME1", "SECND", dos=DOS)
    cli.ok("claim", "generate")
    segs = _golden(cli, tmp_path, "837p_cob_known_secondary.x12")
    assert [s[:2] for s in segs if s[0] == "SBR"] == [["SBR", "P"], ["SBR", "S"]]
    assert not [s for s in segs if s[0] in ("CAS", "SVD") or s[:2] == ["AMT", "D"]]
    assert ["OI", "", "", "Y", "", "", "Y"] in segs


def test_golden_secondary_after_partial_payment(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    patient_with(cli, "Partial", "ACME1", "SECND", dos=DOS)
    _primary(cli, tmp_path)
    cli.ok("claim", "generate")
    segs = _golden(cli, tmp_path, "837p_cob_secondary_partial.x12")
    assert ["AMT", "D", "80"] in segs and len([s for s in segs if s[0] == "SVD"]) == 2


def test_golden_secondary_after_line_denial(practice: Cli, tmp_path: Path) -> None:
    """The primary pays line 1 and denies line 2 (CO-50): the secondary's claim carries both
    lines, line 2 with SVD02 0 and the denial's CAS; the denied amount stays with the primary
    (its denial is worked there), only line 1's share moved to the secondary."""
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Denied", "ACME1", "SECND", dos=DOS)
    _primary(cli, tmp_path, Line("87880", "25.50", "0", [("CO", "50", "25.50")],
                                 remarks=["N130"]))
    assert owed(cli, a) == {"ACME1:primary": "25.50", "SECND:secondary": "25.00"}
    cli.ok("claim", "generate")
    segs = _golden(cli, tmp_path, "837p_cob_secondary_line_denial.x12")
    assert ["SVD", "ACME1", "0", "HC:87880", "", "1"] in segs
    assert ["CAS", "CO", "50", "25.5"] in segs and ["AMT", "D", "70"] in segs
    assert owed(cli, a) == {"ACME1:primary": "25.50", "SECND:secondary": "25.00"}
    r = cli("ledger", "check")
    assert r.exit_code == 0, r.output


def test_golden_tertiary(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    patient_with(cli, "Tertiary", "ACME1", "SECND", "THIRD", dos=DOS)
    _primary(cli, tmp_path)
    (sec,) = cli.json("claim", "generate")  # type: ignore[misc]
    export(cli, tmp_path, "secondary.x12")
    ids = claim_lines(cli, sec["pcn"])
    answer(cli, tmp_path, sec["pcn"], "2", [
        Line("99213", "125", "15", [("OA", "23", "100"), ("PR", "3", "10")], date=DOS8,
             control=ids[0]),
        Line("87880", "25.50", "10", [("OA", "23", "15.50")], date=DOS8, control=ids[1]),
    ], trace="SEC1", number="ICN-SECOND-1", payer_name="SECOND HEALTH")
    cli.ok("claim", "generate")
    segs = _golden(cli, tmp_path, "837p_cob_tertiary.x12")
    assert [s[:2] for s in segs if s[0] == "SBR"] == [["SBR", "T"], ["SBR", "P"], ["SBR", "S"]]
    assert [s for s in segs if s[:2] == ["REF", "F8"]] == [["REF", "F8", "ICN-PRIMARY-1"],
                                                          ["REF", "F8", "ICN-SECOND-1"]]


def test_golden_prior_authorization(practice: Cli, tmp_path: Path) -> None:
    """One authorization in force for every line: REF*G1 once, at the claim (2300)."""
    cli = practice
    _cpt(cli, "99213", "87880")
    from test_claim_loops import PRACTICE

    cli.ok(*PRACTICE)
    a = add_patient(cli, "Pat", "Authorized")
    cli.ok("coverage", "add", a, "--payer", "ACME1", "--member-id", "ACMAUTH")
    cli.ok("auth", "add", a, "--payer", "ACME1", "--number", "PA-2026-0042", "--from",
           "2026-02-01", "--to", "2026-04-30", "--visits", "6")
    cli.ok("encounter", "add", "--patient", a, "--date", DOS, "--provider", NPI_PROVIDER)
    for code, fee in (("99213", "125.00"), ("87880", "25.50")):
        cli.ok("charge", "add", "--patient", a, "--date", DOS, "--code", code, "--fee", fee,
               "--dx", "J06.9")
    cli.ok("claim", "generate")
    segs = _golden(cli, tmp_path, "837p_prior_auth.x12")
    assert [s for s in segs if s[:2] == ["REF", "G1"]] == [["REF", "G1", "PA-2026-0042"]]
    clm = next(i for i, s in enumerate(segs) if s[0] == "CLM")
    assert segs.index(["REF", "G1", "PA-2026-0042"]) < next(
        i for i, s in enumerate(segs) if s[0] == "HI") and clm < segs.index(
        ["REF", "G1", "PA-2026-0042"])
