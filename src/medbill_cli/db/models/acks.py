"""Acknowledgments as imported: each file (TA1, 999, 277CA, 277), what it said of each claim
and line, and the 999's segment and element errors.

Rows are never changed after the import; a claim's story is read from them in order.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel, UniqueConstraint

from medbill_cli.db.models._base import utcnow


class Ack(SQLModel, table=True):
    """One imported file, identified by its sender and interchange control number and its hash."""

    __table_args__ = (UniqueConstraint("kind", "sender_id", "isa_control"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=5)  # TA1, 999, 277CA, 277
    sender_id: str = Field(default="", max_length=15)  # ISA06
    receiver_id: str = Field(default="", max_length=15)  # ISA08
    isa_control: int  # ISA13
    group_controls: str = Field(default="", max_length=200)  # GS06 of each group, space-separated
    answers_batch_id: int | None = Field(default=None, foreign_key="batch.id", index=True)
    file_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the file
    file_name: str | None = None
    file_date: dt.date | None = None  # ISA09
    claim_count: int = 0
    accepted_count: int = 0
    rejected_count: int = 0
    unmatched_count: int = 0
    flagged_count: int = 0
    summary: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None


class AckClaim(SQLModel, table=True):
    """What one acknowledgment said of one claim (``line`` None) or one of its lines."""

    __tablename__ = "ack_claim"

    id: int | None = Field(default=None, primary_key=True)
    ack_id: int = Field(foreign_key="ack.id", index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    pcn: str = Field(max_length=38, index=True)  # CLM01 as echoed (TRN02), or ours
    line: str | None = Field(default=None, max_length=30)  # REF*FJ line ref; None: the claim
    source: str = Field(max_length=13)  # ta1, 999, clearinghouse, payer
    category: str = Field(default="", max_length=3)  # STC01-1, IK501, TA104
    status_code: str = Field(default="", max_length=8)  # STC01-2, IK502, TA105
    entity_code: str = Field(default="", max_length=3)  # STC01-3
    # accepted|rejected|not_found|forwarded|pending|info|unknown|unmatched
    outcome: str = Field(max_length=10, index=True)
    message: str = ""  # the codes in words
    status_date: dt.date | None = None  # STC02
    payer_claim_number: str = Field(default="", max_length=50)  # REF*1K
    flagged: bool = False  # a category the transaction does not allow: shown, not acted on
    previous_status: str | None = Field(default=None, max_length=16)  # Claim.status before
    new_status: str | None = Field(default=None, max_length=16)  # Claim.status after
    created_at: dt.datetime = Field(default_factory=utcnow)


class AckError(SQLModel, table=True):
    """A 999 IK3 segment error (with one of its IK4 element errors, when it has any)."""

    __tablename__ = "ack_error"

    id: int | None = Field(default=None, primary_key=True)
    ack_id: int = Field(foreign_key="ack.id", index=True)
    st_control: str = Field(default="", max_length=9)  # AK202
    segment_id: str = Field(default="", max_length=3)  # IK301
    position: str = Field(default="", max_length=10)  # IK302
    loop: str = Field(default="", max_length=6)  # IK303
    segment_code: str = Field(default="", max_length=3)  # IK304
    element: str = Field(default="", max_length=12)  # IK401 position[:component]
    element_ref: str = Field(default="", max_length=6)  # IK402
    element_code: str = Field(default="", max_length=3)  # IK403
    bad_value: str = ""  # IK404
    message: str = ""  # the codes in words
