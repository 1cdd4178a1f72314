"""CMS-1500 grids as a PDF: the data alone for the red-ink form stock, or with the form drawn.

Why fpdf2: it is pure Python (no C library to install beside medbill), its origin is the top
left in points (``unit="pt"``), like the grid's lines counted from the top, and its built-in
Courier is the form's 10-pitch type: Courier 12 pt is 7.2 pt (0.1 in) a character, and 12 pt
leading is 6 lines an inch, so a grid column and line are fixed distances on the page. The
form mode draws the boxes and labels with lines and small text (no scanned image to ship).

fpdf2 is imported inside ``write_pdf``: only ``claim print`` pays for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from medbill_cli.forms.cms1500 import GRID_COLUMNS, FormPage

if TYPE_CHECKING:
    from fpdf import FPDF

PAGE_WIDTH = 612.0  # US Letter, points
PAGE_HEIGHT = 792.0
LEFT = 20.0  # where column 1 starts (OpenEMR's default left margin)
TOP = 24.0  # where line 1's band starts (OpenEMR's default top margin)
PITCH = 7.2  # points a column: Courier 12 pt, 10 characters an inch
LEADING = 12.0  # points a line: 6 lines an inch
DESCENT = 3.0  # the baseline sits this far above the bottom of its line's band
FONT_SIZE = 12.0
FORM_RED = (200, 40, 50)
SHADE = (252, 228, 230)


class FormMode(StrEnum):
    data = "data"  # the data alone, for the preprinted OCR form
    full = "full"  # the form's boxes and labels too, for proofs and archives


# The form's boxes in grid units: (label, first line, first column, last line, last column).
BOXES: tuple[tuple[str, int, int, int, int], ...] = (
    ("1. MEDICARE   MEDICAID   TRICARE   CHAMPVA   GROUP HEALTH PLAN   FECA BLK LUNG   OTHER",
     7, 1, 8, 49),
    ("1a. INSURED'S I.D. NUMBER (For Program in Item 1)", 7, 50, 8, 80),
    ("2. PATIENT'S NAME (Last Name, First Name, Middle Initial)", 9, 1, 10, 30),
    ("3. PATIENT'S BIRTH DATE   MM DD YY   SEX M F", 9, 31, 10, 49),
    ("4. INSURED'S NAME (Last Name, First Name, Middle Initial)", 9, 50, 10, 80),
    ("5. PATIENT'S ADDRESS (No., Street)", 11, 1, 12, 30),
    ("6. PATIENT RELATIONSHIP TO INSURED: Self Spouse Child Other", 11, 31, 12, 49),
    ("7. INSURED'S ADDRESS (No., Street)", 11, 50, 12, 80),
    ("CITY", 13, 1, 14, 25), ("STATE", 13, 26, 14, 30),
    ("8. RESERVED FOR NUCC USE", 13, 31, 16, 49),
    ("CITY", 13, 50, 14, 73), ("STATE", 13, 74, 14, 80),
    ("ZIP CODE", 15, 1, 16, 14), ("TELEPHONE (Include Area Code)", 15, 15, 16, 30),
    ("ZIP CODE", 15, 50, 16, 64), ("TELEPHONE (Include Area Code)", 15, 65, 16, 80),
    ("9. OTHER INSURED'S NAME (Last Name, First Name, Middle Initial)", 17, 1, 18, 30),
    ("10. IS PATIENT'S CONDITION RELATED TO:", 17, 31, 18, 49),
    ("11. INSURED'S POLICY GROUP OR FECA NUMBER", 17, 50, 18, 80),
    ("a. OTHER INSURED'S POLICY OR GROUP NUMBER", 19, 1, 20, 30),
    ("a. EMPLOYMENT? (Current or Previous)   YES   NO", 19, 31, 20, 49),
    ("a. INSURED'S DATE OF BIRTH   MM DD YY   SEX M F", 19, 50, 20, 80),
    ("b. RESERVED FOR NUCC USE", 21, 1, 22, 30),
    ("b. AUTO ACCIDENT?   YES   NO   PLACE (State)", 21, 31, 22, 49),
    ("b. OTHER CLAIM ID (Designated by NUCC)", 21, 50, 22, 80),
    ("c. RESERVED FOR NUCC USE", 23, 1, 24, 30),
    ("c. OTHER ACCIDENT?   YES   NO", 23, 31, 24, 49),
    ("c. INSURANCE PLAN NAME OR PROGRAM NAME", 23, 50, 24, 80),
    ("d. INSURANCE PLAN NAME OR PROGRAM NAME", 25, 1, 26, 30),
    ("10d. CLAIM CODES (Designated by NUCC)", 25, 31, 26, 49),
    ("d. IS THERE ANOTHER HEALTH BENEFIT PLAN?   YES   NO", 25, 50, 26, 80),
    ("12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE   SIGNED   DATE", 27, 1, 29, 49),
    ("13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE   SIGNED", 27, 50, 29, 80),
    ("14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)   QUAL.", 30, 1, 32, 29),
    ("15. OTHER DATE   QUAL.", 30, 30, 32, 49),
    ("16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION   FROM   TO", 30, 50, 32, 80),
    ("17. NAME OF REFERRING PROVIDER OR OTHER SOURCE", 33, 1, 34, 29),
    ("17a.", 33, 30, 33, 49), ("17b. NPI", 34, 30, 34, 49),
    ("18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES   FROM   TO", 33, 50, 34, 80),
    ("19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)", 35, 1, 36, 49),
    ("20. OUTSIDE LAB?   YES   NO   $ CHARGES", 35, 50, 36, 80),
    ("21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY  Relate A-L to service line below (24E)"
     "   ICD Ind.", 37, 1, 40, 49),
    ("22. RESUBMISSION CODE   ORIGINAL REF. NO.", 37, 50, 38, 80),
    ("23. PRIOR AUTHORIZATION NUMBER", 39, 50, 40, 80),
    ("25. FEDERAL TAX I.D. NUMBER   SSN EIN", 55, 1, 56, 22),
    ("26. PATIENT'S ACCOUNT NO.", 55, 23, 56, 37),
    ("27. ACCEPT ASSIGNMENT?   YES   NO", 55, 38, 56, 51),
    ("28. TOTAL CHARGE", 55, 52, 56, 61),
    ("29. AMOUNT PAID", 55, 62, 56, 70),
    ("30. Rsvd for NUCC Use", 55, 71, 56, 80),
    ("31. SIGNATURE OF PHYSICIAN OR SUPPLIER INCLUDING DEGREES OR CREDENTIALS", 57, 1, 61, 22),
    ("32. SERVICE FACILITY LOCATION INFORMATION", 57, 23, 61, 49),
    ("33. BILLING PROVIDER INFO & PH #", 57, 50, 61, 80),
    ("32a. NPI", 61, 23, 61, 35), ("b.", 61, 36, 61, 49),
    ("33a. NPI", 61, 50, 61, 62), ("b.", 61, 63, 61, 80),
)
# Box 24's columns: (label, first column); each runs to the next one's start.
SERVICE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("24. A. DATE(S) OF SERVICE  From  To", 1), ("B. POS", 19), ("C. EMG", 22),
    ("D. PROCEDURES, SERVICES, OR SUPPLIES  CPT/HCPCS  MODIFIER", 25),
    ("E. DIAGNOSIS POINTER", 45), ("F. $ CHARGES", 50), ("G. DAYS OR UNITS", 59),
    ("H. EPSDT", 63), ("I. ID. QUAL.", 65), ("J. RENDERING PROVIDER ID. #", 68),
)
SERVICE_FIRST_LINE, SERVICE_LAST_LINE = 41, 54  # header (41-42) and six two-line rows


def column_x(column: int, offset_x: float = 0.0) -> float:  # ok-float: points
    """The left edge of a grid column, in points from the page's left."""
    return LEFT + offset_x + (column - 1) * PITCH


