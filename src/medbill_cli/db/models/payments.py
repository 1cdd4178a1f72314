"""Patient payments (desk and later).

Apart from charges.py because a payment may point at a claim: charge entry should not have to
load the claim tables.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from medbill_cli.db.models._base import utcnow


class Payment(SQLModel, table=True):
    """Money from a patient: at the desk (copay, coinsurance, prepayment) or later."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    encounter_id: int | None = Field(default=None, foreign_key="encounter.id", index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    date: dt.date = Field(index=True)
    amount_cents: int
    method: str = Field(max_length=5)  # cash|check|card|eft
    kind: str = Field(default="copay", max_length=12)  # copay|coinsurance|prepayment|patient
    reference: str | None = Field(default=None, max_length=50)
    status: str = Field(default="posted", max_length=10)  # posted|reversed
    reversed_reason: str | None = None
    reversed_by: str | None = None
    reversed_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
