"""Claims, their lines and scrub findings, and exported batches."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel, UniqueConstraint

from medbill_cli.db.models._base import utcnow


class Claim(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pcn: str = Field(max_length=20, unique=True, index=True)  # CLM01, patient control number
    patient_id: int = Field(foreign_key="patient.id", index=True)
    coverage_id: int | None = Field(default=None, foreign_key="coverage.id")
    payer_id: int | None = Field(default=None, foreign_key="payer.id", index=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id")  # rendering
    facility_id: int | None = Field(default=None, foreign_key="facility.id")
    pos: str = Field(default="11", max_length=2)
    status: str = Field(
        default="draft", max_length=16, index=True
    )  # medbill_cli.status.ClaimStatus
    frequency: str = Field(default="1", max_length=1)  # CLM05-3: 1 original, 7 replace, 8 void
    original_claim_id: int | None = Field(default=None, foreign_key="claim.id")
    payer_claim_number: str | None = Field(default=None, max_length=50)  # REF*F8
    total_cents: int = 0
    # The claim's diagnoses in HI order (space-separated ICD-10-CM codes, at most 12); the
    # lines' pointers index this list.
    diagnoses: str = Field(default="", max_length=120)
    first_dos: dt.date | None = None
    last_dos: dt.date | None = None
    batch_id: int | None = Field(default=None, foreign_key="batch.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
    submitted_at: dt.datetime | None = None


class ClaimLine(SQLModel, table=True):
    __tablename__ = "claim_line"
    __table_args__ = (UniqueConstraint("claim_id", "line_number"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    line_number: int
    charge_id: int = Field(foreign_key="charge.id", index=True)
    dx_pointers: str = Field(default="", max_length=11)  # 1-based into Claim.diagnoses


class ClaimFinding(SQLModel, table=True):
    """What a scrub found on a claim: edit id, severity, line, message, how to fix."""

    __tablename__ = "claim_finding"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    edit: str = Field(max_length=40)
    severity: str = Field(max_length=7)  # error|warning
    line: int | None = None
    message: str
    fix: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class Batch(SQLModel, table=True):
    """An exported claim batch: control numbers, the file's hash, and the file itself."""

    id: int | None = Field(default=None, primary_key=True)
    format: str = Field(max_length=5)  # x12|json|csv
    isa_control: int | None = Field(default=None, unique=True)
    gs_control: int | None = None
    st_control: int | None = None
    file_hash: str = Field(max_length=64)  # SHA-256 of the file as written
    # The file's bytes, zlib-compressed (content_encoding), so that it can be re-created.
    content: bytes | None = None
    content_encoding: str = Field(default="zlib", max_length=10)
    size: int = 0
    file_name: str | None = None
    claim_count: int = 0
    total_cents: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
