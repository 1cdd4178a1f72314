"""835 remittances as posted: the payment, each claim's payment, service lines, adjustments
(group, CARC, RARC), provider-level adjustments (PLB) and the denial worklist.

Rows are never deleted: a reversal (CLP02 = 22) posts negative rows and marks the posting it
undoes (``EraClaim.reversed_by_id``).
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel, UniqueConstraint

from medbill_cli.db.models._base import utcnow


class Era(SQLModel, table=True):
    """One 835 transaction set: one payment (BPR) identified by payer and trace (TRN)."""

    __table_args__ = (UniqueConstraint("payer_key", "trace_number"),)

    id: int | None = Field(default=None, primary_key=True)
    payer_key: str = Field(max_length=80)  # TRN03, else the payer's id or name
    trace_number: str = Field(max_length=80)  # TRN02
    payer_id: int | None = Field(default=None, foreign_key="payer.id", index=True)
    payer_name: str = ""
    handling: str = Field(default="", max_length=2)  # BPR01
    method: str = Field(default="", max_length=3)  # BPR04
    total_cents: int = 0  # BPR02, signed
    plb_cents: int = 0
    payment_date: dt.date | None = None  # BPR16
    production_date: dt.date | None = None  # DTM*405
    posted_on: dt.date = Field(index=True)  # the accounting date of the posting
    claim_count: int = 0
    unmatched_count: int = 0
    file_name: str | None = None
    file_hash: str = Field(default="", max_length=64)
    st_control: str = Field(default="", max_length=9)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None


class EraClaim(SQLModel, table=True):
    """A CLP: one claim's payment; ``claim_id`` is None when it matched none of our claims."""

    __tablename__ = "era_claim"

    id: int | None = Field(default=None, primary_key=True)
    era_id: int = Field(foreign_key="era.id", index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    pcn: str = Field(max_length=38, index=True)  # CLP01
    status_code: str = Field(max_length=2)  # CLP02
    # paid|partial|denied|reversal|unmatched|info: what the posting did to the claim
    outcome: str = Field(max_length=10, index=True)
    payer_sequence: int = 0  # 1 primary, 2 secondary, 3 tertiary
    charge_cents: int = 0
    paid_cents: int = 0
    patient_resp_cents: int = 0  # sum of PR adjustments
    payer_claim_number: str = Field(default="", max_length=50)  # CLP07
    member_id: str = Field(default="", max_length=80)  # NM1*QC/IL id, to work unmatched claims
    service_date: dt.date | None = None
    remarks: str = Field(default="", max_length=200)  # MIA/MOA remark codes, space-separated
    unmatched_reason: str | None = None
    previous_status: str | None = Field(default=None, max_length=16)  # Claim.status before
    reverses_id: int | None = Field(default=None, foreign_key="era_claim.id")
    reversed_by_id: int | None = Field(default=None, foreign_key="era_claim.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    # The coverage this payment is from, when not the claim's own: a later payer's 835 for a
    # claim the earlier payer crossed over to it (None: the claim's coverage). A plain id: SQLite
    # cannot add a foreign key to an existing table in place.
    coverage_id: int | None = None
    # The payer forwarded the claim to the next payer (CLP02 19-21, NM1*TT, MA18, or a payer
    # that forwards claims; not MA19): no claim is sent to that payer.
    crossover: bool = False


class EraLine(SQLModel, table=True):
    """An SVC: one service line's payment, matched to our charge through the claim's lines."""

    __tablename__ = "era_line"

    id: int | None = Field(default=None, primary_key=True)
    era_claim_id: int = Field(foreign_key="era_claim.id", index=True)
    seq: int  # order within the CLP
    claim_line_id: int | None = Field(default=None, foreign_key="claim_line.id")
    charge_id: int | None = Field(default=None, foreign_key="charge.id", index=True)
    code: str = Field(default="", max_length=48)
    modifiers: str = Field(default="", max_length=11)
    charge_cents: int = 0
    paid_cents: int = 0
    allowed_cents: int | None = None
    units: str | None = Field(default=None, max_length=15)
    service_date: dt.date | None = None
    remarks: str = Field(default="", max_length=200)  # LQ*HE, space-separated


class EraAdjustment(SQLModel, table=True):
    """One CAS reason: group (CO/PR/OA/PI/CR), CARC, the RARCs beside it, and the amount."""

    __tablename__ = "era_adjustment"

    id: int | None = Field(default=None, primary_key=True)
    era_claim_id: int = Field(foreign_key="era_claim.id", index=True)
    era_line_id: int | None = Field(default=None, foreign_key="era_line.id", index=True)
    group_code: str = Field(max_length=2)
    carc: str = Field(max_length=5)
    rarc: str = Field(default="", max_length=200)
    amount_cents: int
    quantity: str | None = Field(default=None, max_length=15)


class EraPlb(SQLModel, table=True):
    """A provider-level adjustment (PLB): positive amounts were taken from the payment."""

    __tablename__ = "era_plb"

    id: int | None = Field(default=None, primary_key=True)
    era_id: int = Field(foreign_key="era.id", index=True)
    provider_id: str = Field(default="", max_length=50)
    fiscal_date: dt.date | None = None
    reason: str = Field(max_length=2)
    reference: str = Field(default="", max_length=50)
    amount_cents: int


class Denial(SQLModel, table=True):
    """A denied claim or line on the worklist, with its CARC/RARC, payer and amount."""

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    era_claim_id: int = Field(foreign_key="era_claim.id", index=True)
    era_line_id: int | None = Field(default=None, foreign_key="era_line.id")
    charge_id: int | None = Field(default=None, foreign_key="charge.id")
    payer_id: int | None = Field(default=None, foreign_key="payer.id", index=True)
    group_code: str = Field(max_length=2)
    carc: str = Field(max_length=5, index=True)
    rarc: str = Field(default="", max_length=200)
    amount_cents: int
    status: str = Field(default="open", max_length=10, index=True)  # open|worked|closed
    note: str | None = None
    opened_on: dt.date = Field(index=True)
    worked_at: dt.datetime | None = None
    worked_by: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
