"""acknowledgments: imported TA1/999/277CA/277 files, what each said per claim, 999 errors

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("sender_id", sqlmodel.sql.sqltypes.AutoString(length=15), nullable=False),
        sa.Column("receiver_id", sqlmodel.sql.sqltypes.AutoString(length=15), nullable=False),
        sa.Column("isa_control", sa.Integer(), nullable=False),
        sa.Column("group_controls", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("answers_batch_id", sa.Integer(), nullable=True),
        sa.Column("file_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("file_date", sa.Date(), nullable=True),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("unmatched_count", sa.Integer(), nullable=False),
        sa.Column("flagged_count", sa.Integer(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
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
        sa.Column("st_control", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("segment_id", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("position", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("loop", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("segment_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("element", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("element_ref", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("element_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("bad_value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
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
        sa.Column("pcn", sqlmodel.sql.sqltypes.AutoString(length=38), nullable=False),
        sa.Column("line", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("status_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("entity_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("payer_claim_number", sqlmodel.sql.sqltypes.AutoString(length=50),
                  nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("previous_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("new_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
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
