"""The practice, its providers, facilities and payers; patients, coverages and history."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel, UniqueConstraint

from medbill_cli.db.models._base import utcnow


class Practice(SQLModel, table=True):
    """The billing provider (837P loop 2010AA) and the EDI settings for 1000A/1000B."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    npi: str = Field(max_length=10)
    tin: str = Field(max_length=9)
    taxonomy: str | None = Field(default=None, max_length=10)
    address: str
    address2: str | None = None
    city: str
    state: str = Field(max_length=2)
    zip: str = Field(max_length=9)
    phone: str | None = Field(default=None, max_length=10)
    # Interchange settings (ISA/GS, 1000A submitter, 1000B receiver).
    submitter_id: str | None = None
    submitter_name: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = Field(default=None, max_length=10)
    contact_email: str | None = None
    receiver_id: str | None = None
    receiver_name: str | None = None
    # Patient statements: where payments are mailed (default the address above), how to pay,
    # and the dunning cycle's days from the first statement.
    remit_name: str | None = None
    remit_address: str | None = None
    remit_city: str | None = None
    remit_state: str | None = Field(default=None, max_length=2)
    remit_zip: str | None = Field(default=None, max_length=9)
    pay_url: str | None = None
    dunning_second_days: int = 30
    dunning_final_days: int = 60
    dunning_collections_days: int = 90
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Provider(SQLModel, table=True):
    """A rendering provider: an individual with a type-1 NPI."""

    id: int | None = Field(default=None, primary_key=True)
    npi: str = Field(max_length=10, unique=True, index=True)
    first_name: str
    last_name: str
    middle_name: str | None = None
    credential: str | None = None
    taxonomy: str | None = Field(default=None, max_length=10)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)


class Facility(SQLModel, table=True):
    """A service location (837P loop 2310C) with its default place of service."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    npi: str | None = Field(default=None, max_length=10)
    address: str
    city: str
    state: str = Field(max_length=2)
    zip: str = Field(max_length=9)
    pos: str = Field(default="11", max_length=2)
    created_at: dt.datetime = Field(default_factory=utcnow)


class Payer(SQLModel, table=True):
    """An insurer (837P loop 2010BB). ``payer_id`` is the EDI payer id."""

    id: int | None = Field(default=None, primary_key=True)
    payer_id: str = Field(max_length=80, unique=True, index=True)
    name: str
    filing_indicator: str = Field(default="CI", max_length=2)  # 837P SBR09
    timely_filing_days: int = 365
    address: str | None = None
    city: str | None = None
    state: str | None = Field(default=None, max_length=2)
    zip: str | None = Field(default=None, max_length=9)
    created_at: dt.datetime = Field(default_factory=utcnow)
    # The practice accepts assignment with this payer (participates): 837P CLM07 A, else C;
    # CMS-1500 box 27.
    accept_assignment: bool = True
    # The payer forwards its adjudicated claims to the next payer itself (a crossover, e.g. a
    # Medicare contractor with the secondary's COBA agreement): its 835 counts as crossed over.
    forwards_claims: bool = False


class Patient(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account: str | None = Field(default=None, max_length=20, unique=True, index=True)
    first_name: str = Field(index=True)
    last_name: str = Field(index=True)
    middle_name: str | None = None
    dob: dt.date = Field(index=True)
    sex: str = Field(max_length=1)
    address: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = Field(default=None, max_length=2)
    zip: str | None = Field(default=None, max_length=9)
    phone: str | None = Field(default=None, max_length=10)
    email: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    # 837P CLM09 / CMS-1500 box 12: Y a signed release is on file, I informed consent only.
    release_of_info: str = Field(default="Y", max_length=1)
    signature_date: dt.date | None = None  # when the patient signed it (box 12 date)


class Coverage(SQLModel, table=True):
    """A patient's insurance: payer, priority, member id, and the subscriber when not self."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    payer_id: int = Field(foreign_key="payer.id", index=True)
    priority: str = Field(default="primary", max_length=10)  # primary|secondary|tertiary
    member_id: str = Field(max_length=80, index=True)
    group_number: str | None = Field(default=None, max_length=50)
    relationship: str = Field(default="self", max_length=10)  # self|spouse|child|other
    subscriber_first_name: str | None = None
    subscriber_last_name: str | None = None
    subscriber_middle_name: str | None = None
    subscriber_dob: dt.date | None = None
    subscriber_sex: str | None = Field(default=None, max_length=1)
    effective: dt.date | None = None
    termination: dt.date | None = None
    copay_cents: int | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    # The insured assigned this plan's benefits to the provider: 837P CLM08 Y/N, box 13.
    benefits_assigned: bool = True
    # 837P 2000B SBR05 when Medicare is a secondary payer: why Medicare is not primary (12, 13..).
    insurance_type: str | None = Field(default=None, max_length=2)


class HistoryEntry(SQLModel, table=True):
    """Medical history: a condition (ICD-10-CM), an allergy, or a note."""

    __tablename__ = "history_entry"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    kind: str = Field(max_length=10)  # condition|allergy|note
    code: str | None = Field(default=None, max_length=8)
    onset: dt.date | None = None
    status: str | None = Field(default=None, max_length=10)  # active|resolved
    text: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Every write to billing data: who, when, what, before and after.

    ``hash`` is SHA-256 over the previous row's hash and this row's fields, so that an
    edited, removed or reordered row breaks the chain (``medbill audit verify``).
    """

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    user: str = Field(max_length=100)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40, index=True)
    entity_id: str = Field(max_length=40, index=True)
    before: str | None = None  # JSON
    after: str | None = None  # JSON
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class Setting(SQLModel, table=True):
    """Small key/value settings and counters (e.g. interchange control numbers)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str


__all__ = [
    "AuditLog",
    "Coverage",
    "Facility",
    "HistoryEntry",
    "Patient",
    "Payer",
    "Practice",
    "Provider",
    "Setting",
    "UniqueConstraint",
]
