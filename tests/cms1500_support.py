"""Reading a printed CMS-1500 back: pdfplumber's characters mapped onto the form's grid.

The geometry is OpenEMR's (standards/WAVE2.md (a)), written here on its own so that the test
does not trust the code it checks: column c starts 20 + (c - 1) * 7.2 pt from the left, line r's
band is 24 + (r - 1) * 12 .. 24 + r * 12 pt from the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LEFT, TOP, PITCH, LEADING = 20.0, 24.0, 7.2, 12.0


@dataclass
class Sheet:
    """One printed page: the Courier characters by (line, column)."""

    chars: dict[tuple[int, int], str]
    rects: int
    lines: int

    def field(self, line: int, column: int, width: int) -> str:
        """The text from ``column`` for ``width`` columns on ``line``, inner spaces kept."""
        text = "".join(self.chars.get((line, c), " ") for c in range(column, column + width))
        return text.strip()

    def line_text(self, line: int) -> str:
        return self.field(line, 1, 80)


def read_pdf(path: Path, offset_x: float = 0.0, offset_y: float = 0.0) -> list[Sheet]:
    import pdfplumber

    sheets = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars: dict[tuple[int, int], str] = {}
            for ch in page.chars:
                if "Courier" not in ch["fontname"] or not ch["text"].strip():
                    continue
                col_f = (ch["x0"] - LEFT - offset_x) / PITCH + 1
                col = round(col_f)
                assert abs(col_f - col) < 0.05, f"{ch['text']!r} is off the column grid: {col_f}"
                mid = (ch["top"] + ch["bottom"]) / 2
                line = int((mid - TOP - offset_y) // LEADING) + 1
                assert (line, col) not in chars, f"two characters at line {line} column {col}"
                chars[(line, col)] = ch["text"]
            sheets.append(Sheet(chars, len(page.rects), len(page.lines)))
    return sheets


def courier_positions(path: Path) -> list[list[tuple[str, float, float]]]:
    """Every Courier character with its x0 and top, page by page."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [[(c["text"], c["x0"], c["top"]) for c in page.chars if "Courier" in c["fontname"]]
                for page in pdf.pages]
