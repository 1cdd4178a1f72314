"""eob post: a paper EOB posts exactly the ledger, rows, status and denials an 835 with the same
numbers posts (two identical claims, one paid each way), and every bad EOB changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from claim_support import DOS, Svc, add_coverage, add_patient, add_visit, load_codes
from conftest import Cli
from era_support import ClaimSpec, Line, build_835

D8 = DOS.strftime("%Y%m%d")
SERVICES = [Svc("99213", 10000), Svc("85025", 5000)]


def _twins(cli: Cli, tmp_path: Path, n: int = 2) -> list[str]:
    """``n`` patients with the same visit, their claims exported; returns the claims' PCNs."""
    load_codes(cli)
    accts = []
    for i in range(n):
        acct = add_patient(cli, f"Twin{'ABCDEFG'[i]}", "Test")
        add_coverage(cli, acct)
        add_visit(cli, acct, ["J06.9"], SERVICES)
        accts.append(acct)
    cli.ok("claim", "generate")
    cli.ok("claim", "scrub")
    cli.ok("claim", "export", "--format", "x12", "--output", str(tmp_path / "batch.x12"))
    return [str(cli.db.scalar("SELECT c.pcn FROM claim c JOIN patient p ON p.id = c.patient_id "
                              "WHERE p.account = :a", a=a)) for a in accts]


def _ledger(cli: Cli, pcn: str) -> list[tuple[Any, ...]]:
    """A claim's ledger entries by line position, party, kind, amount, group, CARC, source."""
    from sqlalchemy import text

    eng = cli.db.engine()
    try:
        with eng.connect() as c:
            rows = c.execute(text(
                "SELECT cl.line_number, e.party, e.payer_id, e.kind, e.amount_cents, e.group_code,"
                " e.carc, e.source_type, e.posted_on FROM ledger_entry e "
                "JOIN claim_line cl ON cl.charge_id = e.charge_id "
                "JOIN claim c ON c.id = cl.claim_id WHERE c.pcn = :p ORDER BY e.id"),
                {"p": pcn}).all()
    finally:
        eng.dispose()
    return [tuple(r) for r in rows]


def _remit_rows(cli: Cli, pcn: str) -> dict[str, Any]:
    from sqlalchemy import text

    eng = cli.db.engine()
    try:
        with eng.connect() as c:
            ec = c.execute(text("SELECT outcome, status_code, charge_cents, paid_cents, "
                                "patient_resp_cents, payer_sequence, id FROM era_claim "
                                "WHERE pcn = :p"), {"p": pcn}).one()
            lines = c.execute(text("SELECT seq, charge_id IS NOT NULL, charge_cents, paid_cents "
                                   "FROM era_line WHERE era_claim_id = :i ORDER BY seq"),
                              {"i": ec.id}).all()
            adjs = c.execute(text(
                "SELECT l.seq, a.group_code, a.carc, a.amount_cents FROM era_adjustment a LEFT "
                "JOIN era_line l ON l.id = a.era_line_id WHERE a.era_claim_id = :i ORDER BY a.id"),
                {"i": ec.id}).all()
            denials = c.execute(text("SELECT group_code, carc, amount_cents, status, "
                                     "charge_id IS NOT NULL FROM denial WHERE era_claim_id = :i "
                                     "ORDER BY id"), {"i": ec.id}).all()
            status = c.execute(text("SELECT status FROM claim WHERE pcn = :p"),
                               {"p": pcn}).scalar()
    finally:
        eng.dispose()
    return {"claim": tuple(ec)[:-1], "lines": [tuple(r) for r in lines],
            "adjustments": [tuple(r) for r in adjs], "denials": [tuple(r) for r in denials],
            "status": status}


