"""claim print: the CMS-1500 (02/12) PDF read back field by field, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from claim_support import DOS, Svc, add_coverage, add_dependent_coverage, add_patient, add_visit
from cms1500_support import LEADING, PITCH, Sheet, courier_positions, read_pdf
from conftest import NPI_PRACTICE, NPI_PROVIDER, Cli

DX = ["J06.9", "R50.9", "I10", "E11.9", "M17.11"]
NINE = [Svc("99213", 12500, pointers="1 2"), Svc("87880", 2550, pointers="1"),
        Svc("97110", 3000, units=2, modifiers="59", pointers="5"),
        Svc("36415", 1000, pointers="3 4"), Svc("81002", 800, pointers="4"),
        Svc("93000", 4500, pointers="3"), Svc("90471", 2500, pointers="2"),
        Svc("85025", 1800, pointers="4 3 2 1"), Svc("20610", 17500, modifiers="RT", pointers="5")]
MMDDYY = DOS.strftime("%m %d %y").split()


def _ymd(text: str) -> list[str]:
    d = dt.date.fromisoformat(text)
    return [f"{d.month:02d}", f"{d.day:02d}", f"{d.year % 100:02d}"]


def money(amount: str) -> str:
    return amount.replace(".", " ")


def nine_line_patient(cli: Cli) -> str:
    """A patient with a primary (ACME1) and a secondary (BCN02, Medicare) coverage and a
    nine-line visit; the primary claim is generated."""
    acct = add_patient(cli, "John", "Doe")
    add_coverage(cli, acct, "ACME1", "XJ123456789", "--group", "G100")
    add_coverage(cli, acct, "BCN02", "1EG4TE5MK73", "--priority", "secondary")
    add_visit(cli, acct, DX, NINE)
    cli.ok("claim", "generate")
    return acct


def secondary_claim(cli: Cli, primary_id: int, paid: list[int]) -> int:
    """The primary payer's 835 posted on each line, and the secondary claim of the same lines
    (the rows the crossover to the next payer writes)."""
    from sqlmodel import Session, col, select

    from medbill_cli.db.models import Claim, ClaimLine, Coverage, Era, EraClaim, EraLine

    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            prim = s.get(Claim, primary_id)
            assert prim is not None and prim.id is not None
            lines = s.exec(select(ClaimLine).where(ClaimLine.claim_id == prim.id)
                           .order_by(col(ClaimLine.line_number))).all()
            cov = s.exec(select(Coverage).where(Coverage.patient_id == prim.patient_id,
                                                Coverage.priority == "secondary")).one()
            era = Era(payer_key="ACME1", trace_number="EFT1", payer_id=prim.payer_id,
                      posted_on=DOS, total_cents=sum(paid))
            s.add(era)
            s.flush()
            assert era.id is not None
            ec = EraClaim(era_id=era.id, claim_id=prim.id, pcn=prim.pcn, status_code="1",
                          outcome="paid", payer_sequence=1, charge_cents=prim.total_cents,
                          paid_cents=sum(paid))
            s.add(ec)
            s.flush()
            assert ec.id is not None
            for i, (ln, cents) in enumerate(zip(lines, paid, strict=True), start=1):
                s.add(EraLine(era_claim_id=ec.id, seq=i, claim_line_id=ln.id,
                              charge_id=ln.charge_id, paid_cents=cents))
            sec = Claim(pcn="C90000001", patient_id=prim.patient_id, coverage_id=cov.id,
                        payer_id=cov.payer_id, provider_id=prim.provider_id, pos=prim.pos,
                        total_cents=prim.total_cents, diagnoses=prim.diagnoses,
                        first_dos=prim.first_dos, last_dos=prim.last_dos)
            s.add(sec)
            s.flush()
            assert sec.id is not None
            s.add_all([ClaimLine(claim_id=sec.id, line_number=ln.line_number,
                                 charge_id=ln.charge_id, dx_pointers=ln.dx_pointers)
                       for ln in lines])
            s.commit()
            return sec.id
    finally:
        eng.dispose()


def assert_service_line(sheet: Sheet, n: int, line: dict[str, Any], letters: str) -> None:
    """Box 24, line ``n`` of the page, against the claim's line."""
    row = 42 + 2 * n
    date = _ymd(line["date"])
    assert [sheet.field(row, c, 2) for c in (1, 4, 7)] == date  # 24A from
    assert [sheet.field(row, c, 2) for c in (10, 13, 16)] == date  # 24A to
    assert sheet.field(row, 19, 2) == "11"  # 24B place of service, not a state
    assert sheet.field(row, 25, 6) == line["code"]  # 24D
    assert sheet.field(row, 33, 12) == " ".join(line["modifiers"].split())
    assert sheet.field(row, 45, 4) == letters  # 24E
    assert sheet.field(row, 50, 8) == money(line["amount"])  # 24F, right-aligned, no $ or dot
    assert sheet.field(row, 57, 1) == line["amount"][-1]  # the cents end at column 57
    assert sheet.field(row, 59, 3) == str(line["units"])  # 24G
    assert sheet.field(row, 68, 10) == NPI_PROVIDER  # 24J rendering NPI
    assert sheet.line_text(row - 1) == ""  # the shaded half stays empty (no NDC)


