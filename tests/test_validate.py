"""Unit tests of the registration rules."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medbill_cli import validate as v
from medbill_cli.errors import InputError


@pytest.mark.parametrize("npi", ["1234567893", "1987654328", "1245319599", "1679576722"])
def test_npi_valid_check_digit(npi: str) -> None:
    assert v.npi_check_digit_ok(npi)
    assert v.npi(npi) == npi


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678930", "abcdefghij", ""])
def test_npi_invalid(npi: str) -> None:
    with pytest.raises(InputError):
        v.npi(npi)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_npi_exactly_one_check_digit_fits(prefix: str) -> None:
    fits = [d for d in "0123456789" if v.npi_check_digit_ok(prefix + d)]
    assert len(fits) == 1


@pytest.mark.parametrize(
    ("raw", "clean"), [("12-3456789", "123456789"), ("123456789", "123456789")]
)
def test_ein(raw: str, clean: str) -> None:
    assert v.ein(raw) == clean


@pytest.mark.parametrize("raw", ["12345678", "1234567890", "12-345678A", "000000000"])
def test_ein_invalid(raw: str) -> None:
    with pytest.raises(InputError):
        v.ein(raw)


def test_states_include_territories_and_reject_others() -> None:
    for s in ("NY", "pr", "GU", "VI", "DC", "AE"):
        assert v.state(s) == s.upper()
    for s in ("XX", "NP", "N", "New York"):
        with pytest.raises(InputError):
            v.state(s)


def test_zip_and_plus4() -> None:
    assert v.zip_code("12207-1234") == "122071234"
    assert v.zip_code("12207") == "12207"
    with pytest.raises(InputError, match="\\+4"):
        v.zip_code("12207", require_plus4=True)
    for bad in ("1220", "122071", "ABCDE"):
        with pytest.raises(InputError):
            v.zip_code(bad)


def test_phone_forms() -> None:
    for raw in ("518-555-0100", "(518) 555-0100", "+1 518 555 0100", "5185550100"):
        assert v.phone(raw) == "5185550100"
    for raw in ("555-0100", "018-555-0100", "518-055-0100"):
        with pytest.raises(InputError):
            v.phone(raw)


@pytest.mark.parametrize("ch", list("~*:^|>{") + ["\n", "\t", "\x00"])
def test_text_refuses_delimiters_and_control_characters(ch: str) -> None:
    with pytest.raises(InputError):
        v.text(f"ab{ch}cd", field="Name")


def test_dob_bounds() -> None:
    today = dt.date.today()
    assert v.dob(today) == today
    with pytest.raises(InputError, match="future"):
        v.dob(today + dt.timedelta(days=1))
    with pytest.raises(InputError, match="130"):
        v.dob(dt.date(today.year - 131, 1, 1))


@pytest.mark.parametrize(("raw", "clean"), [("e119", "E11.9"), ("E11.9", "E11.9"), ("I10", "I10"),
                                            ("S72001A", "S72.001A"), ("z00.00", "Z00.00")])
def test_icd10_format(raw: str, clean: str) -> None:
    assert v.icd10_format(raw) == clean


@pytest.mark.parametrize("raw", ["12345", "E1", "U07.1x", "E11.91234", "E11..9", ""])
def test_icd10_format_refuses_malformed(raw: str) -> None:
    with pytest.raises(InputError):
        v.icd10_format(raw)
