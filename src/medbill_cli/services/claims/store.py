"""Loading claims and the rows around them as frozen records, and the claim counters.

Everything here reads with SQLAlchemy Core over ``db.tables`` in chunks (``db.query.chunks``),
so ten thousand claims cost a few dozen queries and no ORM objects.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, select, update
from sqlalchemy.engine import Row
from sqlmodel import Session

from medbill_cli.db import tables as t
from medbill_cli.db.query import chunks
from medbill_cli.errors import NotFoundError
from medbill_cli.services.claims.plan import BilledService
from medbill_cli.status import ClaimStatus
from medbill_cli.x12.claim_map import (
    ClaimRecord,
    CoverageRecord,
    FacilityRecord,
    LineRecord,
    PatientRecord,
    PayerRecord,
    PracticeRecord,
    ProviderRecord,
    VisitRecord,
)

R = TypeVar("R")


class _Keyed(Protocol):
    @property
    def id(self) -> int: ...


K = TypeVar("K", bound=_Keyed)

def pcn(seq: int) -> str:
    """The patient control number (CLM01) of claim counter value ``seq``."""
    return f"C{seq:08d}"


# --------------------------------------------------------------------------- records


def _columns(table: Table, cls: type[Any]) -> list[Any]:
    return [table.c[f.name] for f in dataclasses.fields(cls)]


def _claim(row: Row[Any]) -> ClaimRecord:
    values = row._asdict()
    values["status"] = ClaimStatus(values["status"])
    return ClaimRecord(**values)


def _load(session: Session, table: Table, cls: type[R], where: Any,
          make: Callable[[Row[Any]], R] | None = None) -> list[R]:
    ctor = cast(Callable[..., R], cls)
    build = make or (lambda row: ctor(*row))
    return [build(row) for row in session.execute(select(*_columns(table, cls)).where(where))]


def _by_id(session: Session, table: Table, cls: type[K], ids: Iterable[int | None]) -> dict[int, K]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, K] = {}
    for part in chunks(wanted):
        for rec in _load(session, table, cls, table.c.id.in_(part)):
            out[rec.id] = rec
    return out


def claims_by_ids(session: Session, ids: Sequence[int]) -> list[ClaimRecord]:
    out: list[ClaimRecord] = []
    for part in chunks(sorted(set(ids))):
        out.extend(_load(session, t.claim, ClaimRecord, t.claim.c.id.in_(part), _claim))
    return sorted(out, key=lambda c: c.id)


def claims_where(session: Session, where: Any, *, limit: int | None = None) -> list[ClaimRecord]:
    q = select(*_columns(t.claim, ClaimRecord)).where(where).order_by(t.claim.c.id)
    if limit:
        q = q.limit(limit)
    return [_claim(row) for row in session.execute(q)]


def claim_record(session: Session, claim_id: int) -> ClaimRecord:
    found = claims_by_ids(session, [claim_id])
    if not found:
        raise NotFoundError(f"No claim {claim_id}", "See medbill claim list")
    return found[0]


def get_claim(*, session: Session, claim_id: str | int, field: str = "Claim id") -> ClaimRecord:
    """A claim by id or by patient control number (``inputs.claim_ref``)."""
    from medbill_cli.inputs import claim_ref

    ref = claim_ref(claim_id, field=field)
    c = t.claim.c
    found = claims_where(session, c.id == ref if isinstance(ref, int) else c.pcn == ref)
    if not found:
        raise NotFoundError(f"No claim {claim_id}", "See medbill claim list")
    return found[0]


def load_lines(session: Session, claim_ids: Sequence[int]) -> dict[int, list[LineRecord]]:
    """Each claim's lines with their charges, in line order."""
    cl, ch = t.claim_line.c, t.charge.c
    cols = [cl.claim_id, cl.line_number, cl.charge_id, cl.dx_pointers, ch.code, ch.modifiers,
            ch.units, ch.amount_cents, ch.date_of_service, ch.patient_id, ch.pos, ch.ndc,
            ch.ndc_unit, ch.ndc_quantity, cl.id, ch.ordering_npi, ch.ordering_name]
    out: dict[int, list[LineRecord]] = defaultdict(list)
    for part in chunks(sorted(set(claim_ids))):
        q = (select(*cols).select_from(t.claim_line.join(t.charge, ch.id == cl.charge_id))
             .where(cl.claim_id.in_(part)).order_by(cl.claim_id, cl.line_number))
        for row in session.execute(q):
            out[row.claim_id].append(LineRecord(*row))
    return out


