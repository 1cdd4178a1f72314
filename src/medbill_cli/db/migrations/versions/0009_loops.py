"""loops: supervising and ordering providers, and where CLM07-09 come from

837P 2310D (NM1*DQ) on the encounter, 2420E (NM1*DK) on the charge; CLM07 from the payer
(the practice accepts assignment with it), CLM08 from the coverage (benefits assigned),
CLM09 and the CMS-1500 box 12 date from the patient. Existing rows take the values the
claims carried until now (A, Y, Y).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS: dict[str, tuple[sa.Column[object], ...]] = {
    "encounter": (sa.Column("supervising_npi", AutoString(length=10), nullable=True),
                  sa.Column("supervising_name", AutoString(length=60), nullable=True)),
    "charge": (sa.Column("ordering_npi", AutoString(length=10), nullable=True),
               sa.Column("ordering_name", AutoString(length=60), nullable=True)),
    "payer": (sa.Column("accept_assignment", sa.Boolean(), nullable=False,
                        server_default=sa.true()),),
    "patient": (sa.Column("release_of_info", AutoString(length=1), nullable=False,
                          server_default="Y"),
                sa.Column("signature_date", sa.Date(), nullable=True)),
    "coverage": (sa.Column("benefits_assigned", sa.Boolean(), nullable=False,
                           server_default=sa.true()),),
}


def upgrade() -> None:
    # Plain ADD/DROP COLUMN, as 0008: a batch copy would drop tables that others point at.
    for table, cols in COLUMNS.items():
        for col in cols:
            op.add_column(table, col)


def downgrade() -> None:
    for table, cols in reversed(COLUMNS.items()):
        for col in reversed(cols):
            op.drop_column(table, col.name)
