"""Paper EOBs: a payer's paper explanation of benefits, posted exactly as an 835 claim payment.

The EOB is built as an 835 remittance in memory (one claim payment, its service lines and CAS
adjustments) and posted by ``remit.post_built``, the same planner and writer an 835 file goes
through: ERA rows (payer key ``EOB:<payer id>``, file name ``paper EOB``), claim status,
denials and audit; then the ledger posts it with ``ledger.post_era_claims``, as for an 835. So
both paths give the same ledger by construction.

Typed amounts: ``--line N=PAID``, ``--adjust GROUP-CARC=AMOUNT`` (claim level),
``--line-adjust N:GROUP-CARC=AMOUNT``. Every line of the claim is given, or none (claim-level
payment). Each line balances (charge = paid + adjustments) and the lines' paid amounts add
up to the claim's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from medbill_cli.db import tables as t
from medbill_cli.errors import InputError
from medbill_cli.money import amount_cents, fmt, from_cents
from medbill_cli.status import SENT, ClaimStatus
from medbill_cli.x12 import era as x835

if TYPE_CHECKING:
    from sqlmodel import Session

    from medbill_cli.x12.claim_map import LineRecord

GROUPS = ("CO", "OA", "PI", "PR")
FILE_NAME = "paper EOB"
PAYER_KEY_PREFIX = "EOB:"

_LINE_RE = re.compile(r"^\s*(\d{1,3})\s*=\s*(\S+)\s*$")
_ADJ_RE = re.compile(r"^\s*([A-Za-z]{2})\s*-\s*([A-Za-z]?\d{1,3})\s*=\s*(\S+)\s*$")
_CHECK_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,29}$")


@dataclass(frozen=True)
class EobAdjustment:
    line: int | None  # None: claim level
    group: str
    carc: str
    cents: int


@dataclass(frozen=True)
class EobResult:
    era_id: int
    era_claim_id: int
    claim_pcn: str
    status: str
    outcome: str
    paid_cents: int
    entries: int


def parse_line(text: str) -> tuple[int, int]:
    """``N=PAID``: a claim line number and what the payer paid on it."""
    m = _LINE_RE.match(text)
    if m is None:
        raise InputError(f"--line '{text}' is not N=PAID", "Give e.g. --line 1=70.00")
    return int(m.group(1)), amount_cents(m.group(2), f"--line {m.group(1)}")


def parse_adjustment(text: str, line: int | None = None, what: str = "--adjust") -> EobAdjustment:
    """``GROUP-CARC=AMOUNT``, e.g. ``CO-45=10.00``."""
    m = _ADJ_RE.match(text)
    if m is None:
        raise InputError(f"{what} '{text}' is not GROUP-CARC=AMOUNT", "Give e.g. CO-45=10.00")
    group, carc = m.group(1).upper(), m.group(2).upper()
    if group not in GROUPS:
        raise InputError(f"{what} '{text}': group {group} is not one of {', '.join(GROUPS)}")
    cents = amount_cents(m.group(3), f"{what} {group}-{carc}", allow_zero=False)
    return EobAdjustment(line, group, carc, cents)


def parse_line_adjustment(text: str) -> EobAdjustment:
    """``N:GROUP-CARC=AMOUNT``, e.g. ``1:PR-2=20.00``."""
    n, sep, rest = text.partition(":")
    if not sep or not n.strip().isdigit():
        raise InputError(f"--line-adjust '{text}' is not N:GROUP-CARC=AMOUNT",
                         "Give e.g. --line-adjust 1:PR-2=20.00")
    return parse_adjustment(rest, int(n.strip()), "--line-adjust")


def _check_carcs(session: Session, adjs: Sequence[EobAdjustment]) -> None:
    """Each CARC is in the loaded CARC set, when one is loaded."""
    c = t.code.c
    loaded = session.execute(select(func.count()).select_from(t.code)
                             .where(c.system == "carc")).scalar_one()
    if not loaded or not adjs:
        return
    wanted = sorted({a.carc for a in adjs})
    known = set(session.execute(select(c.code).where(c.system == "carc", c.code.in_(wanted)))
                .scalars())
    missing = [x for x in wanted if x not in known]
    if missing:
        raise InputError(f"CARC {missing[0]} is not in the loaded claim adjustment reason codes",
                         "Check the code on the EOB (medbill codes search --system carc)")


def _short(what: str, charge: int, paid: int, adjusted: int) -> InputError:
    total = paid + adjusted
    diff = charge - total
    way = "short" if diff > 0 else "over"
    return InputError(
        f"{what} does not balance: charge {fmt(charge)} != paid {fmt(paid)} + adjustments "
        f"{fmt(adjusted)} = {fmt(total)} ({fmt(abs(diff))} {way})",
        "Nothing was posted; give amounts that add up to the charge")


def _check_lines(lines: Sequence[LineRecord], paid: int, by_line: dict[int, int],
                 adjs: Sequence[EobAdjustment], claim_total: int) -> None:
    numbers = {ln.line_number for ln in lines}
    for n in sorted({*by_line, *(a.line for a in adjs if a.line is not None)}):
        if n not in numbers:
            raise InputError(f"The claim has no line {n}",
                             f"Its lines are {', '.join(str(x) for x in sorted(numbers))}")
    if paid > claim_total:
        raise InputError(f"--paid {fmt(paid)} is more than the claim's charge "
                         f"{fmt(claim_total)}")
    line_adj: dict[int, int] = defaultdict(int)
    for a in adjs:
        if a.line is not None:
            line_adj[a.line] += a.cents
    if by_line or line_adj:
        missing = [ln.line_number for ln in lines if ln.line_number not in by_line]
        if missing:
            raise InputError(f"Line {missing[0]} has no --line {missing[0]}=PAID",
                             "Give every line of the claim, or none for a claim-level payment")
        for ln in lines:
            got, adj = by_line[ln.line_number], line_adj[ln.line_number]
            if got > ln.amount_cents or adj > ln.amount_cents:
                raise InputError(f"Line {ln.line_number}: an amount is more than its charge "
                                 f"{fmt(ln.amount_cents)}")
            if got + adj != ln.amount_cents:
                raise _short(f"Line {ln.line_number}", ln.amount_cents, got, adj)
        if sum(by_line.values()) != paid:
            raise InputError(f"The lines' paid amounts add up to {fmt(sum(by_line.values()))}, "
                             f"not --paid {fmt(paid)}", "Nothing was posted; check the amounts")
    for a in adjs:
        if a.cents > claim_total:
            raise InputError(f"{a.group}-{a.carc} {fmt(a.cents)} is more than the claim's "
                             f"charge {fmt(claim_total)}")
    adjusted = sum(a.cents for a in adjs)
    if paid + adjusted != claim_total:
        raise _short("The EOB", claim_total, paid, adjusted)


def _adjustments(adjs: Sequence[EobAdjustment], line: int | None) -> tuple[x835.Adjustment, ...]:
    return tuple(x835.Adjustment(a.group, a.carc, from_cents(a.cents))
                 for a in adjs if a.line == line)


def _svc(ln: LineRecord, paid: int, adjs: Sequence[EobAdjustment]) -> x835.ServiceLine:
    return x835.ServiceLine(
        qualifier="HC", code=ln.code, modifiers=tuple(ln.modifiers.split()),
        charge=from_cents(ln.amount_cents), paid=from_cents(paid), revenue_code="",
        units=Decimal(ln.units), original_code="", original_units=None,
        service_date=ln.date_of_service, service_end=None,
        adjustments=_adjustments(adjs, ln.line_number), control_number=str(ln.line_number),
        allowed=None, remarks=())


def _claim_status(session: Session, coverage_id: int | None, paid: int,
                  adjs: Sequence[EobAdjustment]) -> str:
    """CLP02 as the payer would send it: 4 denied (nothing paid, no patient share), else 1, 2
    or 3 by the coverage's priority."""
    if paid == 0 and not any(a.group == "PR" for a in adjs):
        return "4"
    prio = session.execute(select(t.coverage.c.priority)
                           .where(t.coverage.c.id == coverage_id)).scalar()
    return {"secondary": "2", "tertiary": "3"}.get(str(prio), "1")


