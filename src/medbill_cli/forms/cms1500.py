"""The CMS-1500 (02/12) paper claim as a text grid, from the claim view the 837P prints.

One mapping, two renderings: the input is the 837P writer's own ``ClaimOut`` and the billing
provider of its 2010AA loop, so the paper and the electronic claim cannot disagree. Each NUCC
item is placed at a (line, column) of a 66-line x 80-column grid, the positions OpenEMR's
``Hcfa1500.php`` uses (``standards/WAVE2.md`` (a)); ``forms.pdf`` sets the grid in Courier 10
pitch at 6 lines an inch, which is where the red-ink OCR form stock expects it.

Rules the NUCC 1500 Reference Instruction Manual (02/12) sets, and pitfalls other projects hit:

* upper case, no punctuation in addresses, names as ``LAST, FIRST M``;
* amounts without ``$`` or commas, the cents in their own box (a space for the decimal point);
* dates ``MM DD YYYY`` for birth dates (3, 11a), ``MM DD YY`` for 24A and 31;
* box 21's ICD indicator ``0`` (ICD-10-CM) and diagnoses A-L without the decimal point;
* 24E pointers as letters A-L, at most four, no separators;
* box 25 is the billing provider's EIN (2010AA REF*EI), never the payer's;
* boxes 12, 13, 27 and 31 follow CLM09, CLM08, CLM07 and CLM06 of the same ``ClaimOut``;
* six service lines a form: a longer claim continues on further pages, each totalling its own
  lines in box 28; box 29 prints on the first page only;
* boxes 9, 9a, 9d and 11d come from the claim's other payers (the 837P's 2320/2330A/2330B):
  the first of them in payer order, so a primary claim names its known secondary and a
  secondary or tertiary claim the primary; 11d is YES exactly when there is one;
* box 29: the NUCC manual asks for what "the patient and/or other payers paid on the covered
  services"; the claim view carries the other payers' paid amounts (2320 AMT*D, each the
  payer's 835 CLP04), not the patient's payments (2300 AMT*F5 is not written either), so box
  29 is the sum of the earlier payers' paid amounts, printed once any of them has answered
  (0 00 after a denial) and left blank on a claim no payer has answered yet.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from medbill_cli.x12.p837 import (
    Address,
    BillingProvider,
    ClaimOut,
    OtherPayer,
    Person,
    ServiceLine,
    clean,
    dx_code,
)

LINES_PER_FORM = 6
GRID_LINES = 66
GRID_COLUMNS = 80
ICD10_INDICATOR = "0"

# Box 1 program type (line 8) by 837P SBR09 claim filing indicator.
PROGRAM_COLUMNS = {"MA": 1, "MB": 1, "MC": 8, "CH": 15, "VA": 24, "FI": 39}
GROUP_HEALTH_PLAN = 31
OTHER_PROGRAM = 45
_GROUP_INDICATORS = frozenset({"CI", "BL", "HM", "12", "13", "14", "15", "16", "17", "LM", "DS"})
RELATIONSHIP_COLUMNS = {"self": 33, "spouse": 38, "child": 42, "other": 47}
MEDICARE = frozenset({"MA", "MB"})
SIGNATURE_ON_FILE = "SIGNATURE ON FILE"

_PUNCT = re.compile(r"[.,#]")


@dataclass(frozen=True, slots=True)
class Cell:
    """One item's text, placed from ``column`` on ``line`` (both 1-based)."""

    item: str  # NUCC item; a service line's carries its number: "24F.3"
    line: int
    column: int
    text: str


@dataclass(frozen=True, slots=True)
class FormPage:
    """One printed form: a claim's page ``page`` of ``pages``."""

    pcn: str
    page: int
    pages: int
    cells: tuple[Cell, ...]
    total_cents: int  # box 28: this page's lines


@dataclass(frozen=True, slots=True)
class OtherInsurance:
    """Boxes 9, 9a and 9d (and 11d YES): the patient's other coverage (837P loop 2320/2330A/B)."""

    last_name: str
    first_name: str
    policy: str  # 9a: the other insured's policy (member id) or group number
    plan_name: str  # 9d: the other plan's name
    middle_name: str | None = None


@dataclass(frozen=True, slots=True)
class FormHeader:
    """What each form prints besides the claim: the 837P's billing provider (2010AA) and more."""

    billing: BillingProvider  # boxes 25 (EIN), 33, 33a (NPI), 33b (taxonomy)
    signed_on: dt.date  # box 31's date
    phone: str | None = None  # box 33's telephone


