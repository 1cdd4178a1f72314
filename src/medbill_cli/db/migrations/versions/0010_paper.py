"""paper: statement runs and their accounts, collections, payment plans; the practice's
remit-to address and dunning days

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_STR = AutoString
_AT = UTCDateTime

PRACTICE_COLUMNS = (
    ("remit_name", _STR(), None),
    ("remit_address", _STR(), None),
    ("remit_city", _STR(), None),
    ("remit_state", _STR(length=2), None),
    ("remit_zip", _STR(length=9), None),
    ("pay_url", _STR(), None),
    ("dunning_second_days", sa.Integer(), "30"),
    ("dunning_final_days", sa.Integer(), "60"),
    ("dunning_collections_days", sa.Integer(), "90"),
)


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of practice is not needed (nothing changes in place).
    for name, type_, default in PRACTICE_COLUMNS:
        op.add_column("practice", sa.Column(name, type_, nullable=default is None,
                                            server_default=default))
    op.create_table(
        "statement_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("min_balance_cents", sa.Integer(), nullable=False),
        sa.Column("file", _STR(), nullable=True),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column("proposed", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT(), nullable=False),
        sa.Column("created_by", _STR(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "payment_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("monthly_cents", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("balance_cents", sa.Integer(), nullable=False),
        sa.Column("status", _STR(length=10), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_at", _AT(), nullable=False),
        sa.Column("created_by", _STR(length=100), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_plan_patient_id"), ["patient_id"],
                              unique=False)
    op.create_table(
        "statement_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("level", _STR(length=12), nullable=False),
        sa.Column("cycle_start", sa.Date(), nullable=False),
        sa.Column("due_cents", sa.Integer(), nullable=False),
        sa.Column("plan_due_cents", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("current_cents", sa.Integer(), nullable=False),
        sa.Column("days_31_60_cents", sa.Integer(), nullable=False),
        sa.Column("days_61_90_cents", sa.Integer(), nullable=False),
        sa.Column("days_over_90_cents", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["payment_plan.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["statement_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("statement_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_item_patient_id"), ["patient_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_statement_item_run_id"), ["run_id"], unique=False)
    op.create_table(
        "collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", _STR(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("status", _STR(length=10), nullable=False),
        sa.Column("created_at", _AT(), nullable=False),
        sa.Column("created_by", _STR(length=100), nullable=False),
        sa.ForeignKeyConstraint(["adjustment_id"], ["adjustment.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_patient_id"), ["patient_id"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("collection")
    op.drop_table("statement_item")
    op.drop_table("payment_plan")
    op.drop_table("statement_run")
    for name, _, _ in reversed(PRACTICE_COLUMNS):
        op.drop_column("practice", name)