def test_claim_print_nine_line_secondary_two_pages(practice: Cli, tmp_path: Path) -> None:
    nine_line_patient(practice)
    paid = [8000, 1500, 2000, 700, 500, 3000, 1800, 1200, 11000]
    sec = secondary_claim(practice, 1, paid)
    detail: Any = practice.json("claim", "show", str(sec))
    out = tmp_path / "secondary.pdf"
    r = practice.ok("claim", "print", str(sec), "--output", str(out))
    assert r.stdout == ""
    assert "on 2 page(s)" in r.stderr and f"total {detail['total']}" in r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    sheets = read_pdf(out)
    assert len(sheets) == 2
    diagnoses = detail["diagnoses"]
    assert sorted(diagnoses) == sorted(DX)  # in order of first use on the lines
    for number, sheet in enumerate(sheets):
        lines = detail["lines"][6 * number: 6 * number + 6]
        for n, line in enumerate(lines, start=1):
            letters = "".join("ABCDEFGHIJKL"[int(p) - 1] for p in line["dx_pointers"].split())
            assert_service_line(sheet, n, line, letters)
        for n in range(len(lines) + 1, 7):  # no seventh line, no leftovers
            assert sheet.line_text(42 + 2 * n) == ""
        # Box 28: each page totals its own lines.
        page_total = sum(int(ln["amount"].replace(".", "")) for ln in lines)
        assert sheet.field(56, 52, 8) == f"{page_total // 100} {page_total % 100:02d}"
        # Box 21: ICD-10 indicator 0, codes A-L without the decimal point.
        assert sheet.field(37, 42, 1) == "0"
        for i, code in enumerate(diagnoses):
            assert sheet.field(38 + i // 4, 3 + 13 * (i % 4), 8) == code.replace(".", "")
        # The payer billed (the secondary, a Medicare plan), its member id, the patient.
        assert sheet.field(2, 41, 31) == "BEACON MEDICARE"
        assert sheet.field(8, 1, 1) == "X" and sheet.field(8, 31, 1) == ""  # box 1: Medicare
        assert sheet.field(8, 50, 17) == "1EG4TE5MK73"  # 1a
        assert sheet.field(10, 1, 28) == "DOE, JOHN"  # 2
        assert [sheet.field(10, c, w) for c, w in ((31, 2), (34, 2), (37, 4))] == \
            ["03", "15", "1970"]  # 3: MM DD YYYY
        assert sheet.field(10, 42, 1) == "X"  # 3: M
        assert sheet.field(12, 33, 1) == "X"  # 6: self
        assert sheet.field(12, 1, 28) == "456 OAK AVE"
        assert sheet.field(14, 1, 20) == "ALBANY" and sheet.field(14, 26, 2) == "NY"
        assert sheet.field(16, 1, 10) == "12203"
        # 9, 9a, 9d from the other (primary) coverage, and 11d YES.
        assert sheet.field(18, 1, 28) == "DOE, JOHN"
        assert sheet.field(20, 1, 28) == "XJ123456789"
        assert sheet.field(26, 1, 28) == "ACME HEALTH"
        assert sheet.field(26, 52, 1) == "X" and sheet.field(26, 57, 1) == ""
        assert sheet.field(24, 50, 30) == "BEACON MEDICARE"  # 11c
        # 12/13 follow CLM09/CLM08, 27 follows CLM07 (A: YES).
        assert sheet.field(29, 7, 30) == "SIGNATURE ON FILE"
        assert sheet.field(29, 55, 25) == "SIGNATURE ON FILE"
        assert sheet.field(56, 38, 1) == "X" and sheet.field(56, 43, 1) == ""
        # Box 25: the practice's EIN (billing provider), EIN marked; 26 the claim's CLM01.
        assert sheet.field(56, 1, 15) == "123456789"
        assert sheet.field(56, 19, 1) == "X" and sheet.field(56, 17, 1) == ""
        assert sheet.field(56, 23, 15) == "C90000001"
        # 33: the billing provider, its phone, NPI and taxonomy.
        assert [sheet.field(57, c, w) for c, w in ((66, 3), (70, 3), (74, 4))] == \
            ["518", "555", "0100"]
        assert sheet.field(58, 50, 25) == "MAIN STREET FAMILY MEDICI"
        assert sheet.field(59, 50, 25) == "100 MAIN ST"
        assert sheet.field(60, 50, 27) == "ALBANY NY 12207-1234"
        assert sheet.field(61, 50, 10) == NPI_PRACTICE
        assert sheet.field(61, 63, 16) == "ZZ207Q00000X"
        assert sheet.field(61, 6, 8) == dt.date.today().strftime("%m %d %y")
    # Box 29: what the primary paid, on the first page only.
    assert sheets[0].field(56, 62, 8) == f"{sum(paid) // 100} {sum(paid) % 100:02d}"
    assert sheets[1].field(56, 62, 8) == ""
    # Printing is in the audit trail, and the trail still verifies.
    rows = practice.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'print' "
                              "AND entity = 'claim' AND entity_id = 'C90000001'")
    assert rows == 1
    after = json.loads(str(practice.db.scalar(
        "SELECT after FROM audit_log WHERE action = 'print'")))
    assert after["pages"] == 2 and after["form"] == "data" and after["file"] == "secondary.pdf"
    practice.ok("audit", "verify")