def patients(session: Session, ids: Iterable[int | None]) -> dict[int, PatientRecord]:
    return _by_id(session, t.patient, PatientRecord, ids)


def coverages(session: Session, ids: Iterable[int | None]) -> dict[int, CoverageRecord]:
    return _by_id(session, t.coverage, CoverageRecord, ids)


def coverages_of(session: Session, patient_ids: Sequence[int]) -> dict[int, list[CoverageRecord]]:
    """Every coverage of each patient."""
    out: dict[int, list[CoverageRecord]] = defaultdict(list)
    for part in chunks(sorted(set(patient_ids))):
        for cv in _load(session, t.coverage, CoverageRecord, t.coverage.c.patient_id.in_(part)):
            out[cv.patient_id].append(cv)
    return out


def payers(session: Session, ids: Iterable[int | None]) -> dict[int, PayerRecord]:
    return _by_id(session, t.payer, PayerRecord, ids)


def providers(session: Session, ids: Iterable[int | None]) -> dict[int, ProviderRecord]:
    return _by_id(session, t.provider, ProviderRecord, ids)


def facilities(session: Session, ids: Iterable[int | None]) -> dict[int, FacilityRecord]:
    return _by_id(session, t.facility, FacilityRecord, ids)


def visit_columns() -> list[Any]:
    """The encounter's columns that make ``VisitRecord`` (in its field order)."""
    return [t.encounter.c[f.name] for f in dataclasses.fields(VisitRecord)]


def visits(session: Session, claim_ids: Sequence[int]) -> dict[int, VisitRecord]:
    """Each claim's visit fields, from the encounter of its first line (claim generate puts
    only visits with the same fields on one claim)."""
    cl, ch, e = t.claim_line.c, t.charge.c, t.encounter.c
    out: dict[int, VisitRecord] = {}
    for part in chunks(sorted(set(claim_ids))):
        q = (select(cl.claim_id, *visit_columns())
             .select_from(t.claim_line.join(t.charge, ch.id == cl.charge_id)
                          .join(t.encounter, e.id == ch.encounter_id))
             .where(cl.claim_id.in_(part), cl.line_number == 1))
        for claim_id, *fields in session.execute(q):
            out[claim_id] = VisitRecord(*fields)
    return out


def practice(session: Session) -> PracticeRecord:
    """The practice, or the error that says to set it up."""
    from medbill_cli.services.registration import require_practice

    require_practice(session=session)
    row = session.execute(select(*_columns(t.practice, PracticeRecord)).limit(1)).one()
    return PracticeRecord(*row)


def patient_id_of(session: Session, account: str) -> int:
    pid = session.execute(select(t.patient.c.id)
                          .where(t.patient.c.account == account.strip().upper())).scalar()
    if pid is None:
        raise NotFoundError(f"No patient with account {account}",
                            "Find it with medbill patient search")
    return int(pid)


def payer_id_of(session: Session, payer: str) -> int:
    pid = session.execute(select(t.payer.c.id).where(t.payer.c.payer_id == payer)).scalar()
    if pid is None:
        raise NotFoundError(f"No payer {payer}", "See medbill payer list")
    return int(pid)


def set_status(session: Session, ids: Sequence[int], status: ClaimStatus,
               **values: Any) -> None:
    """Write a status the caller has checked (``status.check_transition``) to many claims."""
    for part in chunks(list(ids)):
        session.execute(update(t.claim).where(t.claim.c.id.in_(part))
                        .values(status=status.value, **values))


def billed_services(session: Session, patient_ids: Sequence[int]) -> list[BilledService]:
    """The services on live claims (not closed, not a void) of these patients."""
    c, cl, ch = t.claim.c, t.claim_line.c, t.charge.c
    out: list[BilledService] = []
    joined = t.claim.join(t.claim_line, cl.claim_id == c.id).join(t.charge, ch.id == cl.charge_id)
    for part in chunks(sorted(set(patient_ids))):
        q = (select(c.id, c.pcn, ch.id, ch.patient_id, ch.code, ch.date_of_service, ch.modifiers)
             .select_from(joined)
             .where(ch.patient_id.in_(part), c.status != ClaimStatus.CLOSED.value,
                    c.frequency != "8"))
        out.extend(BilledService(*row) for row in session.execute(q))
    return out
