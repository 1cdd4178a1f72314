"""claim status: room for the second wave's statuses (crossed_over, rebuilt)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claim") as batch:
        batch.alter_column("status", existing_type=sa.String(length=10), type_=sa.String(length=16),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("claim") as batch:
        batch.alter_column("status", existing_type=sa.String(length=16), type_=sa.String(length=10),
                           existing_nullable=False)