def test_claim_print_primary_dependent(practice: Cli, tmp_path: Path) -> None:
    """A child on a parent's plan: 2 is the patient, 4 and 7 the insured; no other coverage."""
    acct = add_patient(practice, "Timothy", "Roe", "2015-06-20")
    add_dependent_coverage(practice, acct)
    add_visit(practice, acct, ["Z00.129"], [Svc("99392", 8500)])
    practice.ok("claim", "generate")
    out = tmp_path / "c.pdf"
    practice.ok("claim", "print", "C00000001", "--output", str(out))
    (sheet,) = read_pdf(out)
    assert sheet.field(8, 31, 1) == "X"  # box 1: group health plan (CI)
    assert sheet.field(8, 50, 17) == f"S{acct}"
    assert sheet.field(10, 1, 28) == "ROE, TIMOTHY"
    assert sheet.field(10, 37, 4) == "2015"
    assert sheet.field(10, 50, 28) == "ROE, MARY"
    assert sheet.field(12, 42, 1) == "X"  # 6: child
    assert [sheet.field(20, c, w) for c, w in ((53, 2), (56, 2), (59, 4))] == ["05", "01", "1982"]
    assert sheet.field(20, 75, 1) == "X"  # 11a: F
    assert sheet.field(18, 1, 28) == "" and sheet.field(26, 57, 1) == "X"  # 11d NO
    assert sheet.field(56, 62, 8) == ""  # 29: nothing paid before a primary
    assert sheet.field(56, 52, 8) == "85 00"
    assert_service_line(sheet, 1, {"date": DOS.isoformat(), "code": "99392", "modifiers": "",
                                   "amount": "85.00", "units": 1}, "A")


def test_claim_print_full_form_draws_boxes_at_the_same_positions(practice: Cli,
                                                                 tmp_path: Path) -> None:
    nine_line_patient(practice)
    data, full = tmp_path / "data.pdf", tmp_path / "full.pdf"
    practice.ok("claim", "print", "1", "--output", str(data))
    practice.ok("claim", "print", "1", "--output", str(full), "--form", "full")
    plain, drawn = read_pdf(data), read_pdf(full)
    assert len(plain) == len(drawn) == 2
    for p, d in zip(plain, drawn, strict=True):
        assert p.rects == 0 and p.lines == 0
        assert d.rects >= 60 and d.lines >= 10  # boxes, shaded rows, box 24's rules
        assert d.chars == p.chars  # the data sits exactly where it does on the blank form
    import pdfplumber

    with pdfplumber.open(full) as pdf:
        text = pdf.pages[0].extract_text()
    assert "HEALTH INSURANCE CLAIM FORM" in text and "25. FEDERAL TAX I.D. NUMBER" in text


