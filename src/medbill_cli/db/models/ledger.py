"""The line-item ledger: append-only entries on charge lines, each owed by one party.

A balance is a sum of entries, never a stored total. An entry is never updated or deleted: a
mistake is undone by a ``reversal`` entry that points at it (``reverses_id``). Amounts are
signed integer cents, positive when they add to what is owed to the practice (a charge, a
transfer in, a refund) and negative when they reduce it (a payment, an adjustment, a transfer
out). An entry without a charge line is the patient's unapplied money (credit).

Write-offs (``Adjustment``), refunds and closed periods have their own tables; their entries
point at them through ``source_type`` and ``source_id``.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, Index, SQLModel

from medbill_cli.db.models._base import utcnow


class LedgerEntry(SQLModel, table=True):
    """One posting on one charge line (or the patient's credit), for one party."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_entry_source", "source_type", "source_id"),
        Index("ix_ledger_entry_line_party", "charge_id", "coverage_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    # None: the patient's unapplied money (credit), not on any line.
    charge_id: int | None = Field(default=None, foreign_key="charge.id")
    # The party who owes: a coverage of the patient, or None for the patient.
    coverage_id: int | None = Field(default=None, foreign_key="coverage.id")
    party: str = Field(max_length=10)  # primary|secondary|tertiary|patient
    payer_id: int | None = Field(default=None, foreign_key="payer.id")  # the coverage's payer
    # charge|insurance_payment|contractual|adjustment|transfer|patient_payment|write_off|
    # refund|reversal
    kind: str = Field(max_length=20)
    amount_cents: int
    posted_on: dt.date = Field(index=True)  # the accounting date
    service_date: dt.date | None = None  # the charge line's date of service, for aging
    # era_claim|era_line|charge|payment|adjustment|denial|eob|refund
    source_type: str = Field(max_length=12)
    source_id: int
    reverses_id: int | None = Field(default=None, foreign_key="ledger_entry.id", index=True)
    group_code: str | None = Field(default=None, max_length=2)  # CAS group (CO/PR/OA/PI/CR)
    carc: str | None = Field(default=None, max_length=5)
    created_by: str = Field(default="", max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)


class Adjustment(SQLModel, table=True):
    """A write-off from what one party owes on a charge line or a claim's lines."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    charge_id: int | None = Field(default=None, foreign_key="charge.id")
    claim_id: int | None = Field(default=None, foreign_key="claim.id")
    coverage_id: int | None = Field(default=None, foreign_key="coverage.id")
    party: str = Field(max_length=10)
    amount_cents: int
    # small-balance|courtesy|bad-debt|timely-filing|contractual|other
    reason: str = Field(max_length=20)
    note: str | None = None
    posted_on: dt.date
    status: str = Field(default="posted", max_length=10)  # posted|reversed
    reversed_reason: str | None = None
    reversed_by: str | None = None
    reversed_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None


class Refund(SQLModel, table=True):
    """Money given back to a patient from their credit."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    amount_cents: int
    method: str = Field(max_length=5)  # check|card|eft
    reference: str | None = Field(default=None, max_length=50)
    reason: str | None = None
    posted_on: dt.date
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None


class Period(SQLModel, table=True):
    """A close of the books: no entry may be dated on or before ``through`` once closed."""

    id: int | None = Field(default=None, primary_key=True)
    through: dt.date = Field(unique=True)
    closed_at: dt.datetime = Field(default_factory=utcnow)
    closed_by: str = Field(max_length=100)
