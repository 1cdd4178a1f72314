"""Ledger tests: rows written with Core, the ledger service called directly, and ``sync``,
which posts to the ledger what the first wave's commands wrote (the calls each write path will
make once it is wired to the ledger)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conftest import Db
from sqlalchemy import func, insert, select


@contextmanager
def connection(db: Db) -> Iterator[Any]:
    """One transaction on ``db`` as a Core connection, committed at the end."""
    eng = db.engine()
    try:
        with eng.connect() as c, c.begin():
            yield c
    finally:
        eng.dispose()


def add_payer(c: Any, payer_id: str, name: str | None = None, indicator: str = "CI") -> int:
    from medbill_cli.db import tables as t

    return int(
        c.execute(
            insert(t.payer)
            .values(payer_id=payer_id, name=name or payer_id, filing_indicator=indicator)
            .returning(t.payer.c.id)
        ).scalar_one()
    )


def add_patient(c: Any, account: str) -> int:
    from medbill_cli.db import tables as t

    return int(
        c.execute(
            insert(t.patient)
            .values(
                account=account,
                first_name="Test",
                last_name=account,
                dob=dt.date(1970, 1, 1),
                sex="F",
            )
            .returning(t.patient.c.id)
        ).scalar_one()
    )


def add_coverage(
    c: Any,
    patient_id: int,
    payer_id: int,
    priority: str = "primary",
    effective: dt.date | None = None,
    termination: dt.date | None = None,
) -> int:
    from medbill_cli.db import tables as t

    return int(
        c.execute(
            insert(t.coverage)
            .values(
                patient_id=patient_id,
                payer_id=payer_id,
                priority=priority,
                member_id=f"M{patient_id}",
                effective=effective,
                termination=termination,
            )
            .returning(t.coverage.c.id)
        ).scalar_one()
    )


def add_charge(
    c: Any,
    patient_id: int,
    cents: int,
    dos: dt.date,
    *,
    post: bool = True,
    encounter_id: int | None = None,
) -> int:
    """A charge line (and its encounter); posted to the ledger unless ``post`` is False."""
    from medbill_cli.db import tables as t
    from medbill_cli.services import ledger

    if encounter_id is None:
        encounter_id = int(
            c.execute(
                insert(t.encounter)
                .values(patient_id=patient_id, date_of_service=dos, source="charge")
                .returning(t.encounter.c.id)
            ).scalar_one()
        )
    row = c.execute(
        insert(t.charge)
        .values(
            encounter_id=encounter_id,
            patient_id=patient_id,
            date_of_service=dos,
            code="99213",
            fee_cents=cents,
            amount_cents=cents,
            dx_pointers="1",
            status="unbilled",
        )
        .returning(*t.charge.c)
    ).one()
    if post:
        ledger.post_charge(session=c, user="tester", charge=row)
    return int(row.id)


def add_payment(
    c: Any,
    patient_id: int,
    cents: int,
    day: dt.date,
    *,
    claim_id: int | None = None,
    encounter_id: int | None = None,
    post: bool = True,
) -> int:
    from medbill_cli.db import tables as t
    from medbill_cli.services import ledger

    row = c.execute(
        insert(t.payment)
        .values(
            patient_id=patient_id,
            date=day,
            amount_cents=cents,
            method="cash",
            kind="copay",
            claim_id=claim_id,
            encounter_id=encounter_id,
        )
        .returning(*t.payment.c)
    ).one()
    if post:
        ledger.post_patient_payment(session=c, user="tester", payment=row)
    return int(row.id)


def problems(c: Any) -> list[str]:
    from medbill_cli.services.ledger_check import check_ledger

    return [p.line() for p in check_ledger(session=c)]


# --------------------------------------------------------------------------- sync


def _posted(c: Any, source_type: str) -> set[int]:
    from medbill_cli.db import tables as t

    e = t.ledger_entry
    return set(
        c.execute(select(e.c.source_id).where(e.c.source_type == source_type).distinct()).scalars()
    )


def _reversed(c: Any, source_type: str) -> set[int]:
    from medbill_cli.db import tables as t

    e = t.ledger_entry
    return set(
        c.execute(
            select(e.c.source_id)
            .where(e.c.source_type == source_type, e.c.kind == "reversal")
            .distinct()
        ).scalars()
    )


def sync(db: Db, user: str = "tester") -> None:
    """Post to the ledger every row a first-wave command wrote since the last sync: new
    charges, voids, payments and their reversals, 835 claim payments and reversals, denials
    closed by working them. These are the calls the wired write paths make."""
    from medbill_cli.db import tables as t
    from medbill_cli.services import ledger

    with connection(db) as c:
        posted = _posted(c, "charge")
        new = [r for r in c.execute(select(t.charge).order_by(t.charge.c.id)) if r.id not in posted]
        ledger.post_charges(session=c, user=user, charges=new)
        gone = _reversed(c, "charge")
        for r in c.execute(select(t.charge.c.id).where(t.charge.c.status == "void")):
            if r.id not in gone:
                ledger.void_charge(session=c, user=user, charge_id=r.id)
        paid = _posted(c, "payment")
        back = _reversed(c, "payment")
        for p in list(c.execute(select(t.payment).order_by(t.payment.c.id))):
            if p.id not in paid:
                ledger.post_patient_payment(session=c, user=user, payment=p)
            if p.status == "reversed" and p.id not in back:
                ledger.reverse_payment(session=c, user=user, payment_id=p.id)
        e = t.ledger_entry
        done = set(
            c.execute(
                select(e.c.source_id).where(e.c.source_type == "era_claim").distinct()
            ).scalars()
        )
        done |= set(
            c.execute(
                select(t.era_line.c.era_claim_id).where(
                    t.era_line.c.id.in_(select(e.c.source_id).where(e.c.source_type == "era_line"))
                )
            ).scalars()
        )
        # A posting that writes nothing (a denial held in full) is not posted twice either.
        synced = _SYNCED.setdefault(db.url, set())
        todo = [
            i
            for i in c.execute(
                select(t.era_claim.c.id)
                .where(t.era_claim.c.claim_id.is_not(None))
                .order_by(t.era_claim.c.id)
            ).scalars()
            if i not in done and i not in synced
        ]
        ledger.post_era_claims(session=c, user=user, era_claim_ids=todo)
        synced.update(todo)
        written = _posted(c, "denial")
        for d in c.execute(select(t.denial).where(t.denial.c.status == "closed")):
            last = (d.note or "").split("\n")[-1]
            auto = (
                "closed: the posting was reversed" in last or "closed: the claim was paid" in last
            )
            if not auto and d.id not in written:
                ledger.close_denial(session=c, user=user, denial_id=d.id)


_SYNCED: dict[str, set[int]] = {}


def entry_count(db: Db) -> int:
    from medbill_cli.db import tables as t

    with connection(db) as c:
        return int(c.execute(select(func.count()).select_from(t.ledger_entry)).scalar_one())