def build_remittance(*, session: Session, claim_id: str | int, date: dt.date, check: str,
                     paid: str, lines: Sequence[str] = (), adjust: Sequence[str] = (),
                     line_adjust: Sequence[str] = (), payer_claim_number: str = "",
                     ) -> tuple[x835.Remittance, str]:
    """Check an EOB as typed and build it as an 835 remittance of one claim payment.

    Returns:
        The remittance and the claim's PCN.

    Raises:
        InputError: a claim never sent, amounts that do not balance, an unknown line, a bad
            group code or CARC, an amount above the charge.
    """
    from medbill_cli.dates import today
    from medbill_cli.services.claims import store

    rec = store.get_claim(session=session, claim_id=claim_id, field="--claim")
    if rec.status not in SENT:
        raise InputError(f"Claim {rec.pcn} was never sent (it is {rec.status.value}); an EOB "
                         "answers a sent claim", "Export it first, or check the claim id")
    if rec.status is ClaimStatus.CLOSED:
        raise InputError(f"Claim {rec.pcn} is closed (replaced or voided)",
                         "Post the EOB on the claim that replaced it")
    chk = check.strip()
    if not _CHECK_RE.match(chk):
        raise InputError(f"Check number '{check}' must be 1-30 letters, digits or dashes")
    if date > today():
        raise InputError(f"The EOB date {date.isoformat()} is in the future")
    icn = payer_claim_number.strip().upper()
    if len(icn) > 50 or not re.fullmatch(r"[A-Z0-9-]*", icn):
        raise InputError("--payer-claim-number must be up to 50 letters, digits or dashes")
    total = amount_cents(paid, "--paid")
    by_line: dict[int, int] = {}
    for text in lines:
        n, cents = parse_line(text)
        if n in by_line:
            raise InputError(f"--line {n} is given twice")
        by_line[n] = cents
    adjs = [parse_adjustment(a) for a in adjust] + [parse_line_adjustment(a) for a in line_adjust]
    _check_carcs(session, adjs)
    claim_lines = store.load_lines(session, [rec.id]).get(rec.id, [])
    _check_lines(claim_lines, total, by_line, adjs, rec.total_cents)
    svcs = tuple(_svc(ln, by_line[ln.line_number], adjs) for ln in claim_lines) if by_line else ()
    payer = session.execute(select(t.payer.c.payer_id, t.payer.c.name)
                            .where(t.payer.c.id == rec.payer_id)).first()
    payer_id = payer.payer_id if payer else ""
    pr = sum(a.cents for a in adjs if a.group == "PR")
    cp = x835.ClaimPayment(
        pcn=rec.pcn, status=_claim_status(session, rec.coverage_id, total, adjs),
        charge=from_cents(rec.total_cents), paid=from_cents(total),
        patient_responsibility=from_cents(pr), filing_indicator="", payer_claim_number=icn,
        facility_code=rec.pos, frequency=rec.frequency, adjustments=_adjustments(adjs, None),
        names=(), inpatient_remarks=(), outpatient_remarks=(), references=(), dates=(),
        amounts=(), lines=svcs)
    remit = x835.Remittance(
        control_number="EOB", implementation="", handling="I" if total else "H",
        total=from_cents(total), credit_debit="C", method="CHK" if total else "NON",
        payment_date=date, trace_type="1", trace_number=f"{chk}/{rec.pcn}",
        originator=f"{PAYER_KEY_PREFIX}{payer_id}", production_date=date,
        payer=x835.Party(name=payer.name if payer else "", id_qualifier="XV", id=payer_id),
        payee=x835.Party(), claims=(cp,), provider_adjustments=(), warnings=())
    return remit, rec.pcn


