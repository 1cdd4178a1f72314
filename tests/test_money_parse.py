"""Money parsing and cents conversion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medbill_cli.money import AmountError, D, fmt, from_cents, parse_amount, to_cents


@pytest.mark.parametrize(("text", "value"), [
    ("125", "125.00"), ("125.5", "125.50"), ("125.50", "125.50"), ("$1,250.00", "1250.00"),
    ("0", "0.00"), ("0.01", "0.01"), ("1,000,000", "1000000.00"), ("$7", "7.00"),
])
def test_parse_amount_accepts(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["1e3", "NaN", "-0", "-5", "1.234", "12,34", "1,2345.00", "",
                                  "$", "inf", "1.", ".5", "1 000", "+5", "0x10"])
def test_parse_amount_refuses(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_zero_can_be_refused() -> None:
    with pytest.raises(AmountError):
        parse_amount("0.00", allow_zero=False)


def test_D_refuses_float_and_sub_cent() -> None:
    with pytest.raises(TypeError):
        D(1.5)  # type: ignore[arg-type]
    with pytest.raises(AmountError):
        D("1.005")
    assert D(3) == Decimal("3.00")


@given(st.integers(min_value=0, max_value=10**12))
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents
    assert parse_amount(fmt(cents)) == from_cents(cents)


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=50))
def test_sum_in_cents_equals_sum_in_decimal(values: list[int]) -> None:
    assert to_cents(sum((from_cents(v) for v in values), Decimal("0"))) == sum(values)


def test_amount_cents_names_the_field() -> None:
    from medbill_cli.errors import InputError
    from medbill_cli.money import amount_cents

    assert amount_cents("$1,250.00", "Copay") == 125000
    assert amount_cents(Decimal("7.50")) == 750
    with pytest.raises(InputError, match="^Copay: '1e3' is not an amount"):
        amount_cents("1e3", "Copay")
    with pytest.raises(InputError, match="^Amount: the amount must be more than 0.00"):
        amount_cents("0", allow_zero=False)
    with pytest.raises(InputError, match="more than 0.00"):
        amount_cents(Decimal("0.00"), allow_zero=False)
