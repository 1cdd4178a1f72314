"""The fee schedule: the amount per unit of a code (and modifier) from an effective date on."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from medbill_cli.dates import in_force, parse_date
from medbill_cli.errors import InputError, RowError
from medbill_cli.money import amount_cents
from medbill_cli.services import audit, lookup

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from medbill_cli.db.models import Fee

FOREVER = dt.date(1900, 1, 1)
_CODE_RE = re.compile(r"^[A-Z0-9]{5}$")
_MOD_RE = re.compile(r"^[A-Z0-9]{2}$")

IMPORT_REQUIRED = ("code", "amount")
IMPORT_OPTIONAL = ("modifier", "effective")


def clean_code(code: str) -> str:
    c = code.strip().upper()
    if not _CODE_RE.match(c):
        raise InputError(f"'{code}' is not a CPT or HCPCS code",
                         "Use five characters, e.g. 99213 or J1100")
    return c


def clean_modifier(modifier: str | None) -> str:
    m = (modifier or "").strip().upper()
    if m and not _MOD_RE.match(m):
        raise InputError(f"'{modifier}' is not a modifier", "Use two characters, e.g. 25")
    return m


def set_fee(
    *, session: Session, user: str, code: str, amount: str | Decimal, modifier: str | None = None,
    effective: dt.date | None = None,
) -> Fee:
    """Set the fee per unit of a code (with an optional modifier) from a date on.

    A fee for the same code, modifier and effective date is replaced (audited as an update).

    Args:
        session: the command's session.
        user: who acts.
        code: CPT or HCPCS code.
        amount: the fee per unit, as typed.
        modifier: the modifier the fee is for ("" for any).
        effective: the first date of service the fee applies to; None: all dates.

    Returns:
        The fee row.
    """
    from sqlmodel import select

    from medbill_cli.db.models import Fee

    c, m = clean_code(code), clean_modifier(modifier)
    lookup.fee_code_check(session, c)
    cents = amount_cents(amount, "Fee")
    eff = effective or FOREVER
    row = session.exec(
        select(Fee).where(Fee.code == c, Fee.modifier == m, Fee.effective == eff)
    ).first()
    if row is not None:
        before = audit.snapshot(row)
        row.amount_cents = cents
        session.add(row)
        session.flush()
        audit.record(session=session, user=user, action="update", entity="fee",
                     entity_id=row.id, before=before, after=audit.snapshot(row))
        return row
    row = Fee(code=c, modifier=m, amount_cents=cents, effective=eff)
    session.add(row)
    session.flush()
    audit.record(session=session, user=user, action="create", entity="fee",
                 entity_id=row.id, after=audit.snapshot(row))
    return row


def import_fees(
    *, session: Session, user: str, rows: Iterable[tuple[int, dict[str, str]]],
    progress: Callable[[int], None] | None = None,
) -> list[Fee]:
    """Set many fees from CSV rows; all-or-nothing, bad rows reported by line.

    Args:
        session: the command's session.
        user: who acts.
        rows: (line, column -> text) from ``csvfile.read_rows``.
        progress: called with 1 per row.

    Returns:
        The fee rows set.
    """
    bad: list[tuple[int, str]] = []
    good: list[tuple[int, str, str, int, dt.date]] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    for line, row in rows:
        try:
            c = clean_code(row.get("code", ""))
            lookup.fee_code_check(session, c)
            m = clean_modifier(row.get("modifier"))
            cents = amount_cents(row.get("amount", ""), "amount")
            eff_text = (row.get("effective") or "").strip()
            eff = parse_date(eff_text, what="effective date") if eff_text else FOREVER
            key = (c, m, eff)
            if key in seen:
                raise InputError(f"same code, modifier and effective date as line {seen[key]}")
            seen[key] = line
            good.append((line, c, m, cents, eff))
        except InputError as exc:
            bad.append((line, str(exc).rstrip(".")))
        if progress:
            progress(1)
    if bad:
        raise RowError.nothing_imported(bad)
    return [set_fee(session=session, user=user, code=c, amount=Decimal(cents) / 100, modifier=m,
                    effective=eff) for _, c, m, cents, eff in good]


def list_fees(*, session: Session, code: str | None = None) -> list[Fee]:
    from sqlmodel import col, select

    from medbill_cli.db.models import Fee

    q = select(Fee)
    if code:
        q = q.where(Fee.code == code.strip().upper())
    q = q.order_by(col(Fee.code), col(Fee.modifier), col(Fee.effective))
    return list(session.exec(q).all())


class FeeSchedule:
    """Fee look-ups for many charges, cached: the fee in force for a code on a date of service.

    Core over ``db.tables``: it runs on a session or on charge entry's bare connection.
    """

    def __init__(self, session: Session | Connection) -> None:
        self.session = session
        self._rows: dict[str, list[Any]] = {}

    def _for_code(self, code: str) -> list[Any]:
        if code not in self._rows:
            from sqlalchemy import select

            from medbill_cli.db.tables import fee

            self._rows[code] = list(self.session.execute(
                select(fee.c.modifier, fee.c.effective, fee.c.amount_cents)
                .where(fee.c.code == code).order_by(fee.c.effective.desc())
            ).all())
        return self._rows[code]

    def fee_cents(self, code: str, modifiers: Sequence[str], dos: dt.date) -> int | None:
        """The fee per unit: for the first modifier that has its own fee, else the code's own.

        Returns:
            Cents, or None when the schedule has no fee for the code on that date.
        """
        rows = [r for r in self._for_code(code) if in_force(r.effective, None, dos)]
        for m in [*modifiers, ""]:
            for r in rows:  # newest effective first
                if r.modifier == m:
                    return int(r.amount_cents)
        return None

