"""secondary claims and crossover

``payer.forwards_claims`` (the payer crosses its claims over to the next payer itself);
``era_claim.coverage_id`` (a later payer's payment on a claim crossed over to it) and
``era_claim.crossover`` (the posting forwarded the claim).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy would drop tables that others point at.
    op.add_column("payer", sa.Column("forwards_claims", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("era_claim", sa.Column("coverage_id", sa.Integer(), nullable=True))
    op.add_column("era_claim", sa.Column("crossover", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    _previous_status_width(10, 16)


def _previous_status_width(old: int, new: int) -> None:
    """era_claim.previous_status holds any claim status (crossed_over is 12 characters).

    PostgreSQL alters the column. SQLite stores text of any length, so only the declared type
    changes, in the schema text (SQLite's documented procedure for a change that leaves the
    stored rows as they are): a batch copy would drop era_claim, which era_line, era_adjustment
    and denial point at.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("era_claim", "previous_status", existing_type=sa.String(length=old),
                        type_=sa.String(length=new), existing_nullable=True)
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        f"UPDATE sqlite_master SET sql = replace(sql, 'previous_status VARCHAR({old})', "
        f"'previous_status VARCHAR({new})') WHERE type = 'table' AND name = 'era_claim'")
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def downgrade() -> None:
    _previous_status_width(16, 10)
    op.drop_column("era_claim", "crossover")
    op.drop_column("era_claim", "coverage_id")
    op.drop_column("payer", "forwards_claims")
