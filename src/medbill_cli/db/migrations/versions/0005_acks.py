"""acknowledgments: imported TA1/999/277CA/277 files, what each said per claim, 999 errors

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=5), nullable=False),
        sa.Column("sender_id", AutoString(length=15), nullable=False),
        sa.Column("receiver_id", AutoString(length=15), nullable=False),
        sa.Column("isa_control", sa.Integer(), nullable=False),
        sa.Column("group_controls", AutoString(length=200), nullable=False),
        sa.Column("answers_batch_id", sa.Integer(), nullable=True),
        sa.Column("file_hash", AutoString(length=64), nullable=False),
        sa.Column("file_name", AutoString(), nullable=True),
        sa.Column("file_date", sa.Date(), nullable=True),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("unmatched_count", sa.Integer(), nullable=False),
        sa.Column("flagged_count", sa.Integer(), nullable=False),
        sa.Column("summary", AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["answers_batch_id"], ["batch.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_hash"),
        sa.UniqueConstraint("kind", "sender_id", "isa_control"),
    )
    with op.batch_alter_table("ack", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ack_answers_batch_id"), ["answers_batch_id"],
                              unique=False)

    op.create_table(
        "ack_error",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ack_id", sa.Integer(), nullable=False),
        sa.Column("st_control", AutoString(length=9), nullable=False),
        sa.Column("segment_id", AutoString(length=3), nullable=False),
        sa.Column("position", AutoString(length=10), nullable=False),
        sa.Column("loop", AutoString(length=6), nullable=False),
        sa.Column("segment_code", AutoString(length=3), nullable=False),
        sa.Column("element", AutoString(length=12), nullable=False),
        sa.Column("element_ref", AutoString(length=6), nullable=False),
        sa.Column("element_code", AutoString(length=3), nullable=False),
        sa.Column("bad_value", AutoString(), nullable=False),
        sa.Column("message", AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["ack_id"], ["ack.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ack_error", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ack_error_ack_id"), ["ack_id"], unique=False)

    op.create_table(
        "ack_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ack_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("pcn", AutoString(length=38), nullable=False),
        sa.Column("line", AutoString(length=30), nullable=True),
        sa.Column("source", AutoString(length=13), nullable=False),
        sa.Column("category", AutoString(length=3), nullable=False),
        sa.Column("status_code", AutoString(length=8), nullable=False),
        sa.Column("entity_code", AutoString(length=3), nullable=False),
        sa.Column("outcome", AutoString(length=10), nullable=False),
        sa.Column("message", AutoString(), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("payer_claim_number", AutoString(length=50),
                  nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("previous_status", AutoString(length=16), nullable=True),
        sa.Column("new_status", AutoString(length=16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ack_id"], ["ack.id"]),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ack_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ack_claim_ack_id"), ["ack_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ack_claim_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ack_claim_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_ack_claim_pcn"), ["pcn"], unique=False)


def downgrade() -> None:
    for table, indexes in (("ack_claim", ("pcn", "outcome", "claim_id", "ack_id")),
                           ("ack_error", ("ack_id",)), ("ack", ("answers_batch_id",))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for col in indexes:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{col}"))
        op.drop_table(table)