@pytest.mark.parametrize("dx,dy", [(9.0, -6.0), (-4.5, 10.0)])
def test_claim_print_offsets_move_the_text(practice: Cli, tmp_path: Path, dx: float,
                                           dy: float) -> None:
    nine_line_patient(practice)
    base, moved = tmp_path / "base.pdf", tmp_path / "moved.pdf"
    practice.ok("claim", "print", "1", "--output", str(base))
    practice.ok("claim", "print", "1", "--output", str(moved), "--offset-x", str(dx),
                "--offset-y", str(dy))
    for b, m in zip(courier_positions(base), courier_positions(moved), strict=True):
        assert len(b) == len(m) > 100
        for (t1, x1, y1), (t2, x2, y2) in zip(b, m, strict=True):
            assert t1 == t2
            assert x2 - x1 == pytest.approx(dx, abs=0.01)
            assert y2 - y1 == pytest.approx(dy, abs=0.01)
    assert read_pdf(moved, dx, dy)[0].chars == read_pdf(base)[0].chars
    assert PITCH == 7.2 and LEADING == 12.0


def test_claim_print_batch(practice: Cli, tmp_path: Path) -> None:
    from claim_support import load_codes

    accounts = []
    for first in ("Ann", "Bob", "Cy"):
        acct = add_patient(practice, first, "Poe")
        add_coverage(practice, acct)
        add_visit(practice, acct, ["I10"], [Svc("99214", 15000)])
        accounts.append(acct)
    load_codes(practice)
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    practice.ok("claim", "export", "--format", "x12", "--output", str(tmp_path / "b.x12"))
    out = tmp_path / "batch.pdf"
    r = practice.ok("claim", "print", "--batch", "1", "--output", str(out))
    assert "Wrote 3 claim(s) on 3 page(s), total 450.00" in r.stderr
    sheets = read_pdf(out)
    assert [s.field(56, 23, 15) for s in sheets] == ["C00000001", "C00000002", "C00000003"]
    assert [s.field(10, 1, 28) for s in sheets] == ["POE, ANN", "POE, BOB", "POE, CY"]
    assert practice.db.count("audit_log") > 0
    assert practice.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'print'") == 3


def test_claim_print_refusals(practice: Cli, tmp_path: Path) -> None:
    nine_line_patient(practice)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    out = tmp_path / "x.pdf"
    r = practice.fails(3, "claim", "print", "999", "--output", str(out))
    assert r.stderr.strip() == "Error: No claim 999. See medbill claim list."
    practice.fails(3, "claim", "print", "--batch", "7", "--output", str(out))
    practice.fails(3, "claim", "print", "--output", str(out))
    practice.fails(3, "claim", "print", "1", "--batch", "1", "--output", str(out))
    # An output that cannot be written is the environment's problem (exit 4), as for every
    # command that writes a file, and is refused before anything is read or recorded.
    r = practice.fails(4, "claim", "print", "1", "--output", str(tmp_path))
    assert "it is a folder" in r.stderr
    r = practice.fails(4, "claim", "print", "1", "--output", str(tmp_path / "no" / "x.pdf"))
    assert "does not exist" in r.stderr
    (tmp_path / "afile").write_text("")
    practice.fails(4, "claim", "print", "1", "--output", str(tmp_path / "afile" / "x.pdf"))
    r = practice.fails(3, "claim", "print", "1", "--output", str(out), "--offset-x", "100")
    assert "--offset-x 100 is more than 72 points" in r.stderr
    r = practice("claim", "print", "1", "--output", str(out), "--form", "scan")
    assert r.exit_code == 2
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
    assert practice.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'print'") == 0


def test_claim_print_claim_without_lines_refused(practice: Cli, tmp_path: Path) -> None:
    nine_line_patient(practice)
    practice.db.execute(
        "INSERT INTO claim (pcn, patient_id, coverage_id, payer_id, pos, status, frequency, "
        "total_cents, diagnoses, created_at) SELECT 'C00000077', patient_id, coverage_id, "
        "payer_id, pos, 'draft', '1', 0, '', created_at FROM claim WHERE id = 1")
    out = tmp_path / "out" / "x.pdf"
    out.parent.mkdir()
    r = practice.fails(3, "claim", "print", "1", "C00000077", "--output", str(out))
    assert r.stderr.startswith("Error: Claim ") and "has no lines" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert list(out.parent.iterdir()) == []


def test_claim_print_replaces_a_file_owner_only(practice: Cli, tmp_path: Path) -> None:
    nine_line_patient(practice)
    out = tmp_path / "out" / "x.pdf"
    out.parent.mkdir()
    out.write_text("old")
    out.chmod(0o644)
    practice.ok("claim", "print", "1", "--output", str(out))
    assert out.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.pdf"]  # no temporary file left
