"""Eligibility inquiries (270) and answers (271); prior authorizations, referrals, and the codes a
payer wants authorized."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel, UniqueConstraint

from medbill_cli.db.models._base import utcnow


class EligibilityRequest(SQLModel, table=True):
    """One person asked about in a 270; ``trace`` (TRN02) comes back in the 271."""

    __tablename__ = "eligibility_request"

    id: int | None = Field(default=None, primary_key=True)
    trace: str = Field(max_length=30, unique=True, index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    coverage_id: int = Field(foreign_key="coverage.id")
    payer_id: int = Field(foreign_key="payer.id")
    date_of_service: dt.date = Field(index=True)
    service_types: str = Field(default="30", max_length=40)  # space-separated EQ01 codes
    dependent: bool = False  # sent in loop 2000D (the patient has no member id of their own)
    isa_control: int  # the 270 interchange it went out in
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None


class EligibilityResponse(SQLModel, table=True):
    """One answer of a 271, matched to its request (or kept unmatched), with the biller's summary
    computed at import (JSON in ``summary``)."""

    __tablename__ = "eligibility_response"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="eligibility_request.id", index=True)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    coverage_id: int | None = Field(default=None, foreign_key="coverage.id")
    matched_by: str | None = Field(default=None, max_length=10)  # trace|member; None: unmatched
    trace: str | None = Field(default=None, max_length=30)
    payer_code: str | None = Field(default=None, max_length=80)
    member_id: str | None = Field(default=None, max_length=80)
    last_name: str | None = None
    first_name: str | None = None
    dob: dt.date | None = None
    on_date: dt.date  # the date the answer speaks for
    status: str = Field(max_length=10)  # active|inactive|rejected|unknown
    plan_name: str | None = None
    copay_cents: int | None = None  # office visit, in network
    summary: str  # JSON
    file_hash: str = Field(max_length=64, index=True)
    isa_control: str | None = Field(default=None, max_length=9)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None


class PriorAuth(SQLModel, table=True):
    """A prior authorization (kind ``auth``: a payer's number, 837P REF*G1) or a referral
    (kind ``referral``: a referring provider's number, REF*9F) for a patient and date range.

    Visits and units used are not stored: they are counted from the patient's live charges, so a
    voided charge gives its visit back.
    """

    __tablename__ = "prior_auth"
    __table_args__ = (UniqueConstraint("kind", "patient_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # auth|referral
    patient_id: int = Field(foreign_key="patient.id", index=True)
    payer_id: int | None = Field(default=None, foreign_key="payer.id")
    provider_npi: str | None = Field(default=None, max_length=10)  # the referring provider
    number: str = Field(max_length=50)
    start: dt.date
    end: dt.date
    visits: int | None = None
    units: int | None = None
    codes: str = Field(default="", max_length=200)  # space-separated CPT/HCPCS; empty: any
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None


class AuthCode(SQLModel, table=True):
    """A procedure code that a payer wants authorized before it is billed."""

    __tablename__ = "auth_code"
    __table_args__ = (UniqueConstraint("payer_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    payer_id: int = Field(foreign_key="payer.id", index=True)
    code: str = Field(max_length=5)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
