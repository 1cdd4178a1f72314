"""Money: Decimal in Python, integer cents in the database.

This is the only module that parses or rounds amounts. Rounding rule: amounts are
entered with at most two decimals and are never rounded on input; a computed amount
(fee x units, allocations) is exact in cents because every factor is whole cents or a
whole number. ``to_cents`` refuses a value with fractions of a cent rather than round it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

_AMOUNT_RE = re.compile(r"^\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$")


class AmountError(ValueError):
    """An amount that is not a plain non-negative money value."""


def D(value: str | int | Decimal) -> Decimal:
    """Build a Decimal amount from a str, int or Decimal; floats are refused.

    Args:
        value: the amount; a str such as "125.50", an int (whole dollars) or a Decimal.

    Returns:
        The amount quantized to cents.
    """
    if isinstance(value, float):  # pragma: no cover - guarded by type, kept for safety
        raise TypeError("money is never built from a float")
    if isinstance(value, bool):
        raise TypeError("money is never built from a bool")
    try:
        dec = value if isinstance(value, Decimal) else Decimal(value)
    except InvalidOperation:
        raise AmountError(f"not an amount: {value!r}") from None
    if not dec.is_finite():
        raise AmountError(f"not an amount: {value!r}")
    if dec != dec.quantize(CENT):
        raise AmountError(f"more than two decimals: {value!r}")
    return dec.quantize(CENT)


def parse_amount(text: str, *, allow_zero: bool = True) -> Decimal:
    """Parse an amount typed by a user: ``125``, ``125.5``, ``125.50``, ``$1,250.00``.

    Negatives, exponents, NaN, ``-0`` and more than two decimals are refused.

    Args:
        text: what the user typed.
        allow_zero: whether 0.00 is acceptable.

    Returns:
        The Decimal amount, two decimals.
    """
    s = text.strip()
    if not _AMOUNT_RE.match(s):
        raise AmountError(
            f"'{text}' is not an amount; use a form like 125, 125.50 or $1,250.00"
        )
    dec = Decimal(s.replace("$", "").replace(",", "")).quantize(CENT)
    if not allow_zero and dec == ZERO:
        raise AmountError("the amount must be more than 0.00")
    return dec


def amount_cents(value: str | Decimal, what: str = "Amount", *, allow_zero: bool = True) -> int:
    """A typed amount (or a Decimal already parsed) as integer cents, for a named field.

    Args:
        value: what the user typed, or a Decimal.
        what: the field's name, which starts the message of a refused amount ("Copay: ...").
        allow_zero: whether 0.00 is acceptable.

    Returns:
        The amount in cents.

    Raises:
        InputError: the amount is not acceptable (exit 3 at the command line).
    """
    from medbill_cli.errors import InputError

    try:
        dec = value if isinstance(value, Decimal) else parse_amount(value, allow_zero=allow_zero)
        cents = to_cents(dec)
    except AmountError as exc:
        raise InputError(f"{what}: {exc}") from None
    if not allow_zero and cents <= 0:
        raise InputError(f"{what}: the amount must be more than 0.00")
    return cents


def to_cents(amount: Decimal) -> int:
    """Decimal dollars to integer cents; refuses fractions of a cent."""
    if not amount.is_finite():
        raise AmountError(f"not an amount: {amount}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise AmountError(f"fraction of a cent: {amount}")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents to Decimal dollars with two decimals."""
    return (Decimal(int(cents)) / 100).quantize(CENT)


def fmt(cents: int | None) -> str:
    """Cents as the string used in JSON and CSV output: ``"125.00"``; None as ``""``."""
    if cents is None:
        return ""
    return f"{from_cents(cents):.2f}"
