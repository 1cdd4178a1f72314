"""ledger entries are append-only in the database itself

Triggers refuse UPDATE and DELETE on ``ledger_entry`` (and TRUNCATE on PostgreSQL): money
moves only by appending entries (a correction is a reversal), so a row changed by hand, by a
script or by a bug fails at once instead of being found later by ``medbill ledger check``.
The backfill (0007) runs before this revision; its downgrade, which empties the table, runs
after this one's.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MESSAGE = "ledger entries are append-only: post a reversal instead"

SQLITE_UP = [
    f"CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_entry_no_delete",
    "DROP TRIGGER IF EXISTS ledger_entry_no_update",
]
POSTGRESQL_UP = [
    "CREATE FUNCTION ledger_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$",
    "CREATE TRIGGER ledger_entry_no_change BEFORE UPDATE OR DELETE ON ledger_entry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()",
    "CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_append_only()",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ledger_entry",
    "DROP TRIGGER IF EXISTS ledger_entry_no_change ON ledger_entry",
    "DROP FUNCTION IF EXISTS ledger_entry_append_only()",
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for sql in POSTGRESQL_UP if _postgresql() else SQLITE_UP:
        op.execute(sql)


def downgrade() -> None:
    for sql in POSTGRESQL_DOWN if _postgresql() else SQLITE_DOWN:
        op.execute(sql)
