"""ledger: line-item entries, write-offs, refunds and closed periods

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_STR = AutoString
_AT = UTCDateTime


def upgrade() -> None:
    op.create_table(
        "period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("closed_at", _AT(), nullable=False),
        sa.Column("closed_by", _STR(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("through"),
    )
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("method", _STR(length=5), nullable=False),
        sa.Column("reference", _STR(length=50), nullable=True),
        sa.Column("reason", _STR(), nullable=True),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("created_at", _AT(), nullable=False),
        sa.Column("created_by", _STR(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_patient_id"), ["patient_id"], unique=False)
    op.create_table(
        "adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("coverage_id", sa.Integer(), nullable=True),
        sa.Column("party", _STR(length=10), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", _STR(length=20), nullable=False),
        sa.Column("note", _STR(), nullable=True),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("status", _STR(length=10), nullable=False),
        sa.Column("reversed_reason", _STR(), nullable=True),
        sa.Column("reversed_by", _STR(), nullable=True),
        sa.Column("reversed_at", _AT(), nullable=True),
        sa.Column("created_at", _AT(), nullable=False),
        sa.Column("created_by", _STR(), nullable=True),
        sa.ForeignKeyConstraint(["charge_id"], ["charge.id"]),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["coverage_id"], ["coverage.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("adjustment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adjustment_patient_id"), ["patient_id"],
                              unique=False)
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=True),
        sa.Column("coverage_id", sa.Integer(), nullable=True),
        sa.Column("party", _STR(length=10), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=True),
        sa.Column("kind", _STR(length=20), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("source_type", _STR(length=12), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("group_code", _STR(length=2), nullable=True),
        sa.Column("carc", _STR(length=5), nullable=True),
        sa.Column("created_by", _STR(length=100), nullable=False),
        sa.Column("created_at", _AT(), nullable=False),
        sa.ForeignKeyConstraint(["charge_id"], ["charge.id"]),
        sa.ForeignKeyConstraint(["coverage_id"], ["coverage.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["payer_id"], ["payer.id"]),
        sa.ForeignKeyConstraint(["reverses_id"], ["ledger_entry.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entry_line_party", ["charge_id", "coverage_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_patient_id"), ["patient_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_posted_on"), ["posted_on"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_reverses_id"), ["reverses_id"],
                              unique=False)
        batch_op.create_index("ix_ledger_entry_source", ["source_type", "source_id"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("ledger_entry")
    op.drop_table("adjustment")
    op.drop_table("refund")
    op.drop_table("period")