def _ledger_posted(session: Session, era_claim_id: int) -> bool:
    e = t.ledger_entry.c
    lines = select(t.era_line.c.id).where(t.era_line.c.era_claim_id == era_claim_id)
    n = session.execute(select(func.count()).where(or_(
        (e.source_type == "era_claim") & (e.source_id == era_claim_id),
        (e.source_type == "era_line") & e.source_id.in_(lines)))).scalar_one()
    return bool(n)


def post_eob(*, session: Session, user: str, claim_id: str | int, date: dt.date, check: str,
             paid: str, lines: Sequence[str] = (), adjust: Sequence[str] = (),
             line_adjust: Sequence[str] = (), payer_claim_number: str = "") -> EobResult:
    """Post a paper EOB for one claim, as an 835 with the same numbers would post.

    Args:
        session: the command's transaction.
        user: who posts.
        claim_id: the claim (id or PCN).
        date: the EOB's (check's) date.
        check: the check number.
        paid: what the payer paid on the claim.
        lines: ``N=PAID`` per claim line (all lines, or none).
        adjust: claim-level ``GROUP-CARC=AMOUNT``.
        line_adjust: ``N:GROUP-CARC=AMOUNT``.
        payer_claim_number: the payer's claim number printed on the EOB (kept as CLP07).

    Returns:
        The ERA and claim payment rows written, the claim's new status and the entries posted.
    """
    from medbill_cli.services import ledger, remit

    rm, pcn = build_remittance(session=session, claim_id=claim_id, date=date, check=check,
                               paid=paid, lines=lines, adjust=adjust, line_adjust=line_adjust,
                               payer_claim_number=payer_claim_number)
    result = remit.post_built(session=session, user=user, remit=rm,
                              file_name=f"{FILE_NAME} {check.strip()}")
    era = result.eras[0].era
    assert era is not None and era.id is not None
    pc = result.eras[0].claims[0]
    ec_id = int(session.execute(select(t.era_claim.c.id)
                                .where(t.era_claim.c.era_id == era.id)).scalar_one())
    n = 0
    if not _ledger_posted(session, ec_id):  # the shared writer may post it already
        n = ledger.post_era_claims(session=session, user=user, era_claim_ids=[ec_id])
    status = pc.new_status.value if pc.new_status else ""
    return EobResult(era.id, ec_id, pcn, status, pc.outcome.value, amount_cents(paid), n)
