"""Fee schedule, encounters (encounter forms) and charges. Payments are in payments.py."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel, UniqueConstraint

from medbill_cli.db.models._base import utcnow


class Fee(SQLModel, table=True):
    """A fee schedule entry: the amount per unit of a code (and modifier) from a date on."""

    __table_args__ = (UniqueConstraint("code", "modifier", "effective"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=5, index=True)
    modifier: str = Field(default="", max_length=2)
    amount_cents: int
    effective: dt.date = Field(default=dt.date(1900, 1, 1))
    created_at: dt.datetime = Field(default_factory=utcnow)


class Encounter(SQLModel, table=True):
    """A visit and its encounter form (superbill), with the form's own totals."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    date_of_service: dt.date = Field(index=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id")
    facility_id: int | None = Field(default=None, foreign_key="facility.id")
    pos: str = Field(default="11", max_length=2)
    form_number: str | None = Field(default=None, max_length=30)
    form_charges_cents: int | None = None
    form_collected_cents: int | None = None
    # "form": entered from the encounter form by the front desk;
    # "charge": opened by charge entry (no encounter form behind it).
    source: str = Field(default="form", max_length=10)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
    # What the claim carries for this visit (837P 2310A, DTP*431/439, CLM11).
    referring_npi: str | None = Field(default=None, max_length=10)
    referring_name: str | None = Field(default=None, max_length=60)  # LAST, FIRST
    onset_date: dt.date | None = None
    accident: str | None = Field(default=None, max_length=10)  # auto|employment|other
    accident_date: dt.date | None = None
    accident_state: str | None = Field(default=None, max_length=2)
    # 837P 2310D: the physician who supervised the rendering provider (NPI and LAST, FIRST).
    supervising_npi: str | None = Field(default=None, max_length=10)
    supervising_name: str | None = Field(default=None, max_length=60)


class EncounterDiagnosis(SQLModel, table=True):
    """The encounter's diagnoses in order (837P HI, CMS-1500 box 21 A-L), at most 12."""

    __tablename__ = "encounter_diagnosis"
    __table_args__ = (
        UniqueConstraint("encounter_id", "seq"),
        UniqueConstraint("encounter_id", "code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    seq: int  # 1..12
    code: str = Field(max_length=8)


class Charge(SQLModel, table=True):
    """A service line. ``fee_cents`` is per unit; ``amount_cents`` = fee x units."""

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    date_of_service: dt.date = Field(index=True)
    code: str = Field(max_length=5)
    modifiers: str = Field(default="", max_length=11)  # space-separated, up to 4
    units: int = 1
    fee_cents: int
    amount_cents: int
    dx_pointers: str = Field(max_length=11)  # space-separated 1-based, up to 4
    provider_id: int | None = Field(default=None, foreign_key="provider.id")
    pos: str = Field(default="11", max_length=2)
    ndc: str | None = Field(default=None, max_length=11)
    ndc_unit: str | None = Field(default=None, max_length=2)  # F2, GR, ME, ML, UN
    ndc_quantity: str | None = Field(default=None, max_length=15)
    status: str = Field(default="unbilled", max_length=10, index=True)  # unbilled|billed|void
    void_reason: str | None = None
    voided_by: str | None = None
    voided_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
    # 837P 2420E: who ordered the service, when not the rendering provider (NPI, LAST, FIRST).
    ordering_npi: str | None = Field(default=None, max_length=10)
    ordering_name: str | None = Field(default=None, max_length=60)
