"""Reading any X12 interchange into segments: the delimiters its ISA declares, then split.

One tokenizer for every reader (835, 271): each passes its own error type, so a bad file is
refused in that reader's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Delimiters:
    element: str
    component: str
    segment: str
    repetition: str | None


def decode(data: bytes | str) -> str:
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        text = data
    return text.lstrip("\ufeff \t\r\n")


def delimiters(text: str, error: Callable[[str], Exception]) -> Delimiters:
    """Read the delimiters from the ISA segment at the start of ``text``; ``error`` builds the
    reader's own exception from a one-line message."""
    if not text.startswith("ISA") or len(text) < 106:
        raise error("Not an X12 interchange: the file does not start with an ISA segment")
    elem = text[3]
    if elem.isalnum() or elem.isspace():
        raise error(f"Not an X12 interchange: {elem!r} cannot be the element separator")
    # ISA has 16 elements; ISA16 (one character, the component separator) follows the 16th
    # separator and the segment terminator follows it. Counting separators copes with
    # files whose fixed-width ISA fields were padded wrongly.
    pos = 3  # the first separator
    for _ in range(15):
        pos = text.find(elem, pos + 1)
        if pos < 0:
            raise error("The ISA segment is cut short: fewer than 16 elements")
    if pos + 2 >= len(text):
        raise error("The ISA segment is cut short")
    component = text[pos + 1]
    terminator = text[pos + 2]
    isa = text[: pos + 1].split(elem)
    rep = isa[11] if len(isa) > 11 else ""
    repetition = (rep if len(rep) == 1 and not rep.isalnum() and rep not in (elem, component)
                  else None)
    if terminator.isalnum():
        raise error(f"Cannot read the segment terminator after ISA16 ({terminator!r})")
    return Delimiters(elem, component, terminator, repetition)


def segments(text: str, d: Delimiters) -> list[list[str]]:
    """The segments as lists of elements; line breaks around segments dropped."""
    out: list[list[str]] = []
    for raw in text.split(d.segment):
        s = raw.strip("\r\n").lstrip()
        if not s.strip():
            continue
        out.append(s.split(d.element))
    return out
