"""Claim status moves the status table refuses: each exits 3 naming the claim, where it is and
where it was asked to go, and writes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from claim_support import DOS, Svc, add_coverage, add_patient, add_visit
from conftest import Cli
from era_support import ClaimSpec, Line, build_835

from medbill_cli.status import ClaimStatus

D8 = DOS.strftime("%Y%m%d")


def _one_claim(cli: Cli, *, scrub: bool = False) -> str:
    acct = add_patient(cli, "John", "Doe")
    add_coverage(cli, acct)
    add_visit(cli, acct, ["I10"], [Svc("99213", 10000)])
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 1
    if scrub:
        assert cli.json("claim", "scrub")[0]["status"] == "ready"  # type: ignore[index]
    return str(rows[0]["pcn"])


def _status(cli: Cli, pcn: str) -> str:
    return str(cli.db.scalar("SELECT status FROM claim WHERE pcn = :p", p=pcn))


def test_claim_resubmit_draft_refused_naming_from_and_to(practice: Cli) -> None:
    pcn = _one_claim(practice)
    r = practice.fails(3, "claim", "resubmit", pcn, "--frequency", "7",
                       "--payer-claim-number", "X1")
    assert "Cannot move claim 1 from draft to closed" in r.stderr
    assert _status(practice, pcn) == "draft"


def test_claim_resubmit_ready_refused(practice: Cli) -> None:
    pcn = _one_claim(practice, scrub=True)
    r = practice.fails(3, "claim", "resubmit", "1", "--frequency", "8",
                       "--payer-claim-number", "X1")
    assert "from ready to closed" in r.stderr
    assert _status(practice, pcn) == "ready"


def test_claim_resubmit_closed_claim_refused(practice: Cli, tmp_path: Path) -> None:
    _one_claim(practice, scrub=True)
    practice.ok("claim", "export", "--output", str(tmp_path / "b.x12"))
    practice.ok("claim", "resubmit", "1", "--frequency", "7", "--payer-claim-number", "X1")
    r = practice.fails(3, "claim", "resubmit", "1", "--frequency", "7",
                       "--payer-claim-number", "X1")
    assert "Claim 1 is closed already" in r.stderr


def test_era_import_for_a_claim_never_sent_is_kept_unmatched(practice: Cli,
                                                             tmp_path: Path) -> None:
    """The status table has no ready -> paid: the claim is listed unmatched, not posted, and
    the file is not refused for it."""
    pcn = _one_claim(practice, scrub=True)
    f = tmp_path / "early.835"
    f.write_text(build_835([ClaimSpec(pcn, "1", "100", "80", lines=[
        Line("99213", "100", "80", [("CO", "45", "20")], date=D8)])], trace="T9"))
    r = practice("era", "import", str(f))
    assert r.exit_code in (0, 1), r.output
    assert _status(practice, pcn) == "ready"
    unmatched = practice.json("era", "unmatched")
    assert len(unmatched) == 1 and "was never sent (it is ready)" in str(unmatched[0])
    assert practice.db.scalar(
        "SELECT count(*) FROM ledger_entry WHERE kind = 'insurance_payment'") == 0
    practice.ok("ledger", "check")


@pytest.mark.parametrize("name", ["draft", "held", "ready", "submitted", "accepted", "rejected",
                                  "paid", "denied", "closed"])
def test_claim_list_status_accepts_each_name(practice: Cli, name: str) -> None:
    assert practice.json("claim", "list", "--status", name) == []


def test_claim_list_status_refuses_unknown_naming_the_statuses(practice: Cli) -> None:
    r = practice.fails(3, "claim", "list", "--status", "bogus")
    assert "Unknown claim status 'bogus'" in r.stderr
    assert all(s.value in r.stderr for s in ClaimStatus)
