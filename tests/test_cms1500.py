"""The CMS-1500 renderer: the claim view in, grid cells out (no database); then the other-payer
boxes (9, 9a, 9d, 11d, 29) of claims built and printed through the commands, on SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from cms1500_support import Sheet, read_pdf
from cob_support import cob_practice, ledger_clean, patient_with
from conftest import Cli
from test_claim_cob import DOS, _primary_paid

from medbill_cli.forms import cms1500
from medbill_cli.forms.pdf import FormMode, write_pdf
from medbill_cli.x12 import p837

HOME = p837.Address("12 Oak St., Apt #4", "Albany", "NY", "122081234")
BILLING = p837.BillingProvider("Main Street Family Medicine", "1234567893", "12-3456789",
                               p837.Address("100 Main St", "Albany", "NY", "122071234"),
                               "207Q00000X")
HEADER = cms1500.FormHeader(BILLING, dt.date(2026, 12, 1), "(518) 555-0100")


def claim(n_lines: int = 1, **changes: object) -> p837.ClaimOut:
    sub = p837.Person("O'Neil", "Mary", dt.date(1980, 4, 2), "F", "ann", HOME)
    lines = tuple(p837.ServiceLine("99213", 10000 + i, 1, dt.date(2026, 11, 2), (1,))
                  for i in range(n_lines))
    base = p837.ClaimOut("C00000001", "11", ("E11.9", "I10"), sub, "XJ1",
                         p837.PayerInfo("Acme Health", "ACME1"), lines)
    return dataclasses.replace(base, **changes)


def cells(pages: list[cms1500.FormPage], item: str, page: int = 0) -> list[tuple[int, int, str]]:
    return [(c.line, c.column, c.text) for c in pages[page].cells if c.item == item]


def test_money_and_pointer_letters() -> None:
    assert cms1500.money(12550) == "125 50"
    assert cms1500.money(5) == "0 05"
    assert cms1500.money(123456789) == "1234567 89"  # no thousands separator
    assert cms1500.pointer_letters((1, 2, 12)) == "ABL"
    assert cms1500.pointer_letters((4, 3, 2, 1, 5)) == "DCBA"  # four at most


@pytest.mark.parametrize("indicator,column", [("MB", 1), ("MA", 1), ("MC", 8), ("CH", 15),
                                              ("VA", 24), ("CI", 31), ("BL", 31), ("HM", 31),
                                              ("FI", 39), ("WC", 45), ("AM", 45)])
def test_box_1_program_by_filing_indicator(indicator: str, column: int) -> None:
    pages = cms1500.render(claim(filing_indicator=indicator), HEADER)
    assert cells(pages, "1") == [(8, column, "X")]


def test_names_addresses_without_punctuation_upper_case() -> None:
    pages = cms1500.render(claim(), HEADER)
    assert cells(pages, "2") == [(10, 1, "O'NEIL, MARY A")]
    assert (12, 1, "12 OAK ST APT 4") in cells(pages, "5")
    assert (16, 1, "12208-1234") in cells(pages, "5")
    assert cells(pages, "3") == [(10, 31, "04"), (10, 34, "02"), (10, 37, "1980"), (10, 47, "X")]


def test_assignment_and_signatures_follow_clm06_to_clm09() -> None:
    on_file = cms1500.render(claim(), HEADER)
    assert cells(on_file, "27") == [(56, 38, "X")]
    assert cells(on_file, "13") == [(29, 55, "SIGNATURE ON FILE")]
    assert cells(on_file, "12") == [(29, 7, "SIGNATURE ON FILE")]
    c = claim(assignment="C", benefits_assigned="N", release="I", provider_signature="N")
    off = cms1500.render(c, HEADER)
    assert cells(off, "27") == [(56, 43, "X")]
    assert cells(off, "13") == [] and cells(off, "12") == []
    assert cells(off, "31") == [(61, 6, "12"), (61, 9, "01"), (61, 12, "26")]
    # The 837P sends the same values: one source for the paper and the electronic claim.
    out: list[str] = []
    env = p837.Envelope("SUB", "REC", 1, dt.datetime(2026, 12, 1, 9, 0))
    p837.write_837p(out.append, [c], envelope=env, submitter=p837.Submitter("S", "SUB", "C", "1"),
                    receiver=p837.Receiver("R", "REC"), billing=BILLING)
    (clm,) = [s for s in out if s.startswith("CLM*")]
    assert clm.strip().split("*")[6:10] == ["N", "C", "N", "I~"]


def test_resubmission_box_22_and_ndc_supplemental() -> None:
    ln = p837.ServiceLine("J3420", 2500, 1, dt.date(2026, 11, 2), (2,), ndc="00009-0031-01",
                          ndc_unit="ML", ndc_quantity="1")
    pages = cms1500.render(claim(frequency="7", payer_claim_number="icn-77", lines=(ln,)),
                           HEADER)
    assert cells(pages, "22") == [(38, 50, "7"), (38, 62, "ICN-77")]
    assert cells(pages, "24.1") == [(43, 1, "N400009003101   ML1")]
    assert cells(pages, "24E.1") == [(44, 45, "B")]
    assert cells(pages, "24J.1") == []  # no rendering provider: the billing NPI is in 33a


def test_medicare_primary_leaves_4_and_7_blank_and_11_none() -> None:
    pages = cms1500.render(claim(filing_indicator="MB"), HEADER)
    assert cells(pages, "4") == [] and cells(pages, "7") == []
    assert cells(pages, "11") == [(18, 50, "NONE")]


def other_payer(priority: str = "primary", paid_cents: int | None = None,
                **changes: object) -> p837.OtherPayer:
    sub = p837.Person("Smith", "John", dt.date(1978, 1, 9), "M", "Q.", HOME)
    base = p837.OtherPayer(priority, "spouse", sub, "W123", p837.PayerInfo("Beta Care", "BETA"),
                           group_number="G9", paid_cents=paid_cents)
    return dataclasses.replace(base, **changes)


def test_thirteen_lines_three_pages_each_its_own_total() -> None:
    c = claim(13, priority="secondary", other_payers=(other_payer(paid_cents=5000),))
    pages = cms1500.render(c, HEADER)
    assert [(p.page, p.pages) for p in pages] == [(1, 3), (2, 3), (3, 3)]
    assert [p.total_cents for p in pages] == [60015, 60051, 10012]
    assert sum(p.total_cents for p in pages) == c.total_cents
    assert cells(pages, "28", 2) == [(56, 54, "100 12")]
    assert cells(pages, "29", 0) == [(56, 65, "50 00")] and cells(pages, "29", 1) == []
    assert [c.line for c in pages[2].cells if c.item.startswith("24D.")] == [44]


def test_claim_without_lines_is_refused() -> None:
    with pytest.raises(ValueError, match="no service lines"):
        cms1500.render(claim(lines=()), HEADER)


def test_other_payers_fill_9_9a_9d_11d_and_29() -> None:
    """The first other payer in payer order names boxes 9, 9a, 9d; 29 sums those that paid."""
    known = claim(other_payers=(other_payer("secondary"),))  # a primary, secondary known
    pages = cms1500.render(known, HEADER)
    assert cells(pages, "9") == [(18, 1, "SMITH, JOHN Q")]
    assert cells(pages, "9a") == [(20, 1, "W123")]
    assert cells(pages, "9d") == [(26, 1, "BETA CARE")]
    assert cells(pages, "11d") == [(26, 52, "X")]
    assert cells(pages, "29") == []  # no payer has answered a primary claim
    assert cells(pages, "11") == [] and cells(pages, "11c") == [(24, 50, "ACME HEALTH")]
    third = p837.OtherPayer("secondary", "self", known.subscriber, "S77",
                            p837.PayerInfo("Gamma", "GAM"), paid_cents=1234)
    tertiary = claim(priority="tertiary", group_number="GRP 1",
                     other_payers=(other_payer(paid_cents=0), third))
    pages = cms1500.render(tertiary, HEADER)
    assert cells(pages, "9d") == [(26, 1, "BETA CARE")]  # the primary, not the secondary
    assert cells(pages, "29") == [(56, 65, "12 34")]  # both earlier payers, a denial's 0 too
    assert cells(pages, "11") == [(18, 50, "GRP 1")]
    denied = claim(priority="secondary", other_payers=(other_payer(paid_cents=0),))
    assert cells(cms1500.render(denied, HEADER), "29") == [(56, 66, "0 00")]
    alone = cms1500.render(claim(), HEADER)
    assert cells(alone, "9") == cells(alone, "9a") == cells(alone, "9d") == []
    assert cells(alone, "11d") == [(26, 57, "X")] and cells(alone, "29") == []
    # Medicare secondary: 11 is not NONE when another plan is primary to Medicare.
    mb = claim(filing_indicator="MB", priority="secondary",
               other_payers=(other_payer(paid_cents=100),))
    assert cells(cms1500.render(mb, HEADER), "11") == []


def test_every_field_fits_the_grid_and_overlaps_none(tmp_path: Path) -> None:
    other = other_payer(paid_cents=1, member_id="P" * 40, payer=p837.PayerInfo("Q" * 40, "Q"),
                        subscriber=p837.Person("A" * 40, "B" * 40, None, "U"))
    c = claim(6, rendering=p837.RenderingProvider("1987654328", "Ruiz", "Ana"),
              diagnoses=tuple(f"A{i:02d}.{i}" for i in range(12)),
              payer=p837.PayerInfo("X" * 60, "P"), priority="secondary", other_payers=(other,))
    (page,) = cms1500.render(c, HEADER)
    taken: dict[tuple[int, int], str] = {}
    for cell in page.cells:
        assert 1 <= cell.line <= cms1500.GRID_LINES
        assert 1 <= cell.column and cell.column + len(cell.text) - 1 <= cms1500.GRID_COLUMNS
        for i in range(len(cell.text)):
            assert (cell.line, cell.column + i) not in taken, (cell, taken[(cell.line,
                                                                           cell.column + i)])
            taken[(cell.line, cell.column + i)] = cell.item
    path = tmp_path / "f.pdf"
    path.write_bytes(write_pdf([page], form=FormMode.full))
    (sheet,) = read_pdf(path)
    assert sheet.field(40, 42, 8) == "A1111"  # diagnosis L, the last of twelve


# --------------------------------------------------------------------------- through the commands


def _print(cli: Cli, tmp_path: Path, pcn: str) -> Sheet:
    out = tmp_path / f"{pcn}.pdf"
    cli.ok("claim", "print", pcn, "--output", str(out))
    (sheet,) = read_pdf(out)
    return sheet


def test_claim_print_primary_names_its_known_secondary(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    patient_with(cli, "Known", "ACME1", "SECND", dos=DOS)
    (row,) = cli.json("claim", "generate")
    sheet = _print(cli, tmp_path, row["pcn"])
    assert sheet.field(18, 1, 28) == "KNOWN, PAT"  # 9: the secondary's insured (self)
    assert sheet.field(20, 1, 28) == "SECKNOWN"  # 9a: its member id
    assert sheet.field(26, 1, 28) == "SECOND HEALTH"  # 9d
    assert sheet.field(26, 52, 1) == "X" and sheet.field(26, 57, 1) == ""  # 11d YES
    assert sheet.field(56, 62, 8) == ""  # 29: nobody has paid before the primary
    assert sheet.field(18, 50, 30) == "GACM"  # 11: the billed plan's own group
    assert sheet.field(24, 50, 30) == "ACME HEALTH"  # 11c
    ledger_clean(cli)


def test_claim_print_secondary_after_the_primary_835(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Cobprint", "ACME1", "SECND", dos=DOS)
    primary, _ = _primary_paid(cli, tmp_path, a)
    (sec,) = cli.json("claim", "generate")
    assert sec["payer"] == "SECND"
    sheet = _print(cli, tmp_path, sec["pcn"])
    assert sheet.field(2, 41, 31) == "SECOND HEALTH"  # the payer billed
    assert sheet.field(18, 1, 28) == "COBPRINT, PAT"  # 9: the primary's insured
    assert sheet.field(20, 1, 28) == "ACMCOBPRINT"  # 9a
    assert sheet.field(26, 1, 28) == "ACME HEALTH"  # 9d
    assert sheet.field(26, 52, 1) == "X" and sheet.field(26, 57, 1) == ""  # 11d YES
    assert sheet.field(56, 62, 8) == "80 00"  # 29: the primary's CLP04 (70.00 + 10.00)
    assert sheet.field(56, 52, 8) == "150 50"  # 28
    assert sheet.field(18, 50, 30) == "GSEC" and sheet.field(24, 50, 30) == "SECOND HEALTH"
    # The primary's own form is unchanged by its 835: still no amount paid.
    assert _print(cli, tmp_path, primary).field(56, 62, 8) == ""
    ledger_clean(cli)
