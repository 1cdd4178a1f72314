"""Paper claims: CMS-1500 (02/12) PDFs of claims or of an exported batch.

The forms render the very ``ClaimOut`` records the 837P export writes (loaded by the claims
service) and its billing provider (2010AA), other payers (2320/2330: boxes 9, 9a, 9d, 11d, 29)
included, so the paper and the electronic claim cannot disagree.

The file is written beside its target, owner-only, synced, and renamed into place after the
prints are recorded in the audit trail; the command commits right after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError
from medbill_cli.forms.cms1500 import FormHeader, FormPage, render
from medbill_cli.forms.pdf import FormMode, write_pdf
from medbill_cli.inputs import output_file
from medbill_cli.privfile import write_recorded
from medbill_cli.services import audit
from medbill_cli.services.claims import store
from medbill_cli.services.claims.export import bundles
from medbill_cli.services.claims.query import get_batch
from medbill_cli.x12.claim_map import claim_out, interchange

if TYPE_CHECKING:
    from sqlmodel import Session

    from medbill_cli.x12.p837 import BillingProvider, ClaimOut

MAX_OFFSET = 72.0  # points: printer drift beyond an inch is a wrong form, not drift


@dataclass(frozen=True)
class PrintResult:
    path: Path
    claims: int
    pages: int
    total_cents: int


# --------------------------------------------------------------------------- loading

def _load_claim_outs(session: Session, ids: Sequence[int]) -> Iterator[tuple[Any, ClaimOut]]:
    """The same claim view the 837P export writes from (one mapping for both renderings)."""
    for b in bundles(session, ids):
        yield b.claim, claim_out(b)


def _claim_ids(session: Session, claim_ids: Sequence[str], batch_id: int | None) -> list[int]:
    if bool(claim_ids) == (batch_id is not None):
        raise InputError("Give claim ids or --batch, not both and not neither",
                         "For example: medbill claim print 1 2 --output claims.pdf")
    if batch_id is not None:
        batch = get_batch(session=session, batch_id=batch_id)
        rows = session.execute(select(t.claim.c.id).where(t.claim.c.batch_id == batch.id)
                               .order_by(t.claim.c.id))
        return [r.id for r in rows]
    ids: list[int] = []
    for text in claim_ids:
        claim = store.get_claim(session=session, claim_id=text)
        assert claim.id is not None
        if claim.id not in ids:
            ids.append(claim.id)
    return ids


def _pages(session: Session, ids: list[int], header: FormHeader) -> list[FormPage]:
    pages: list[FormPage] = []
    for chunk in chunks(ids):
        pairs: Iterator[tuple[Any, ClaimOut]] = _load_claim_outs(session, list(chunk))
        loaded = {row.id: co for row, co in pairs}
        for claim_id in chunk:
            co = loaded[claim_id]
            if not co.lines:
                raise InputError(f"Claim {claim_id} has no lines",
                                 "There is nothing to print on it")
            pages += render(co, header)
    return pages


def _billing(session: Session) -> tuple[BillingProvider, str | None]:
    practice = store.practice(session)
    billing: BillingProvider = interchange(practice, 0, dt.datetime.now(), "P").billing
    return billing, practice.phone


# --------------------------------------------------------------------------- printing


def print_claims(
    *, session: Session, user: str, output: Path, claim_ids: Sequence[str] = (),
    batch_id: int | None = None, form: FormMode = FormMode.data,
    offset_x: float = 0.0, offset_y: float = 0.0,  # ok-float: points
    signed_on: dt.date | None = None,
) -> PrintResult:
    """Print claims (or every claim of a batch) as CMS-1500 forms in one PDF.

    Args:
        session: the command's session (the caller commits right after this returns).
        user: who prints, for the audit trail.
        output: the PDF to write (owner-only, replaced atomically).
        claim_ids: claim ids or patient control numbers, printed in this order.
        batch_id: instead of ``claim_ids``, every claim of this exported batch.
        form: ``data`` for the preprinted form, ``full`` to draw the form too.
        offset_x: points to move the print right (negative: left).
        offset_y: points to move the print down (negative: up).
        signed_on: box 31's date (default today).

    Returns:
        The file, how many claims and pages it holds, and their total charge.
    """
    for name, value in (("--offset-x", offset_x), ("--offset-y", offset_y)):
        if abs(value) > MAX_OFFSET:
            raise InputError(f"{name} {value:g} is more than {MAX_OFFSET:g} points (an inch)",
                             "Printer drift is a few points; measure it on a test print")
    target = output_file(output.expanduser()).resolve()
    ids = _claim_ids(session, claim_ids, batch_id)
    if not ids:
        raise InputError(f"Batch {batch_id} has no claims", "See medbill claim batch show")
    billing, phone = _billing(session)
    header = FormHeader(billing=billing, signed_on=signed_on or dt.date.today(), phone=phone)
    pages = _pages(session, ids, header)
    data = write_pdf(pages, form=form, offset_x=offset_x, offset_y=offset_y)
    total = sum(p.total_cents for p in pages)
    counts: dict[str, int] = {}
    for p in pages:
        counts[p.pcn] = p.pages
    after = {"form": form.value, "file": target.name, "offset_x": offset_x,
             "offset_y": offset_y}

    def record() -> None:
        audit.record_many(session=session, user=user, entries=[
            ("print", "claim", pcn, None, {**after, "pages": n}) for pcn, n in counts.items()])

    write_recorded(target, data, record)
    return PrintResult(path=target, claims=len(counts), pages=len(pages), total_cents=total)
