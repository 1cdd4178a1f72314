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
# The most one line (a fee, a payment, a copay) may be: 9,999,999.99. Typed amounts above it are
# refused; it also keeps every sum of lines far inside the 64-bit cents the database holds.
MAX_AMOUNT = Decimal("9999999.99")
MAX_CENTS = 2**63 - 1

_AMOUNT_RE = re.compile(r"^\$?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?$")


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
        if not dec.is_finite():
            raise AmountError(f"not an amount: {value!r}")
        cents = dec.quantize(CENT)
    except InvalidOperation:  # not a number, or too many digits to hold in cents
        raise AmountError(f"not an amount: {str(value)[:40]!r}") from None
    if dec != cents:
        raise AmountError(f"more than two decimals: {value!r}")
    return cents


def parse_amount(text: str, *, allow_zero: bool = True) -> Decimal:
    """Parse an amount typed by a user: ``125``, ``125.5``, ``125.50``, ``$1,250.00``.

    Negatives, exponents, NaN, ``-0``, more than two decimals and amounts beyond 64-bit cents
    are refused (``amount_cents`` holds one line to ``MAX_AMOUNT``). Digits in another script
    (full-width, Arabic-Indic) are read as ASCII digits.

    Args:
        text: what the user typed.
        allow_zero: whether 0.00 is acceptable.

    Returns:
        The Decimal amount, two decimals.
    """
    from medbill_cli.inputs import ascii_digits

    s = ascii_digits(text.strip())
    if not _AMOUNT_RE.match(s):
        shown = s if len(s) <= 40 and s.isprintable() else "the value"
        raise AmountError(
            f"'{shown}' is not an amount; use a form like 125, 125.50 or $1,250.00"
        )
    plain = s.replace("$", "").replace(",", "")
    if len(plain.split(".")[0].lstrip("0")) > 17:  # beyond 64-bit cents (and Decimal's 28 digits)
        raise AmountError("too large an amount; check it")
    dec = Decimal(plain).quantize(CENT)
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
        if dec > MAX_AMOUNT:
            raise AmountError(f"more than {MAX_AMOUNT:,} for one line; check the amount")
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
    if abs(cents) > MAX_CENTS:
        raise AmountError("too large to hold in cents")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents to Decimal dollars with two decimals."""
    return (Decimal(int(cents)) / 100).quantize(CENT)


def fmt(cents: int | None) -> str:
    """Cents as the string used in JSON and CSV output: ``"125.00"``; None as ``""``."""
    if cents is None:
        return ""
    return f"{from_cents(cents):.2f}"