# (835 claim spec for a PCN, the same numbers as eob post options)
SCENARIOS: dict[str, tuple[Any, list[str]]] = {
    "paid with patient share": (
        lambda pcn: ClaimSpec(pcn, "1", "150", "100", payer_claim_number="ICN7", lines=[
            Line("99213", "100", "70", [("CO", "45", "10"), ("PR", "2", "20")], date=D8),
            Line("85025", "50", "30", [("CO", "45", "5"), ("PR", "1", "15")], date=D8)]),
        ["--paid", "100", "--line", "1=70", "--line", "2=30", "--line-adjust", "1:CO-45=10",
         "--line-adjust", "1:PR-2=20", "--line-adjust", "2:CO-45=5", "--line-adjust",
         "2:PR-1=15", "--payer-claim-number", "ICN7"]),
    "one line denied": (
        lambda pcn: ClaimSpec(pcn, "1", "150", "80", lines=[
            Line("99213", "100", "80", [("CO", "45", "20")], date=D8),
            Line("85025", "50", "0", [("CO", "97", "50")], date=D8)]),
        ["--paid", "80", "--line", "1=80", "--line", "2=0", "--line-adjust", "1:CO-45=20",
         "--line-adjust", "2:CO-97=50"]),
    "claim denied": (
        lambda pcn: ClaimSpec(pcn, "4", "150", "0", lines=[
            Line("99213", "100", "0", [("CO", "50", "100")], date=D8),
            Line("85025", "50", "0", [("CO", "50", "50")], date=D8)]),
        ["--paid", "0", "--line", "1=0", "--line", "2=0", "--line-adjust", "1:CO-50=100",
         "--line-adjust", "2:CO-50=50"]),
    "claim level only": (
        lambda pcn: ClaimSpec(pcn, "1", "150", "100",
                              adjustments=[("CO", "45", "30"), ("PR", "3", "20")]),
        ["--paid", "100", "--adjust", "CO-45=30", "--adjust", "PR-3=20"]),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_eob_post_equals_835(practice: Cli, tmp_path: Path, scenario: str) -> None:
    cli = practice
    by_835, by_eob = _twins(cli, tmp_path)
    spec, options = SCENARIOS[scenario]
    f = tmp_path / "era.835"
    f.write_text(build_835([spec(by_835)], trace="T835"))
    cli.ok("era", "import", str(f))
    r = cli.ok("eob", "post", "--claim", by_eob, "--date", "today", "--check", "10423", *options)
    assert r.stdout.strip().isdigit()

    left, right = _ledger(cli, by_835), _ledger(cli, by_eob)
    assert len(left) > 2 or scenario == "claim denied"
    assert left == right
    a, b = _remit_rows(cli, by_835), _remit_rows(cli, by_eob)
    assert a == b
    cli.ok("ledger", "check")
    # Balances agree too.
    bal = [cli.json("patient", "balance", acct)
           for acct in (cli.db.scalar("SELECT p.account FROM patient p JOIN claim c ON "
                                      "c.patient_id = p.id WHERE c.pcn = :p", p=pcn)
                        for pcn in (by_835, by_eob))]
    assert _same_shape(bal[0]) == _same_shape(bal[1])


def _same_shape(value: Any) -> Any:
    """A balance without what tells the two patients and claims apart."""
    if isinstance(value, dict):
        return {k: _same_shape(v) for k, v in value.items()
                if k not in ("id", "account", "patient", "name", "claim", "pcn")}
    if isinstance(value, list):
        return [_same_shape(v) for v in value]
    return value


def test_eob_post_is_marked_paper_and_feeds_resubmit(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    (pcn,) = _twins(cli, tmp_path, 1)
    out = cli.json("eob", "post", "--claim", pcn, "--date", "today", "--check", "5501",
                   "--paid", "120", "--adjust", "CO-45=30", "--payer-claim-number", "ICN5501")
    assert isinstance(out, dict)
    assert (out["claim"], out["status"], out["outcome"], out["paid"]) == (
        pcn, "paid", "paid", "120.00")
    era = cli.json("era", "show", str(out["era"]))
    assert isinstance(era, dict) and era["total"] == "120.00"
    assert cli.db.scalar("SELECT payer_key FROM era WHERE id = :i", i=out["era"]) == "EOB:ACME1"
    assert cli.db.scalar("SELECT file_name FROM era WHERE id = :i", i=out["era"]) == (
        "paper EOB 5501")
    assert cli.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'claim' AND "
                         "action = 'post'") == 1
    # The replacement claim takes the payer's claim number from the EOB.
    new = cli.json("claim", "resubmit", pcn, "--frequency", "7")
    assert isinstance(new, dict) and new["payer_claim_number"] == "ICN5501"


def _load_carcs(cli: Cli, codes: list[str]) -> None:
    from sqlmodel import Session

    from medbill_cli.db.models import Code

    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            s.add_all([Code(system="carc", code=c, long_description=f"CARC {c}",
                            version="test") for c in codes])
            s.commit()
    finally:
        eng.dispose()


def test_eob_post_refusals_change_nothing(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    (pcn,) = _twins(cli, tmp_path, 1)
    good = ["--line", "1=70", "--line", "2=30", "--line-adjust", "1:CO-45=30",
            "--line-adjust", "2:CO-45=20"]
    base = ("eob", "post", "--claim", pcn, "--date", "today", "--check", "777")
    cases: list[tuple[list[str], str]] = [
        (["--paid", "100", *good[:-2], "--line-adjust", "2:CO-45=10"],
         "Line 2 does not balance: charge 50.00 != paid 30.00 + adjustments 10.00 = 40.00 "
         "(10.00 short)"),
        (["--paid", "90", *good], "add up to 100.00, not --paid 90.00"),
        (["--paid", "100", *good, "--line", "3=0"], "The claim has no line 3"),
        (["--paid", "100", *good, "--line-adjust", "4:CO-45=1"], "The claim has no line 4"),
        (["--paid", "70", "--line", "1=70", "--line-adjust", "1:CO-45=30"],
         "Line 2 has no --line 2=PAID"),
        (["--paid", "100", "--line", "1=120", "--line", "2=30", "--line-adjust", "1:CO-45=-20",
          "--line-adjust", "2:CO-45=20"], "CO-45"),
        (["--paid", "150", "--line", "1=120", "--line", "2=30"], "more than its charge 100.00"),
        (["--paid", "200"], "--paid 200.00 is more than the claim's charge 150.00"),
        (["--paid", "100", "--adjust", "CO-45=40"], "The EOB does not balance"),
        (["--paid", "100", "--adjust", "XX-45=50"], "group XX is not one of CO, OA, PI, PR"),
        (["--paid", "100", "--adjust", "CO45=50"], "is not GROUP-CARC=AMOUNT"),
        (["--paid", "100", "--line", "one=70"], "is not N=PAID"),
        (["--paid", "100", "--line-adjust", "CO-45=50"], "is not N:GROUP-CARC=AMOUNT"),
        (["--paid", "-5"], "--paid"),
        (["--paid", "100.001", "--adjust", "CO-45=50"], "--paid"),
        (["--paid", "100", *good, "--line", "1=70"], "--line 1 is given twice"),
    ]
    for extra, needle in cases:
        r = cli.fails(3, *base, *extra)
        assert needle in r.stderr, (extra, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = cli.fails(3, "eob", "post", "--claim", pcn, "--date", "today", "--check", "7 7",
                  "--paid", "100", *good)
    assert "Check number" in r.stderr
    r = cli.fails(3, "eob", "post", "--claim", pcn, "--date", "2999-01-01", "--check", "7",
                  "--paid", "100", *good)
    assert "in the future" in r.stderr
    r = cli.fails(3, "eob", "post", "--claim", "C09999999", "--date", "today", "--check", "7",
                  "--paid", "100", *good)
    assert "No claim C09999999" in r.stderr
    # With a CARC set loaded, a CARC outside it is refused.
    _load_carcs(cli, ["45", "2"])
    r = cli.fails(3, *base, "--paid", "100", "--adjust", "CO-999=50")
    assert "CARC 999 is not in the loaded" in r.stderr
    # A claim never sent.
    acct = add_patient(cli, "Unsent", "Test")
    add_coverage(cli, acct)
    add_visit(cli, acct, ["J06.9"], SERVICES)
    cli.ok("claim", "generate")
    draft = str(cli.db.scalar("SELECT c.pcn FROM claim c JOIN patient p ON p.id = c.patient_id "
                              "WHERE p.account = :a", a=acct))
    r = cli.fails(3, "eob", "post", "--claim", draft, "--date", "today", "--check", "7",
                  "--paid", "100", *good)
    assert f"Claim {draft} was never sent (it is draft)" in r.stderr
    # Posted once; the same check on the same claim again is a duplicate.
    cli.ok(*base, "--paid", "100", *good)
    r = cli.fails(3, *base, "--paid", "100", *good)
    assert "already posted" in r.stderr
