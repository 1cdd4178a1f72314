"""CSV cells that a spreadsheet shows instead of running: every CSV medbill writes uses this."""

from __future__ import annotations

import re

# A spreadsheet reads a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
# ...but a plain number ("-80.00", "+5") is data, and stays a number.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)


def csv_safe(text: str) -> str:
    """A CSV cell that a spreadsheet will show, not run: a leading ``'`` before a formula."""
    if text.startswith(_FORMULA_LEAD) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
