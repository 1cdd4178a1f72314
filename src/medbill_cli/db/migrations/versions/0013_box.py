"""Medicare secondary payer type

``coverage.insurance_type``: the 837P 2000B SBR05 code (12 working aged, 13 ESRD, ...) sent when
Medicare is billed as a secondary payer.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy would drop tables that others point at.
    op.add_column("coverage", sa.Column("insurance_type", sa.String(length=2), nullable=True))


def downgrade() -> None:
    op.drop_column("coverage", "insurance_type")
