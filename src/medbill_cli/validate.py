"""Field rules for registration and everything that ends up in an 837P.

Each check returns the cleaned value or raises InputError with a one-line reason and a fix.
Messages name the field, never a patient's data beyond what the user just typed.
"""

from __future__ import annotations

import datetime as dt
import re

from medbill_cli.dates import age_on, today
from medbill_cli.errors import InputError
from medbill_cli.inputs import X12_DELIMITERS, ascii_digits, clean_text

# 50 states, DC, territories (AS, GU, MP, PR, VI, UM) and military (AA, AE, AP), as X12 N402 allows.
US_STATES = frozenset(
    """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM FM MH PW
    AA AE AP""".split()
)
SEXES = frozenset({"M", "F", "U"})
_DELIMS = X12_DELIMITERS
_ICD10_RE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$", re.ASCII)
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")


def npi_check_digit_ok(npi: str) -> bool:
    """Luhn over the NPI with the 80840 card-issuer prefix (CMS NPI check digit rule)."""
    if not re.fullmatch(r"[0-9]{10}", npi):
        return False
    digits = "80840" + npi[:9]
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # rightmost digit of the payload is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


def _digits(value: str, field: str, max_len: int = 40) -> str:
    """A value made of digits (and separators): digits in any script read as ASCII, clean text.

    Refusals echo what was typed only when it is short, printable text.
    """
    return ascii_digits(clean_text(value, field=field, max_len=max_len)).strip()


def _shown(value: str) -> str:
    return value if len(value) <= 20 and value.isprintable() else "the value"


def npi(value: str, *, field: str = "NPI") -> str:
    v = _digits(value, field)
    if not re.fullmatch(r"[0-9]{10}", v):
        raise InputError(f"{field} '{_shown(v)}' must be 10 digits", "Check the NPI on NPPES")
    if not npi_check_digit_ok(v):
        raise InputError(
            f"{field} '{v}' fails the NPI check digit", "Check the NPI on NPPES for a typo"
        )
    return v


def ein(value: str) -> str:
    v = _digits(value, "EIN").replace("-", "")
    if not re.fullmatch(r"[0-9]{9}", v) or v == "000000000":
        raise InputError(f"EIN '{_shown(value)}' must be 9 digits", "Use the form 12-3456789")
    return v


def state(value: str) -> str:
    v = clean_text(value, field="State", max_len=40).strip().upper()
    if v not in US_STATES:
        raise InputError(f"State '{_shown(v)}' is not a US state or territory code",
                         "Use a two-letter code such as NY")
    return v


def zip_code(value: str, *, require_plus4: bool = False) -> str:
    v = _digits(value, "ZIP").replace("-", "")
    if not re.fullmatch(r"[0-9]{5}([0-9]{4})?", v):
        raise InputError(f"ZIP '{_shown(value)}' must be 5 or 9 digits", "Use 12345 or 12345-6789")
    if require_plus4 and len(v) != 9:
        raise InputError(
            f"ZIP '{v}' needs its +4 for the billing provider", "Use the ZIP+4, e.g. 12345-6789"
        )
    return v


def phone(value: str) -> str:
    v = re.sub(r"[ ().\-+]", "", _digits(value, "Phone"))
    if len(v) == 11 and v.startswith("1"):
        v = v[1:]
    if not re.fullmatch(r"[2-9][0-9]{2}[2-9][0-9]{6}", v):
        raise InputError(f"Phone '{_shown(value)}' is not a 10-digit US number",
                         "Use a form like 555-201-3344")
    return v


def email(value: str) -> str:
    v = clean_text(value, field="Email", max_len=254).strip()
    if not _EMAIL_RE.match(v) or ".." in v:
        raise InputError("Email is not a valid address", "Use a form like name@example.com")
    return v


def sex(value: str) -> str:
    v = value.strip().upper()
    if v not in SEXES:
        raise InputError(f"Sex '{_shown(value)}' must be M, F or U", "Use M, F or U")
    return v


def text(value: str, *, field: str, max_len: int = 60, required: bool = True) -> str:
    """Free text bound for an X12 element: NFC; no delimiters, control, format (bidi) or
    separator characters; the refusal names the field and the code point, not the value."""
    v = value.strip()
    if required and not v:
        raise InputError(f"{field} must not be empty", f"Give a {field.lower()}")
    return clean_text(v, field=field, max_len=max_len, x12=True)


def reason(value: str | None, *, needed_for: str, max_len: int = 500) -> str:
    """Why a record was voided, reversed, closed or reopened: required, one line, bounded.

    Reasons stay in the database and the audit trail and never go into X12, so the X12
    delimiters that ``text`` refuses (a colon, say) are allowed.
    """
    r = (value or "").strip()
    if not r:
        raise InputError(f"{needed_for} needs a reason", "Give --reason TEXT")
    return clean_text(r, field="The reason", max_len=max_len)


def note(value: str, *, field: str = "Note", max_len: int = 2000) -> str:
    """A free-text note kept in the database only (never in X12): it may span lines (LF)."""
    v = value.strip()
    if not v:
        raise InputError(f"{field} must not be empty", f"Give a {field.lower()}")
    return clean_text(v, field=field, max_len=max_len, multiline=True)


def name(value: str, *, field: str, max_len: int = 60) -> str:
    v = text(value, field=field, max_len=max_len)
    if not re.search(r"[A-Za-z]", v):
        raise InputError(f"{field} has no letters", "Check the name")
    return v


def dob(value: dt.date, *, field: str = "Date of birth") -> dt.date:
    now = today()
    if value > now:
        raise InputError(f"{field} {value.isoformat()} is in the future", "Check the year")
    if age_on(value, now) > 130:
        raise InputError(f"{field} {value.isoformat()} gives an age over 130", "Check the year")
    return value


def icd10_format(value: str) -> str:
    """Shape of an ICD-10-CM code (letter, digit, alphanumeric, up to 4 more); dot optional.

    Returns the code with its dot, e.g. ``E119`` -> ``E11.9``.
    """
    v = value.strip().upper()
    if not _ICD10_RE.match(v):
        raise InputError(f"'{_shown(v)}' is not an ICD-10-CM code", "Use a form like E11.9")
    bare = v.replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def taxonomy(value: str) -> str:
    v = value.strip().upper()
    if not re.fullmatch(r"[0-9]{3}[0-9A-Z]{6}X", v):
        raise InputError(f"Taxonomy '{_shown(v)}' is not a provider taxonomy code",
                         "Use a form like 207Q00000X")
    return v


def pos(value: str) -> str:
    v = _digits(value, "Place of service")
    if not re.fullmatch(r"[0-9]{1,2}", v):
        raise InputError(f"Place of service '{_shown(v)}' must be a two-digit code",
                         "Use a code such as 11")
    return v.zfill(2)