def line_top(line: int, offset_y: float = 0.0) -> float:  # ok-float: points
    """The top of a grid line's band, in points from the page's top."""
    return TOP + offset_y + (line - 1) * LEADING


def _page_lines(page: FormPage) -> dict[int, str]:
    """The page as text lines: Courier is fixed-pitch, so one string a line places every cell."""
    rows: dict[int, list[str]] = {}
    for cell in page.cells:
        row = rows.setdefault(cell.line, [" "] * (GRID_COLUMNS + 1))
        start = cell.column - 1
        end = min(start + len(cell.text), GRID_COLUMNS + 1)
        row[start:end] = cell.text[: end - start]
    return {n: "".join(chars).rstrip() for n, chars in rows.items()}


class _FormDrawer:
    """Draws the form itself: red boxes, shaded service rows, small labels."""

    def __init__(self, pdf: FPDF, offset_x: float, offset_y: float) -> None:  # ok-float: points
        self.pdf = pdf
        self.dx = offset_x
        self.dy = offset_y
        self._labels: dict[tuple[str, float], str] = {}

    def _label(self, text: str, width: float) -> str:  # ok-float: points
        key = (text, width)
        if key not in self._labels:
            cut = text
            while cut and self.pdf.get_string_width(cut) > width - 2:
                cut = cut[:-1]
            self._labels[key] = cut
        return self._labels[key]

    def _box(self, label: str, line1: int, col1: int, line2: int, col2: int) -> None:
        x, y = column_x(col1, self.dx), line_top(line1, self.dy)
        w = (col2 - col1 + 1) * PITCH
        h = (line2 - line1 + 1) * LEADING
        self.pdf.rect(x, y, w, h)
        self.pdf.text(x + 1.0, y + 4.5, self._label(label, w))

    def draw(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*FORM_RED)
        pdf.set_text_color(*FORM_RED)
        pdf.set_line_width(0.5)
        pdf.set_fill_color(*SHADE)
        for n in range(1, 7):  # the shaded (supplemental) half of each service line
            pdf.rect(column_x(1, self.dx), line_top(41 + 2 * n, self.dy),
                     GRID_COLUMNS * PITCH, LEADING, style="F")
        pdf.set_font("Helvetica", "B", 11)
        pdf.text(column_x(1, self.dx), line_top(6, self.dy) + 9.0, "HEALTH INSURANCE CLAIM FORM")
        pdf.set_font("Helvetica", "", 4.5)
        pdf.text(column_x(1, self.dx), line_top(5, self.dy) + 9.0,
                 "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12")
        pdf.text(column_x(41, self.dx), line_top(1, self.dy) + 4.5, "CARRIER")
        for box in BOXES:
            self._box(*box)
        self._service_grid()
        pdf.text(column_x(1, self.dx), line_top(62, self.dy) + 6.0,
                 "NUCC Instruction Manual available at: www.nucc.org")
        pdf.text(column_x(52, self.dx), line_top(62, self.dy) + 6.0,
                 "APPROVED OMB-0938-1197 FORM 1500 (02-12)")
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)

    def _service_grid(self) -> None:
        pdf = self.pdf
        top = line_top(SERVICE_FIRST_LINE, self.dy)
        bottom = line_top(SERVICE_LAST_LINE + 1, self.dy)
        left, right = column_x(1, self.dx), column_x(GRID_COLUMNS + 1, self.dx)
        pdf.rect(left, top, right - left, bottom - top)
        for line in range(SERVICE_FIRST_LINE + 2, SERVICE_LAST_LINE + 1, 2):
            y = line_top(line, self.dy)
            pdf.line(left, y, right, y)
        edges = [c for _, c in SERVICE_COLUMNS] + [GRID_COLUMNS + 1]
        for (label, col), nxt in zip(SERVICE_COLUMNS, edges[1:], strict=True):
            x = column_x(col, self.dx)
            if col > 1:
                pdf.line(x, top, x, bottom)
            self_width = (nxt - col) * PITCH
            pdf.text(x + 1.0, top + 4.5, self._label(label, self_width))


def write_pdf(pages: Iterable[FormPage], *, form: FormMode = FormMode.data,
              offset_x: float = 0.0, offset_y: float = 0.0) -> bytes:  # ok-float: points
    """The forms as one PDF, a US Letter page each.

    Args:
        pages: the pages of every claim, in print order (``cms1500.render``).
        form: ``data`` for the preprinted form stock, ``full`` to draw the form as well.
        offset_x: points to move everything right (negative: left), for printer drift.
        offset_y: points to move everything down (negative: up).

    Returns:
        The PDF file's bytes.
    """
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="pt", format="Letter")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("medbill")
    pdf.set_title("CMS-1500 (02/12)")
    drawer = _FormDrawer(pdf, offset_x, offset_y) if form is FormMode.full else None
    for page in pages:
        pdf.add_page()
        if drawer is not None:
            drawer.draw()
        pdf.set_font("Courier", "", FONT_SIZE)
        x = column_x(1, offset_x)
        for line, text in sorted(_page_lines(page).items()):
            stripped = text.lstrip(" ")
            pad = len(text) - len(stripped)
            pdf.text(x + pad * PITCH, line_top(line + 1, offset_y) - DESCENT, stripped)
    return bytes(pdf.output())