# --------------------------------------------------------------------------- formatting


def _plain(value: object) -> str:
    """Upper-case ASCII without the punctuation NUCC asks to leave out."""
    text = _PUNCT.sub(" ", clean(value))
    return " ".join(text.split())


def _name(last: str, first: str, middle: str | None) -> str:
    """``LAST, FIRST M``: a comma after the last name, the middle initial only."""
    name = f"{_plain(last)}, {_plain(first)}"
    mid = _plain(middle)
    return f"{name} {mid[0]}" if mid else name


def _zip(z: str) -> str:
    digits = re.sub(r"\D", "", z or "")
    return f"{digits[:5]}-{digits[5:9]}" if len(digits) == 9 else digits[:5]


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def money(cents: int) -> str:
    """Dollars, a space where the decimal point is printed on the form, cents: ``125 00``."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole} {frac:02d}"


def pointer_letters(pointers: tuple[int, ...]) -> str:
    """24E: diagnosis pointers 1..12 as the letters A..L of box 21, at most four."""
    return "".join(chr(ord("A") + p - 1) for p in pointers[:4] if 1 <= p <= 12)


def program_column(filing_indicator: str) -> int:
    """Box 1: the column of the X for the claim filing indicator (SBR09)."""
    code = clean(filing_indicator)
    if code in PROGRAM_COLUMNS:
        return PROGRAM_COLUMNS[code]
    return GROUP_HEALTH_PLAN if code in _GROUP_INDICATORS else OTHER_PROGRAM


def other_insurance(c: ClaimOut) -> OtherInsurance | None:
    """Boxes 9, 9a, 9d: the claim's first other payer in payer order (2330A NM1*IL name and
    NM109 member id, 2330B NM103 payer name), None when the claim has no other payer."""
    if not c.other_payers:
        return None
    o: OtherPayer = c.other_payers[0]
    s = o.subscriber
    return OtherInsurance(last_name=s.last_name, first_name=s.first_name,
                          middle_name=s.middle_name, policy=o.member_id, plan_name=o.payer.name)


def prior_paid_cents(c: ClaimOut) -> int | None:
    """Box 29: what the other payers that answered the claim paid (their 2320 AMT*D), None
    when none has answered (a primary claim, or a later payer's before the 835)."""
    paid = [o.paid_cents for o in c.other_payers if o.paid_cents is not None]
    return sum(paid) if paid else None


class _Grid:
    def __init__(self) -> None:
        self.cells: list[Cell] = []

    def put(self, item: str, line: int, column: int, width: int, value: str | None,
            *, right: bool = False) -> None:
        """Place ``value`` cut to ``width``; ``right`` aligns it to the box's right edge."""
        if not value:
            return
        text = value[:width]
        if right:
            column += width - len(text)
        self.cells.append(Cell(item, line, column, text))

    def date(self, item: str, line: int, columns: tuple[int, int, int], d: dt.date | None,
             *, year4: bool) -> None:
        if d is None:
            return
        year = f"{d.year:04d}" if year4 else f"{d.year % 100:02d}"
        for part, column in zip((f"{d.month:02d}", f"{d.day:02d}", year), columns, strict=True):
            self.put(item, line, column, len(part), part)

    def mark(self, item: str, line: int, column: int) -> None:
        self.put(item, line, column, 1, "X")


# --------------------------------------------------------------------------- the items


def _address(g: _Grid, item: str, a: Address | None, column: int, state_column: int) -> None:
    if a is None:
        return
    street = _plain(a.line1) if not a.line2 else f"{_plain(a.line1)} {_plain(a.line2)}"
    g.put(item, 12, column, 28, street)
    g.put(item, 14, column, 20, _plain(a.city))
    g.put(item, 14, state_column, 2, _plain(a.state))
    g.put(item, 16, column, 10, _zip(a.zip))


def _sex(g: _Grid, item: str, line: int, sex: str, columns: tuple[int, int]) -> None:
    s = clean(sex)
    if s == "M":
        g.mark(item, line, columns[0])
    elif s == "F":
        g.mark(item, line, columns[1])


def _patient_items(g: _Grid, c: ClaimOut) -> None:
    """Items 1-8: program, insured id, patient and insured names, addresses, relationship."""
    g.put("payer", 2, 41, 31, _plain(c.payer.name))
    g.mark("1", 8, program_column(c.filing_indicator))
    g.put("1a", 8, 50, 17, clean(c.member_id))
    patient: Person = c.patient if c.patient is not None and c.relationship != "self" \
        else c.subscriber
    g.put("2", 10, 1, 28, _name(patient.last_name, patient.first_name, patient.middle_name))
    g.date("3", 10, (31, 34, 37), patient.dob, year4=True)
    _sex(g, "3", 10, patient.sex, (42, 47))
    g.mark("6", 12, RELATIONSHIP_COLUMNS.get(c.relationship, 47))
    _address(g, "5", patient.address, 1, 26)
    medicare_primary = clean(c.filing_indicator) in MEDICARE and c.priority == "primary"
    s = c.subscriber
    if not medicare_primary:  # Medicare: 4 and 7 stay blank when Medicare is primary
        g.put("4", 10, 50, 28, _name(s.last_name, s.first_name, s.middle_name))
        _address(g, "7", s.address, 50, 74)


def _insurance_items(g: _Grid, c: ClaimOut, other: OtherInsurance | None) -> None:
    """Items 9-13: other insurance, condition related to, the insured's plan, signatures."""
    if other is not None:
        g.put("9", 18, 1, 28, _name(other.last_name, other.first_name, other.middle_name))
        g.put("9a", 20, 1, 28, clean(other.policy))
        g.put("9d", 26, 1, 28, _plain(other.plan_name))
    # 10a-c YES or NO, each: CLM11's related causes EM, AA (with 10b's state), OA.
    for item, line, cause in (("10a", 20, "EM"), ("10b", 22, "AA"), ("10c", 24, "OA")):
        g.mark(item, line, 35 if cause in c.related_causes else 41)
    if "AA" in c.related_causes:
        g.put("10b", 22, 45, 2, clean(c.accident_state))
    medicare = clean(c.filing_indicator) in MEDICARE
    group = clean(c.group_number) or ("NONE" if medicare and other is None else "")
    g.put("11", 18, 50, 30, group)
    s = c.subscriber
    if not (medicare and c.priority == "primary"):
        g.date("11a", 20, (53, 56, 59), s.dob, year4=True)
        _sex(g, "11a", 20, s.sex, (68, 75))
    g.put("11c", 24, 50, 30, _plain(c.payer.name))
    g.mark("11d", 26, 52 if other is not None else 57)
    if c.release == "Y":  # CLM09 I (informed consent only) is no signature: box 12 blank
        g.put("12", 29, 7, 30, SIGNATURE_ON_FILE)
        g.date("12", 29, (44, 47, 50), c.signature_date, year4=False)
    if c.benefits_assigned == "Y":
        g.put("13", 29, 55, 25, SIGNATURE_ON_FILE)


def _provider_17(g: _Grid, c: ClaimOut, billing_npi: str) -> None:
    """Items 17/17b: one provider, the NUCC order referring (DN), ordering (DK), supervising
    (DQ); as in the 837P, an ordering or supervising provider who is the rendering one is not
    reported."""
    rendering = c.rendering.npi if c.rendering is not None else billing_npi
    ordering = next((ln.ordering for ln in c.lines if ln.ordering is not None
                     and ln.ordering.npi != rendering), None)
    supervising = c.supervising if c.supervising and c.supervising.npi != rendering else None
    for qualifier, p in (("DN", c.referring), ("DK", ordering), ("DQ", supervising)):
        if p is not None:
            g.put("17", 34, 1, 3, qualifier)
            g.put("17", 34, 4, 25, _name(p.last_name, p.first_name, None))
            g.put("17b", 34, 33, 10, _digits(p.npi))
            return


def _claim_items(g: _Grid, c: ClaimOut) -> None:
    """Items 20-23: outside lab, diagnoses with the ICD indicator, resubmission."""
    g.mark("20", 36, 57)  # NO: no purchased service (PS1) in the claim view
    g.put("21", 37, 42, 1, ICD10_INDICATOR)
    for i, code in enumerate(c.diagnoses[:12]):
        g.put(f"21{chr(ord('A') + i)}", 38 + i // 4, 3 + 13 * (i % 4), 8, dx_code(code))
    if c.frequency in ("7", "8"):
        g.put("22", 38, 50, 10, c.frequency)
        g.put("22", 38, 62, 15, clean(c.payer_claim_number))


def _provider_items(g: _Grid, c: ClaimOut, h: FormHeader) -> None:
    """Items 25-33 that do not depend on the page: EIN, account, assignment, billing provider."""
    b = h.billing
    g.put("25", 56, 1, 15, _digits(b.ein))
    g.mark("25", 56, 19)  # EIN, not SSN
    g.put("26", 56, 23, 15, clean(c.pcn))
    g.mark("27", 56, 38 if c.assignment == "A" else 43)
    phone = _digits(h.phone)
    if len(phone) == 10:
        g.put("33", 57, 66, 3, phone[:3])
        g.put("33", 57, 70, 3, phone[3:6])
        g.put("33", 57, 74, 4, phone[6:])
    a = b.address
    g.put("33", 58, 50, 25, _plain(b.name))
    street = _plain(a.line1) if not a.line2 else f"{_plain(a.line1)} {_plain(a.line2)}"
    g.put("33", 59, 50, 25, street)
    g.put("33", 60, 50, 27, f"{_plain(a.city)} {_plain(a.state)} {_zip(a.zip)}")
    if c.provider_signature == "Y":
        g.put("31", 60, 1, 22, SIGNATURE_ON_FILE)
    g.date("31", 61, (6, 9, 12), h.signed_on, year4=False)
    g.put("33a", 61, 50, 10, _digits(b.npi))
    if b.taxonomy:
        g.put("33b", 61, 63, 2, "ZZ")
        g.put("33b", 61, 65, 14, clean(b.taxonomy))


def _service_line(g: _Grid, c: ClaimOut, n: int, ln: ServiceLine) -> None:
    """Line ``n`` (1..6) of box 24: the shaded half is supplemental information only."""
    shaded, line = 41 + 2 * n, 42 + 2 * n
    if ln.ndc:
        qty = clean(ln.ndc_quantity) or str(ln.units)
        g.put(f"24.{n}", shaded, 1, 50, f"N4{_digits(ln.ndc)}   {clean(ln.ndc_unit) or 'UN'}{qty}")
    g.date(f"24A.{n}", line, (1, 4, 7), ln.date_of_service, year4=False)
    g.date(f"24A.{n}", line, (10, 13, 16), ln.date_of_service, year4=False)
    g.put(f"24B.{n}", line, 19, 2, clean(ln.pos or c.pos))
    g.put(f"24D.{n}", line, 25, 6, clean(ln.code))
    g.put(f"24D.{n}", line, 33, 12, " ".join(clean(m) for m in ln.modifiers[:4]))
    g.put(f"24E.{n}", line, 45, 4, pointer_letters(ln.dx_pointers))
    g.put(f"24F.{n}", line, 50, 8, money(ln.amount_cents), right=True)
    g.put(f"24G.{n}", line, 59, 3, str(ln.units), right=True)
    if c.rendering is not None:
        g.put(f"24J.{n}", line, 68, 10, _digits(c.rendering.npi))


def render(claim: ClaimOut, header: FormHeader) -> list[FormPage]:
    """The CMS-1500 pages of one claim.

    Args:
        claim: the claim as the 837P writer takes it, its other payers (2320/2330) included:
            boxes 9, 9a, 9d, 11d and 29 come from them.
        header: the billing provider (as in the 837P's 2010AA), its phone, the signing date.

    Returns:
        One page per six service lines, each with its own box 28 total.
    """
    if not claim.lines:
        raise ValueError(f"claim {claim.pcn} has no service lines")
    common = _Grid()
    _patient_items(common, claim)
    _insurance_items(common, claim, other_insurance(claim))
    _claim_items(common, claim)
    _provider_17(common, claim, header.billing.npi)
    _provider_items(common, claim, header)
    shared = tuple(common.cells)
    prior = prior_paid_cents(claim)
    groups = [claim.lines[i:i + LINES_PER_FORM] for i in range(0, len(claim.lines), LINES_PER_FORM)]
    pages: list[FormPage] = []
    for number, lines in enumerate(groups, start=1):
        g = _Grid()
        for n, ln in enumerate(lines, start=1):
            _service_line(g, claim, n, ln)
        total = sum(ln.amount_cents for ln in lines)
        g.put("28", 56, 52, 8, money(total), right=True)
        if prior is not None and number == 1:
            g.put("29", 56, 62, 8, money(prior), right=True)
        pages.append(FormPage(claim.pcn, number, len(groups), shared + tuple(g.cells), total))
    return pages
