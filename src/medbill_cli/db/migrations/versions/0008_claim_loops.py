"""claim loops: what a visit's claim carries (referring provider, onset, accident)

837P 2310A (NM1*DN), DTP*431 onset, CLM11 related causes with DTP*439 and the accident's
state, recorded on the encounter.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("referring_npi", AutoString(length=10)),
    ("referring_name", AutoString(length=60)),
    ("onset_date", sa.Date()),
    ("accident", AutoString(length=10)),
    ("accident_date", sa.Date()),
    ("accident_state", AutoString(length=2)),
)


def upgrade() -> None:
    # Plain ADD/DROP COLUMN (SQLite 3.35+ has both): a batch copy of encounter would drop a
    # table that charges and claims point at.
    for name, type_ in COLUMNS:
        op.add_column("encounter", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("encounter", name)
