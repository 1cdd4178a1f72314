"""Prior authorizations and referrals: commands, use counted from charges, and the scrub edit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from claim_support import Svc, add_coverage, add_patient, add_visit
from conftest import NPI_PROVIDER, Cli
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837, segments

from medbill_cli.scrub.authorization import (
    AuthInfo,
    AuthLine,
    check_authorizations,
    check_prior_auth,
)

START = dt.date(2026, 1, 5)


@pytest.fixture
def pt(practice: Cli) -> Cli:
    practice.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob",
                "1980-04-02", "--sex", "F")
    practice.ok("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "XJ123456789")
    return practice


def _auth(cli: Cli, *extra: str) -> dict[str, Any]:
    r = cli.ok("auth", "add", "P000001", "--payer", "ACME1", "--number", "A12345", "--from",
               "2026-01-01", "--to", "2026-06-30", "--format", "json", *extra)
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def test_auth_add_and_list(pt: Cli) -> None:
    rec = _auth(pt, "--visits", "12", "--code", "97110", "--code", "97112")
    assert rec["number"] == "A12345" and rec["payer_id"] == "ACME1"
    assert rec["codes"] == ["97110", "97112"] and rec["visits"] == 12
    assert pt.ok("auth", "add", "P000001", "--payer", "acme1", "--number", "b-2", "--from",
                 "2026-07-01", "--to", "2026-12-31").stdout.strip() == "2"
    rows = pt.json("auth", "list", "P000001")
    assert isinstance(rows, list) and [r["number"] for r in rows] == ["A12345", "B-2"]
    assert rows[0]["visits_used"] == 0
    assert "A12345" in pt.ok("auth", "list").stdout
    assert pt.ok("auth", "list", "--format", "csv").stdout.startswith("id,account,number")
    assert pt.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'prior_auth:auth'") == 2


def test_auth_add_refusals_write_nothing(pt: Cli) -> None:
    base = ["auth", "add", "P000001", "--payer", "ACME1", "--number", "A1"]
    r = pt.fails(3, *base, "--from", "2026-06-30", "--to", "2026-01-01")
    assert "end date 2026-01-01 is before the start date 2026-06-30" in r.stderr
    r = pt.fails(3, *base, "--from", "2026-01-01", "--to", "2026-06-30", "--visits", "0")
    assert "visits must be at least 1" in r.stderr
    pt.fails(3, *base, "--from", "2026-01-01", "--to", "2026-06-30", "--units", "-2")
    pt.fails(3, *base, "--from", "2026-01-01", "--to", "2026-06-30", "--code", "971")
    pt.fails(3, *base, "--from", "soon", "--to", "2026-06-30")
    pt.fails(3, "auth", "add", "P000001", "--payer", "NOPE", "--number", "A1", "--from",
             "2026-01-01", "--to", "2026-06-30")
    pt.fails(3, "auth", "add", "P000042", "--payer", "ACME1", "--number", "A1", "--from",
             "2026-01-01", "--to", "2026-06-30")
    _auth(pt)
    r = pt.fails(3, "auth", "add", "P000001", "--payer", "ACME1", "--number", "a12345", "--from",
                 "2026-01-01", "--to", "2026-06-30")
    assert "already has authorization A12345" in r.stderr


def test_referral_add_and_list(pt: Cli) -> None:
    r = pt.ok("referral", "add", "P000001", "--provider-npi", NPI_PROVIDER, "--number", "R778",
              "--from", "2026-01-01", "--to", "2026-03-31", "--visits", "3", "--format", "json")
    rec = json.loads(r.stdout)
    assert rec["provider_npi"] == NPI_PROVIDER and rec["visits"] == 3
    rows = pt.json("referral", "list", "P000001")
    assert isinstance(rows, list) and rows[0]["number"] == "R778"
    assert pt.json("auth", "list") == []
    from sqlmodel import Session

    from medbill_cli.services.authorizations import referral_for

    add_visit(pt, "P000001", ["I10"], [Svc("99213")], dos=dt.date(2026, 2, 2))
    add_visit(pt, "P000001", ["I10"], [Svc("99213")], dos=dt.date(2026, 4, 2))  # after it ends
    eng = pt.db.engine()
    try:
        with Session(eng) as s:
            ref = referral_for(s, 1, dt.date(2026, 2, 2))
            late = referral_for(s, 1, dt.date(2026, 4, 2))
    finally:
        eng.dispose()
    assert ref is not None and ref.number == "R778" and ref.visits_used == 1 and ref.covers_date
    assert late is not None and not late.covers_date
    assert pt.json("referral", "list")[0]["visits_used"] == 1  # type: ignore[index]
    pt.fails(3, "referral", "add", "P000001", "--provider-npi", "1234567890", "--number", "R9",
             "--from", "2026-01-01", "--to", "2026-03-31")
    pt.fails(3, "referral", "add", "P000001", "--provider-npi", NPI_PROVIDER, "--number", "R9",
             "--from", "2026-01-01", "--to", "2026-03-31", "--visits", "0")


def test_auth_codes_per_payer(pt: Cli) -> None:
    r = pt.ok("auth", "code-add", "ACME1", "--code", "97110", "--code", "97112")
    assert "97112" in r.stdout
    r = pt.ok("auth", "code-add", "ACME1", "--code", "97110")
    assert "already listed" in r.stderr
    pt.ok("auth", "code-add", "BCN02", "--code", "72148")
    assert pt.json("auth", "code-list", "ACME1") == [{"payer_id": "ACME1", "code": "97110"},
                                                     {"payer_id": "ACME1", "code": "97112"}]
    assert len(pt.json("auth", "code-list")) == 3  # type: ignore[arg-type]
    pt.fails(3, "auth", "code-add", "NOPE", "--code", "97110")
    pt.fails(3, "auth", "code-add", "ACME1", "--code", "9711")


def _lines(cli: Cli, visits: list[tuple[int, str, dt.date, int | None]]) -> tuple[AuthLine, ...]:
    from sqlmodel import Session

    from medbill_cli.services.authorizations import auth_lines

    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            return auth_lines(s, 1, 1, visits)
    finally:
        eng.dispose()


def _therapy(cli: Cli, n: int) -> list[tuple[int, dt.date]]:
    """``n`` physical-therapy visits a week apart: (charge id, date) each."""
    out = []
    for i in range(n):
        dos = START + dt.timedelta(days=7 * i)
        (cid,) = add_visit(cli, "P000001", ["M17.11"], [Svc("97110", units=2)], dos=dos)
        out.append((cid, dos))
    return out


def _encounter(cli: Cli, charge_id: int) -> int:
    return int(cli.db.scalar("SELECT encounter_id FROM charge WHERE id = :i", i=charge_id))  # type: ignore[arg-type]


def test_thirteenth_visit_of_twelve_is_held(pt: Cli) -> None:
    _auth(pt, "--visits", "12", "--code", "97110")
    pt.ok("auth", "code-add", "ACME1", "--code", "97110")
    visits = _therapy(pt, 13)
    lines = [(n, "97110", dos, _encounter(pt, cid)) for n, (cid, dos) in enumerate(visits, 1)]
    found = check_authorizations(_lines(pt, lines), "P000001")
    assert [(f.line, f.edit, f.severity) for f in found] == [(13, "prior-auth", "error")]
    assert "allows 12 visit(s)" in found[0].message and "visit 13" in found[0].message
    rows = pt.json("auth", "list", "P000001")
    assert rows[0]["visits_used"] == 13 and rows[0]["units_used"] == 26  # type: ignore[index]
    # A voided charge gives its visit back: the 13th visit is now the 12th.
    pt.db.execute("UPDATE charge SET status = 'void' WHERE id = :i", i=visits[0][0])
    assert check_authorizations(_lines(pt, lines[1:]), "P000001") == []
    assert pt.json("auth", "list")[0]["visits_used"] == 12  # type: ignore[index]


def test_line_needing_auth_without_one_is_held_and_clean_with_one(pt: Cli) -> None:
    pt.ok("auth", "code-add", "ACME1", "--code", "97110")
    (cid, dos), = _therapy(pt, 1)
    line = [(1, "97110", dos, _encounter(pt, cid))]
    (f,) = check_authorizations(_lines(pt, line), "P000001")
    assert "needs the payer's prior authorization and has none" in f.message
    assert "medbill auth add P000001" in f.fix
    # A code the payer does not list needs nothing.
    assert check_authorizations(_lines(pt, [(1, "99213", dos, None)])) == []
    _auth(pt, "--visits", "12")
    assert check_authorizations(_lines(pt, line), "P000001") == []


def test_expired_authorization_is_held(pt: Cli) -> None:
    pt.ok("auth", "code-add", "ACME1", "--code", "97110")
    _auth(pt, "--code", "97110")
    later = dt.date(2026, 7, 6)
    (cid,) = add_visit(pt, "P000001", ["M17.11"], [Svc("97110")], dos=later)
    (f,) = check_authorizations(_lines(pt, [(1, "97110", later, _encounter(pt, cid))]))
    assert f.message == "Authorization A12345 expired on 2026-06-30; 97110 is on 2026-07-06"


def test_authorization_for_prefers_one_with_visits_left(pt: Cli) -> None:
    from sqlmodel import Session

    from medbill_cli.services.authorizations import authorization_for

    _auth(pt, "--visits", "1")
    pt.ok("auth", "add", "P000001", "--payer", "ACME1", "--number", "A2", "--from",
          "2026-01-01", "--to", "2026-06-30", "--visits", "5")
    visits = _therapy(pt, 2)
    eng = pt.db.engine()
    try:
        with Session(eng) as s:
            first = authorization_for(s, 1, 1, visits[0][1], "97110",
                                      encounter_id=_encounter(pt, visits[0][0]))
            second = authorization_for(s, 1, 1, visits[1][1], "97110")
            other_payer = authorization_for(s, 1, 2, visits[1][1], "97110")
    finally:
        eng.dispose()
    assert first is not None and first.number == "A12345" and first.visits_used == 1
    assert second is not None and second.number == "A2" and not second.exhausted
    assert other_payer is None


# ---------------------------------------------------------------- the edit on plain data

AUTH = AuthInfo("A1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), visits_allowed=3,
                units_allowed=8, visits_used=2, units_used=4)


@pytest.mark.parametrize("line, expected", [
    (AuthLine(1, "97110", dt.date(2026, 2, 1), False), None),
    (AuthLine(1, "97110", dt.date(2026, 2, 1), True), "has none"),
    (AuthLine(1, "97110", dt.date(2026, 2, 1), True, AUTH), None),
    (AuthLine(2, "97110", dt.date(2025, 12, 31), True, AUTH), "begins on 2026-01-01"),
    (AuthLine(2, "97110", dt.date(2026, 4, 1), False, AUTH), "expired on 2026-03-31"),
    (AuthLine(3, "97110", dt.date(2026, 2, 1), True,
              AuthInfo("A1", AUTH.start, AUTH.end, 3, None, visits_used=4)), "visit 4"),
    (AuthLine(3, "97110", dt.date(2026, 2, 1), True,
              AuthInfo("A1", AUTH.start, AUTH.end, None, 8, units_used=9)), "allows 8 unit(s)"),
])
def test_check_authorizations(line: AuthLine, expected: str | None) -> None:
    found = check_authorizations([line], "P000001")
    if expected is None:
        assert found == []
    else:
        (f,) = found
        assert expected in f.message and f.line == line.number and f.severity == "error"


def test_check_prior_auth_reads_the_view() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class View:
        patient_account: str
        auth_lines: tuple[AuthLine, ...]

    v = View("P000007", (AuthLine(1, "97110", dt.date(2026, 2, 1), True),))
    (f,) = check_prior_auth(v)
    assert "medbill auth add P000007" in f.fix


# ------------------------------------------------------------ the claim: scrub, 837P REF*G1/9F

TODAY = dt.date.today()
FIRST = TODAY - dt.timedelta(days=60)


@pytest.fixture
def billing(practice: Cli) -> Cli:
    """Jane with an address (a claim needs one) and her ACME1 coverage."""
    assert add_patient(practice, "Jane", "Doe", "1980-04-02", "F") == "P000001"
    add_coverage(practice, "P000001", "ACME1", "XJ123456789")
    return practice


def _scrub(cli: Cli) -> list[dict[str, Any]]:
    r = cli("claim", "scrub", "--format", "json")
    assert r.exit_code in (0, 1), r.output
    rows: list[dict[str, Any]] = json.loads(r.stdout)
    return rows


def _errors(rec: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(f["edit"], f["line"]) for f in rec["findings"] if f["severity"] == "error"]


def _export(cli: Cli, path: Path) -> list[list[str]]:
    cli.ok("claim", "export", "--format", "x12", "--output", str(path))
    assert_valid_837(path, x12check_tool())
    return segments(path.read_text())


def _auth_now(cli: Cli, number: str, *extra: str) -> None:
    cli.ok("auth", "add", "P000001", "--payer", "ACME1", "--number", number, "--from",
           FIRST.isoformat(), "--to", (TODAY + dt.timedelta(days=60)).isoformat(), *extra)


def _claim_refs(segs: list[list[str]]) -> list[list[str]]:
    """The REF segments between CLM and HI (loop 2300)."""
    clm = next(i for i, s in enumerate(segs) if s[0] == "CLM")
    hi = next(i for i, s in enumerate(segs) if s[0] == "HI")
    return [s for s in segs[clm:hi] if s[0] == "REF"]


def test_claim_needing_auth_held_without_one_and_sent_with_ref_g1(billing: Cli,
                                                                  tmp_path: Path) -> None:
    billing.ok("auth", "code-add", "ACME1", "--code", "97110")
    add_visit(billing, "P000001", ["M17.11"], [Svc("97110", units=2), Svc("99213")], dos=FIRST)
    billing.ok("claim", "generate")
    (rec,) = _scrub(billing)
    assert rec["status"] == "held" and _errors(rec) == [("prior-auth", 1)]
    assert billing.db.scalar("SELECT status FROM claim") == "held"
    assert billing.db.scalar("SELECT count(*) FROM claim_finding WHERE edit = 'prior-auth'") == 1
    _auth_now(billing, "PA-778", "--visits", "12", "--code", "97110")
    (rec,) = _scrub(billing)
    assert rec["status"] == "ready" and _errors(rec) == []
    assert billing.json("auth", "list", "P000001")[0]["visits_used"] == 1  # type: ignore[index]
    segs = _export(billing, tmp_path / "b.x12")
    # Only the 97110 line has the authorization: REF*G1 on that line (2400), none on the claim.
    assert _claim_refs(segs) == []
    lx = [i for i, s in enumerate(segs) if s[0] == "LX"]
    assert ["REF", "G1", "PA-778"] in segs[lx[0]:lx[1]]
    assert ["REF", "G1", "PA-778"] not in segs[lx[1]:]
    # The batch re-creates the file byte for byte, even after the authorization changes.
    billing.db.execute("UPDATE prior_auth SET number = 'CHANGED'")
    again = tmp_path / "again.x12"
    billing.ok("claim", "batch", "show", "1", "--output", str(again))
    assert again.read_bytes() == (tmp_path / "b.x12").read_bytes()


def test_claim_ref_g1_on_the_claim_when_every_line_shares_it(billing: Cli, tmp_path: Path) -> None:
    billing.ok("auth", "code-add", "ACME1", "--code", "97110")
    _auth_now(billing, "PA-1", "--visits", "12")  # any code
    add_visit(billing, "P000001", ["M17.11"], [Svc("97110"), Svc("97112")], dos=FIRST)
    billing.ok("claim", "generate")
    assert _scrub(billing)[0]["status"] == "ready"
    segs = _export(billing, tmp_path / "c.x12")
    assert _claim_refs(segs) == [["REF", "G1", "PA-1"]]
    assert sum(1 for s in segs if s[:2] == ["REF", "G1"]) == 1


def test_claim_thirteenth_visit_of_twelve_held(billing: Cli) -> None:
    billing.ok("auth", "code-add", "ACME1", "--code", "97110")
    _auth_now(billing, "PA-12", "--visits", "12", "--code", "97110")
    for i in range(12):
        dos = FIRST + dt.timedelta(days=3 * i)
        add_visit(billing, "P000001", ["M17.11"], [Svc("97110")], dos=dos)
    billing.ok("claim", "generate")
    (first,) = _scrub(billing)
    assert first["status"] == "ready" and len(first["findings"]) == 0, first
    last = FIRST + dt.timedelta(days=36)
    add_visit(billing, "P000001", ["M17.11"], [Svc("97110")], dos=last)
    billing.ok("claim", "generate")
    rows = _scrub(billing)
    assert [r["status"] for r in rows] == ["ready", "held"]
    assert _errors(rows[1]) == [("prior-auth", 1)]
    assert rows[1]["findings"][0]["message"] == (
        f"Authorization PA-12 allows 12 visit(s); 97110 on {last} is visit 13")
    assert billing.json("auth", "list")[0]["visits_used"] == 13  # type: ignore[index]


def test_claim_expired_authorization_held(billing: Cli) -> None:
    billing.ok("auth", "code-add", "ACME1", "--code", "97110")
    billing.ok("auth", "add", "P000001", "--payer", "ACME1", "--number", "OLD1", "--from",
          (FIRST - dt.timedelta(days=90)).isoformat(), "--to",
          (FIRST - dt.timedelta(days=1)).isoformat())
    add_visit(billing, "P000001", ["M17.11"], [Svc("97110")], dos=FIRST)
    billing.ok("claim", "generate")
    (rec,) = _scrub(billing)
    assert rec["status"] == "held"
    assert f"Authorization OLD1 expired on {FIRST - dt.timedelta(days=1)}" in (
        rec["findings"][0]["message"])


def test_claim_referral_sent_as_ref_9f(billing: Cli, tmp_path: Path) -> None:
    billing.ok("referral", "add", "P000001", "--provider-npi", NPI_PROVIDER, "--number", "R778",
          "--from", FIRST.isoformat(), "--to", TODAY.isoformat())
    _auth_now(billing, "PA-9")
    add_visit(billing, "P000001", ["I10"], [Svc("99213")], dos=FIRST)
    billing.ok("claim", "generate")
    assert _scrub(billing)[0]["status"] == "ready"
    segs = _export(billing, tmp_path / "r.x12")
    assert _claim_refs(segs) == [["REF", "9F", "R778"], ["REF", "G1", "PA-9"]]


def test_claim_without_auth_or_referral_has_no_ref(billing: Cli, tmp_path: Path) -> None:
    # A referral that ended before the visit is not sent.
    billing.ok("referral", "add", "P000001", "--provider-npi", NPI_PROVIDER, "--number", "R1",
          "--from", (FIRST - dt.timedelta(days=30)).isoformat(), "--to",
          (FIRST - dt.timedelta(days=1)).isoformat())
    add_visit(billing, "P000001", ["I10"], [Svc("99213")], dos=FIRST)
    billing.ok("claim", "generate")
    assert _scrub(billing)[0]["status"] == "ready"
    segs = _export(billing, tmp_path / "n.x12")
    assert [s for s in segs if s[0] == "REF" and s[1] in ("G1", "9F")] == []
