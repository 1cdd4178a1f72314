"""code search: full-text index over code descriptions and inclusion terms

SQLite: an FTS5 table over ``code`` (external content, porter stemming so "diabetic" finds
"diabetes"). No row triggers: they make a bulk load of 98,000 codes ten times slower, so the
one writer of codes (services/codes.py) rebuilds the index after each load, in the same
transaction (half a second for all of ICD-10-CM). PostgreSQL: a stored, generated English
tsvector of the same text with a GIN index, and a pattern index for code prefixes ("E11.2" ->
E11.21, E11.22, ...).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The PostgreSQL search text: description and inclusion terms, English stemming.
PG_TSV = "to_tsvector('english', long_description || ' ' || coalesce(terms, ''))"

SQLITE_UP = [
    """CREATE VIRTUAL TABLE code_fts USING fts5(
        long_description, terms, content='code', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    "INSERT INTO code_fts(code_fts) VALUES ('rebuild')",
]

SQLITE_DOWN = [
    "DROP TABLE IF EXISTS code_fts",
]

PG_UP = [
    # A stored column, not only an expression index: ranking needs the vector of every match,
    # and recomputing it from the text for thousands of rows costs tens of milliseconds.
    f"ALTER TABLE code ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({PG_TSV}) STORED",
    "CREATE INDEX IF NOT EXISTS ix_code_fts ON code USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS ix_code_code_pattern ON code (code text_pattern_ops)",
]

PG_DOWN = [
    "DROP INDEX IF EXISTS ix_code_code_pattern",
    "DROP INDEX IF EXISTS ix_code_fts",
    "ALTER TABLE code DROP COLUMN IF EXISTS search_vector",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_UP if dialect == "sqlite" else PG_UP if dialect == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_DOWN if dialect == "sqlite" else PG_DOWN if dialect == "postgresql" else []:
        op.execute(sql)
