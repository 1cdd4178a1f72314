"""Patient statements as a PDF: a page or more per patient, a tear-off remittance slip at the
bottom of the last one.

Pure layout: the input is ``StatementDoc`` records (``services/statements.py`` builds them
from the ledger); nothing here reads the database. fpdf2 is imported inside ``write_pdf`` (as
``forms/pdf.py`` does), so only the commands that print pay for it. Amounts are cents and are
printed with ``money.fmt``; coordinates are points from the top left of a US Letter page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from medbill_cli.money import fmt

if TYPE_CHECKING:
    from fpdf import FPDF

PAGE_WIDTH = 612.0  # US Letter, points
LEFT = 40.0
RIGHT = 572.0
ROW = 13.0  # a service line's height
ROWS_LAST_PAGE = 14  # service lines on the page that carries the aging, message and slip
ROWS_OTHER_PAGE = 36
TABLE_TOP = 236.0
SLIP_TOP = 598.0  # the tear-off line
# Service table columns: (title, right edge or left edge, align).
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("Date", LEFT, "L"), ("Service", 100.0, "L"), ("Charges", 250.0, "R"),
    ("Insurance paid", 325.0, "R"), ("Adjustments", 395.0, "R"), ("You paid", 455.0, "R"),
    ("Ins. owes", 515.0, "R"), ("You owe", RIGHT, "R"),
)
AGING_LABELS = ("Current", "31-60 days", "61-90 days", "Over 90 days")


@dataclass(frozen=True)
class Address:
    name: str
    lines: tuple[str, ...]  # street lines, then "CITY, ST 12345"


@dataclass(frozen=True)
class StatementLine:
    date: dt.date
    service: str  # the procedure code (and claim number)
    charges: int
    insurance_paid: int
    adjustments: int
    patient_paid: int
    insurance_owes: int
    patient_owes: int


@dataclass(frozen=True)
class StatementDoc:
    """One patient's statement."""

    practice: Address
    remit_to: Address
    phone: str | None
    pay_url: str | None
    account: str
    statement_date: dt.date
    patient: Address
    lines: Sequence[StatementLine]
    credit: int  # unapplied money, shown as a deduction
    balance: int  # what the patient owes (after credit)
    amount_due: int  # what is asked for now (the balance, or a plan's month)
    aging: tuple[int, int, int, int]  # current, 31-60, 61-90, over 90
    level: str  # first|second|final|plan|none
    message: str
    plan_monthly: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def pages(self) -> int:
        """Pages this statement takes (the last one holds ROWS_LAST_PAGE lines)."""
        extra = max(len(self.lines) - ROWS_LAST_PAGE, 0)
        return 1 + -(-extra // ROWS_OTHER_PAGE)


def _money(cents: int) -> str:
    return f"${fmt(cents)}" if cents >= 0 else f"-${fmt(-cents)}"


class _Writer:
    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self._font: tuple[str, float] | None = None
        # Widths and wrapped paragraphs repeat from page to page (amounts, labels, the
        # dunning messages): fpdf2 measures each string again, which is most of its time.
        self._widths: dict[tuple[str, float, str], float] = {}
        self._wrapped: dict[tuple[str, float, float], list[str]] = {}

    def width(self, s: str) -> float:  # ok-float: points (a string's printed width)
        assert self._font is not None
        key = (*self._font, s)
        w = self._widths.get(key)
        if w is None:
            w = self._widths[key] = self.pdf.get_string_width(s)
        return w

    def wrap(self, text: str, size: float, width: float) -> list[str]:  # ok-float: points
        """``text`` in lines at most ``width`` wide, at ``size`` in the plain face."""
        key = (text, size, width)
        if key not in self._wrapped:
            self._set("", size)
            lines: list[str] = []
            cur = ""
            for word in text.split():
                nxt = f"{cur} {word}" if cur else word
                if cur and self.width(nxt) > width:
                    lines.append(cur)
                    cur = word
                else:
                    cur = nxt
            if cur:
                lines.append(cur)
            self._wrapped[key] = lines
        return self._wrapped[key]

    def _set(self, style: str, size: float) -> None:  # ok-float: points
        if (style, size) != self._font:
            self.pdf.set_font("Helvetica", style, size)
            self._font = (style, size)

    def text(self, x: float, y: float, s: str, *, size: float = 9.0,  # ok-float: points
             bold: bool = False, align: str = "L") -> None:
        self._set("B" if bold else "", size)
        s = s.encode("latin-1", "replace").decode("latin-1")
        if align == "R":
            x -= self.width(s)
        elif align == "C":
            x -= self.width(s) / 2
        self.pdf.text(x, y, s)

    def address(self, x: float, y: float, a: Address, *,  # ok-float: points
                size: float = 9.0, bold_name: bool = True) -> float:  # ok-float: points
        self.text(x, y, a.name, size=size, bold=bold_name)
        for line in a.lines:
            y += size + 2
            self.text(x, y, line, size=size)
        return y

    def header(self, doc: StatementDoc, page: int, of: int) -> None:
        pdf = self.pdf
        self.address(LEFT, 50, doc.practice, size=10)
        self.text(RIGHT, 50, "PATIENT STATEMENT", size=14, bold=True, align="R")
        box_x, box_y = 372.0, 62.0
        pdf.rect(box_x, box_y, RIGHT - box_x, 58)
        rows = (("Statement date", doc.statement_date.isoformat()), ("Account", doc.account),
                ("Amount due", _money(doc.amount_due)))
        for i, (k, v) in enumerate(rows):
            y = box_y + 15 + i * 16
            self.text(box_x + 6, y, k, size=9)
            self.text(RIGHT - 6, y, v, size=10 if i < 2 else 11, bold=i == 2, align="R")
        self.address(LEFT + 20, 150, doc.patient, size=10)
        if of > 1:
            self.text(RIGHT, 150, f"Page {page} of {of}", size=8, align="R")

    def table_head(self, y: float) -> float:  # ok-float: points
        pdf = self.pdf
        pdf.set_fill_color(230, 230, 230)
        pdf.rect(LEFT, y - 10, RIGHT - LEFT, 14, style="F")
        for title, x, align in COLUMNS:
            self.text(x - (2 if align == "R" else -2), y, title, size=7.5, bold=True,
                      align=align)
        return y + ROW + 2

    def row(self, y: float, ln: StatementLine) -> None:  # ok-float: points
        cells = (ln.date.isoformat(), ln.service[:28], _money(ln.charges),
                 _money(ln.insurance_paid), _money(ln.adjustments), _money(ln.patient_paid),
                 _money(ln.insurance_owes), _money(ln.patient_owes))
        for (_, x, align), s in zip(COLUMNS, cells, strict=True):
            self.text(x - (2 if align == "R" else -2), y, s, size=8, align=align)

    def totals(self, y: float, doc: StatementDoc) -> float:  # ok-float: points
        pdf = self.pdf
        pdf.line(LEFT, y - 9, RIGHT, y - 9)
        sums = [sum(getattr(ln, k) for ln in doc.lines) for k in (
            "charges", "insurance_paid", "adjustments", "patient_paid", "insurance_owes",
            "patient_owes")]
        self.text(LEFT + 2, y, "Totals", size=8, bold=True)
        for (_, x, _), v in zip(COLUMNS[2:], sums, strict=True):
            self.text(x - 2, y, _money(v), size=8, bold=True, align="R")
        if doc.credit:
            y += ROW
            self.text(LEFT + 2, y, "Less unapplied payments (credit)", size=8)
            self.text(RIGHT - 2, y, _money(-doc.credit), size=8, align="R")
        y += ROW + 2
        self.text(LEFT + 2, y, "Your balance", size=10, bold=True)
        self.text(RIGHT - 2, y, _money(doc.balance), size=10, bold=True, align="R")
        return y

    def aging(self, y: float, doc: StatementDoc) -> float:  # ok-float: points
        pdf = self.pdf
        w = (RIGHT - LEFT) / 5
        self.text(LEFT, y, "What you owe, by age", size=8, bold=True)
        y += 4
        for i, (label, cents) in enumerate(zip(
                (*AGING_LABELS, "Total"), (*doc.aging, sum(doc.aging)), strict=True)):
            x = LEFT + i * w
            pdf.rect(x, y, w, 28)
            self.text(x + w / 2, y + 11, label, size=7.5, align="C")
            self.text(x + w / 2, y + 23, _money(cents), size=9, bold=i == 4, align="C")
        return y + 28

    def message(self, y: float, doc: StatementDoc) -> float:  # ok-float: points
        title = {"first": "STATEMENT", "second": "SECOND NOTICE", "final": "FINAL NOTICE",
                 "plan": "PAYMENT PLAN"}.get(doc.level, "")
        if title:
            self.text(LEFT, y, title, size=10, bold=True)
            y += 12
        for part in (doc.message, *doc.notes):
            for line in self.wrap(part, 8.5, RIGHT - LEFT):
                self.text(LEFT, y, line, size=8.5)
                y += 10
            y += 3
        how = [f"Mail a check payable to {doc.remit_to.name} with the slip below."]
        if doc.phone:
            how.append(f"Call {doc.phone} to pay by card or with any question about this bill.")
        if doc.pay_url:
            how.append(f"Pay online: {doc.pay_url}")
        self.text(LEFT, y, "How to pay", size=8.5, bold=True)
        for h in how:
            y += 10
            self.text(LEFT, y, h, size=8.5)
        return y

    def slip(self, doc: StatementDoc) -> None:
        pdf = self.pdf
        y = SLIP_TOP
        pdf.set_dash_pattern(dash=3, gap=3)
        pdf.line(20, y, PAGE_WIDTH - 20, y)
        pdf.set_dash_pattern()
        self.text(PAGE_WIDTH / 2, y - 3, "Please detach and return this portion with your payment",
                  size=7, align="C")
        self.text(LEFT, y + 22, "REMITTANCE SLIP", size=10, bold=True)
        rows = (("Account", doc.account), ("Statement date", doc.statement_date.isoformat()),
                ("Amount due", _money(doc.amount_due)))
        for i, (k, v) in enumerate(rows):
            yy = y + 40 + i * 15
            self.text(LEFT, yy, k, size=9)
            self.text(LEFT + 180, yy, v, size=10, bold=i == 2, align="R")
        yy = y + 40 + 3 * 15
        self.text(LEFT, yy + 4, "Amount enclosed", size=9, bold=True)
        pdf.rect(LEFT + 90, yy - 10, 90, 20)
        self.text(LEFT + 94, yy + 4, "$", size=10)
        self.text(LEFT, y + 120, "From:", size=7.5)
        self.address(LEFT, y + 131, doc.patient, size=8.5, bold_name=False)
        self.text(340, y + 40, "Make checks payable and mail to:", size=7.5)
        self.address(340, y + 55, doc.remit_to, size=10)
        if doc.plan_monthly is not None:
            self.text(340, y + 125, f"Payment plan: {_money(doc.plan_monthly)} a month", size=8)

    def write(self, doc: StatementDoc) -> None:
        pdf = self.pdf
        lines = list(doc.lines)
        chunks: list[list[StatementLine]] = []
        while len(lines) > ROWS_LAST_PAGE:
            chunks.append(lines[:ROWS_OTHER_PAGE])
            lines = lines[ROWS_OTHER_PAGE:]
        chunks.append(lines)
        for n, chunk in enumerate(chunks, start=1):
            pdf.add_page()
            self._font = None
            self.header(doc, n, len(chunks))
            y = self.table_head(TABLE_TOP)
            for ln in chunk:
                self.row(y, ln)
                y += ROW
            if n < len(chunks):
                self.text(RIGHT, y + 6, "Continued on the next page", size=8, align="R")
                continue
            y = self.totals(y + 4, doc)
            y = self.aging(y + 16, doc)
            self.message(y + 20, doc)
            self.slip(doc)


def write_pdf(docs: Iterable[StatementDoc]) -> bytes:
    """The statements as one PDF, in the order given.

    Args:
        docs: one statement per patient.

    Returns:
        The PDF file's bytes.
    """
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="pt", format="Letter")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("medbill")
    pdf.set_title("Patient statements")
    w = _Writer(pdf)
    for doc in docs:
        w.write(doc)
    return bytes(pdf.output())
