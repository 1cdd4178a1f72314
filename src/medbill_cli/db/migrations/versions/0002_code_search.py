"""code search: full-text index over code descriptions and inclusion terms

SQLite: an FTS5 table over ``code`` (external content, kept in step by triggers, porter
stemming so "diabetic" finds "diabetes"). PostgreSQL: a GIN index on the English tsvector of
the same text, and a pattern index for code prefixes ("E11.2" -> E11.21, E11.22, ...).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The PostgreSQL search expression; codesets/search.py uses the very same text so the index applies.
PG_TSV = "to_tsvector('english', long_description || ' ' || coalesce(terms, ''))"

SQLITE_UP = [
    """CREATE VIRTUAL TABLE code_fts USING fts5(
        long_description, terms, content='code', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER code_fts_ai AFTER INSERT ON code BEGIN
        INSERT INTO code_fts(rowid, long_description, terms)
        VALUES (new.id, new.long_description, new.terms);
    END""",
    """CREATE TRIGGER code_fts_ad AFTER DELETE ON code BEGIN
        INSERT INTO code_fts(code_fts, rowid, long_description, terms)
        VALUES ('delete', old.id, old.long_description, old.terms);
    END""",
    """CREATE TRIGGER code_fts_au AFTER UPDATE OF long_description, terms ON code BEGIN
        INSERT INTO code_fts(code_fts, rowid, long_description, terms)
        VALUES ('delete', old.id, old.long_description, old.terms);
        INSERT INTO code_fts(rowid, long_description, terms)
        VALUES (new.id, new.long_description, new.terms);
    END""",
    "INSERT INTO code_fts(code_fts) VALUES ('rebuild')",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS code_fts_au",
    "DROP TRIGGER IF EXISTS code_fts_ad",
    "DROP TRIGGER IF EXISTS code_fts_ai",
    "DROP TABLE IF EXISTS code_fts",
]

PG_UP = [
    f"CREATE INDEX IF NOT EXISTS ix_code_fts ON code USING gin ({PG_TSV})",
    "CREATE INDEX IF NOT EXISTS ix_code_code_pattern ON code (code text_pattern_ops)",
]

PG_DOWN = [
    "DROP INDEX IF EXISTS ix_code_code_pattern",
    "DROP INDEX IF EXISTS ix_code_fts",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_UP if dialect == "sqlite" else PG_UP if dialect == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_DOWN if dialect == "sqlite" else PG_DOWN if dialect == "postgresql" else []:
        op.execute(sql)
