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


def entry_count(db: Db) -> int:
    from medbill_cli.db import tables as t

    with connection(db) as c:
        return int(c.execute(select(func.count()).select_from(t.ledger_entry)).scalar_one())
