"""One place for each kind of input: ids, digits, text, search queries, files and paths.

Every command option passes through here (``cli/app.py`` wraps each option's type), and so
does every CSV cell (``services/csvfile.py``); amounts are ``money.py``'s. A refusal is an
``InputError`` (exit 3) or, where the input is the environment (a missing folder, a FIFO, an
unknown database URL), an ``EnvironmentProblem`` (exit 4). Messages name the field and, for
text, the offending character's code point - never the value, which may be patient data.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import unicodedata
from pathlib import Path

from medbill_cli.errors import EnvironmentProblem, InputError

# A database id is a signed 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT).
MAX_ID = 2**63 - 1
MIN_ID = -(2**63)
# Generous caps for text that reaches no X12 element (notes, reasons); X12 fields have their
# own limits in ``validate.py``.
MAX_TEXT = 4000
MAX_SEARCH = 200
# Per kind of input file: the most medbill reads before refusing it.
MB = 1024 * 1024
FILE_LIMITS: dict[str, int] = {"835": 200 * MB, "277CA": 200 * MB, "999": 200 * MB,
                               "csv": 100 * MB, "codes": 500 * MB}
# Unicode categories refused in text: controls, format characters (bidi overrides, zero-width
# joiners), line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# X12 delimiters used by medbill's 837P (~ * : ^) plus the common alternates (| > {).
X12_DELIMITERS = frozenset("~*:^|>{")
ISA_LENGTH = 106
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def ascii_digits(value: str) -> str:
    """Unicode decimal digits (full-width, Arabic-Indic, ...) as ASCII 0-9; all else kept.

    Args:
        value: what the user typed.

    Returns:
        The text with every digit in ASCII, so that it is validated and stored as 0-9.
    """
    if value.isascii():
        return value
    out = []
    for ch in unicodedata.normalize("NFKC", value):
        d = unicodedata.decimal(ch, None)
        out.append(str(d) if d is not None else ch)
    return "".join(out)


def record_id(value: str | int, *, field: str = "id") -> int:
    """A database id or another whole number typed by a user, within signed 64 bits.

    Args:
        value: the text typed (digits in any script are read as ASCII) or an int.
        field: names the option or column in the message.

    Returns:
        The integer.
    """
    if isinstance(value, bool):
        raise InputError(f"{field} must be a whole number")
    if isinstance(value, int):
        n = value
    else:
        s = ascii_digits(value.strip())
        body = s[1:] if s[:1] in "+-" else s
        if not body or not body.isascii() or not body.isdigit():
            raise InputError(f"{field} must be a whole number", "Use digits 0-9")
        if len(body.lstrip("0")) > 19:  # int() of a thousand digits is slow, and out of range
            raise InputError(f"{field} is out of range", f"Use a number up to {MAX_ID}")
        n = int(s)
    if not MIN_ID <= n <= MAX_ID:
        raise InputError(f"{field} is out of range", f"Use a number up to {MAX_ID}")
    return n


# A patient control number (CLM01) as medbill makes it: C and at least eight digits, with a
# short suffix room for per-payer submissions.
_PCN = re.compile(r"C[0-9]{8,}[A-Z0-9-]{0,6}")


def claim_ref(value: str | int, *, field: str = "Claim id") -> int | str:
    """A claim as typed: its id (a whole number, as ``record_id`` reads it) or its patient
    control number (upper-cased). Every command that takes claims reads them through here.

    Raises:
        InputError: neither digits nor a patient control number (the value is not echoed).
    """
    if isinstance(value, int):
        return record_id(value, field=field)
    text = ascii_digits(value.strip())
    body = text[1:] if text[:1] in "+-" else text
    if body and body.isascii() and body.isdigit():
        return record_id(text, field=field)
    pcn = text.upper()
    if pcn.isascii() and _PCN.fullmatch(pcn):
        return pcn
    raise InputError(f"{field} must be a claim id (digits) or a patient control number",
                     "For example 12 or C00000012; see medbill claim list")


def _code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def clean_text(value: str, *, field: str, max_len: int = MAX_TEXT,
               multiline: bool = False, x12: bool = False) -> str:
    """Text as medbill stores it: NFC, no control, format or separator characters.

    Args:
        value: the text.
        field: names the option or column in the message.
        max_len: the most characters accepted.
        multiline: whether line feeds are kept (a note); CRLF becomes LF.
        x12: whether the text can reach an X12 file, which refuses its delimiters too.

    Returns:
        The NFC-normalized text (not stripped: callers decide about spaces).
    """
    v = value if value.isascii() else unicodedata.normalize("NFC", value)
    if multiline:
        v = v.replace("\r\n", "\n")
    if v.isascii() and not x12 and len(v) <= max_len:
        m = _ASCII_CONTROL.search(v.replace("\n", "") if multiline else v)
        if m is None:
            return v  # the common case, without a loop over every character
    for ch in v:
        if ch == "\n" and multiline:
            continue
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise InputError(
                f"{field} contains the invisible or control character {_code_point(ch)}",
                "Retype the value without it",
            )
        if x12 and ch in X12_DELIMITERS:
            raise InputError(
                f"{field} contains '{ch}' ({_code_point(ch)}), which X12 uses as a delimiter",
                "Remove the character",
            )
    if len(v) > max_len:
        raise InputError(f"{field} is longer than {max_len} characters", "Shorten it")
    return v


def clean_rows(rows: list[dict[str, object]], *, source: str, max_len: int = 10_000) -> None:
    """Check the text of a parsed reference file (a code set) in place: NFC, no control or
    invisible characters (a NUL byte in a description), and at least one row.

    Args:
        rows: the parsed rows; str values are replaced by their clean form.
        source: the file's name, for the message.
        max_len: the most characters in one value.
    """
    if not rows:
        raise InputError(f"{source} has no rows", "Nothing was imported; check the file")
    for i, row in enumerate(rows, start=1):
        for key, value in row.items():
            if isinstance(value, str):
                try:
                    row[key] = clean_text(value, field=f"{source} row {i} {key}", max_len=max_len)
                except InputError as exc:
                    raise InputError(exc.message, "Nothing was imported; fix the file") from None


def search_query(value: str, *, field: str = "The search text",
                 max_len: int = MAX_SEARCH) -> str:
    """A search query: clean text of bounded length (a long pattern only burns the database)."""
    return clean_text(value, field=field, max_len=max_len)


# ----------------------------------------------------------------------------- files in


def _limit_text(n: int) -> str:
    return f"{n // MB} MB" if n >= MB else f"{n} bytes"


def input_file(path: Path | str, *, kind: str | None = None, allow_dir: bool = False) -> Path:
    """Check a file to read: it exists and is a regular file (a FIFO or a device would hang
    or never end), within the size limit of its kind.

    Args:
        path: the file ('-' is stdin and is checked when read).
        kind: a key of ``FILE_LIMITS``, or None for no size limit.
        allow_dir: whether a folder is acceptable (a code set shipped as a folder).

    Returns:
        The path.
    """
    p = Path(path)
    if str(path) == "-":
        return p
    try:
        st = p.stat()
    except FileNotFoundError:
        raise EnvironmentProblem(f"Cannot read {p}: no such file", "Check the path") from None
    except OSError as exc:
        raise EnvironmentProblem(f"Cannot read {p}: {exc.strerror or 'unreadable'}",
                                 "Check the path") from None
    if stat.S_ISDIR(st.st_mode):
        if allow_dir:
            return p
        raise EnvironmentProblem(f"Cannot read {p}: it is a folder", "Give a file")
    if not stat.S_ISREG(st.st_mode):
        raise EnvironmentProblem(f"Cannot read {p}: not a regular file (a device, FIFO or socket)",
                                 "Give a regular file")
    limit = FILE_LIMITS.get(kind or "")
    if limit is not None and st.st_size > limit:
        raise InputError(f"{p.name} is larger than the {_limit_text(limit)} limit for a "
                         f"{kind} file", "Split it, or check that it is the right file")
    if not os.access(p, os.R_OK):
        raise EnvironmentProblem(f"Cannot read {p}: permission denied", "Check the file's mode")
    return p


def read_input(path: Path | str, *, kind: str) -> bytes:
    """Read an input file (or stdin for '-') of a kind, refusing more than its limit.

    Args:
        path: the file or '-'.
        kind: a key of ``FILE_LIMITS``.

    Returns:
        The bytes.
    """
    limit = FILE_LIMITS[kind]
    if str(path) == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        p = input_file(path, kind=kind)
        with p.open("rb") as fh:
            data = fh.read(limit + 1)  # the file may have grown since stat
    if len(data) > limit:
        raise InputError(f"The {kind} file is larger than the {_limit_text(limit)} limit",
                         "Split it, or check that it is the right file")
    if kind in ("835", "277CA", "999"):
        check_isa(data)
    return data


def check_isa(data: bytes) -> None:
    """Refuse an interchange whose ISA segment is not the fixed 106 characters X12 requires.

    ISA's sixteen elements have fixed widths (ISA06 is always 15 characters, ISA13 always 9),
    so the component separator is always character 105 and the segment terminator 106. A file
    whose ISA is longer or shorter was padded wrongly by its sender, and its other fixed-width
    fields (control numbers, dates) cannot be trusted either.
    """
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    text = text.lstrip(b" \t\r\n")
    if not text.startswith(b"ISA") or len(text) < 4:
        return  # not an interchange at all: the parser says so
    sep = text[3:4]
    pos = 3
    for _ in range(15):
        pos = text.find(sep, pos + 1)
        if pos < 0:
            return  # cut short: the parser says so
    length = pos + 3  # ISA16, then the segment terminator
    if length != ISA_LENGTH:
        raise InputError(
            f"The ISA segment is {length} characters; X12 fixes it at {ISA_LENGTH}",
            "Nothing was posted; ask the sender for a file with a standard ISA",
        )


# ----------------------------------------------------------------------------- files out


def output_file(path: Path | str) -> Path:
    """Check, before anything is recorded, that ``path`` can be written: not a folder, its
    folder exists and is writable, an existing file is writable. '-' (stdout) passes.

    Args:
        path: where the command will write.

    Returns:
        The path.
    """
    p = Path(path)
    if str(path) == "-":
        return p
    if p.is_dir():
        raise EnvironmentProblem(f"Cannot write {p}: it is a folder", "Give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise EnvironmentProblem(f"Cannot write {p}: the folder {parent} does not exist",
                                 "Create it first")
    if p.exists():
        if not p.is_file():
            raise EnvironmentProblem(f"Cannot write {p}: not a regular file", "Give a file name")
        if not os.access(p, os.W_OK):
            raise EnvironmentProblem(f"Cannot write {p}: permission denied",
                                     "Check the file's mode")
    elif not os.access(parent, os.W_OK | os.X_OK):
        raise EnvironmentProblem(f"Cannot write in {parent}: permission denied",
                                 "Choose another folder")
    return p


# ----------------------------------------------------------------------------- databases


KNOWN_SCHEMES = ("sqlite", "postgresql", "postgres")


def db_target(target: str) -> str:
    """Check ``--db`` / ``MEDBILL_DB`` before it is opened: a path, or a URL medbill supports.

    Args:
        target: what the user gave.

    Returns:
        The target, unchanged.
    """
    t = clean_text(target, field="--db", max_len=4096)
    if not t.strip():
        raise EnvironmentProblem("--db is empty", "Give an SQLite file or a database URL")
    if "://" in t:
        scheme = t.split("://", 1)[0].split("+", 1)[0].lower()
        if scheme not in KNOWN_SCHEMES:
            raise EnvironmentProblem(
                f"--db: unknown database scheme '{scheme[:20]}'",
                "Use an SQLite file path or postgresql://user@host/dbname",
            )
        return t
    p = Path(t).expanduser()
    if p.exists():
        if p.is_dir():
            raise EnvironmentProblem(f"--db {p} is a folder", "Give the database file")
        if not p.is_file():
            raise EnvironmentProblem(f"--db {p} is not a regular file", "Give the database file")
        if p.stat().st_size > 0:
            with p.open("rb") as fh:
                head = fh.read(16)
            if head != b"SQLite format 3\x00":
                raise EnvironmentProblem(f"{p} is not an SQLite database",
                                         "Check --db or MEDBILL_DB")
    return t
