"""secondary claims and crossover

``payer.forwards_claims`` (the payer crosses its claims over to the next payer itself);
``era_claim.coverage_id`` (a later payer's payment on a claim crossed over to it) and
``era_claim.crossover`` (the posting forwarded the claim).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy would drop tables that others point at.
    op.add_column("payer", sa.Column("forwards_claims", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("era_claim", sa.Column("coverage_id", sa.Integer(), nullable=True))
    op.add_column("era_claim", sa.Column("crossover", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("era_claim", "crossover")
    op.drop_column("era_claim", "coverage_id")
    op.drop_column("payer", "forwards_claims")
