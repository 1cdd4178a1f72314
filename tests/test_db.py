"""Database selection, creation, migration checks and backup."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import Cli, Db
from typer.testing import CliRunner


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    from medbill_cli.cli.app import app

    return CliRunner().invoke(app, list(args), env={"MEDBILL_USER": "tester", **(env or {})})


def test_init_creates_private_file_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "medbill.db"
    r = run("--db", str(path), "init", "--no-codes")
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    r = run("--db", str(path), "init", "--no-codes")
    assert r.exit_code == 0, r.output
    assert "Database ready" in r.stderr
    r = run("--db", str(path), "db", "info", "--format", "json")
    assert '"schema_current": true' in r.stdout


def test_db_flag_wins_over_env(tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert run("--db", str(a), "init", "--no-codes").exit_code == 0
    assert run("--db", str(b), "init", "--no-codes").exit_code == 0
    r = run("--db", str(b), "patient", "add", "--first-name", "A", "--last-name", "B", "--dob",
            "1990-01-01", "--sex", "M", env={"MEDBILL_DB": str(a)})
    assert r.exit_code == 0, r.output
    assert sqlite3.connect(b).execute("select count(*) from patient").fetchone()[0] == 1
    assert sqlite3.connect(a).execute("select count(*) from patient").fetchone()[0] == 0


def test_command_without_database_says_run_init(tmp_path: Path) -> None:
    r = run("--db", str(tmp_path / "none.db"), "patient", "list")
    assert r.exit_code == 4
    assert (
        r.stderr.strip()
        == f"Error: No medbill database at {tmp_path / 'none.db'}. Run medbill init first."
    )
    assert not (tmp_path / "none.db").exists()


def test_schema_behind_exits_4_naming_upgrade(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import medbill_cli.db.migrations as mig

    monkeypatch.setattr(mig, "REVISION_ORDER", (*mig.REVISION_ORDER, "9999"))
    monkeypatch.setattr(mig, "HEAD_REVISION", "9999")
    r = cli("patient", "list")
    assert r.exit_code == 4
    assert "medbill db upgrade" in r.stderr and "Traceback" not in r.output


def test_schema_missing_exits_4(cli: Cli) -> None:
    cli.db.execute("DROP TABLE alembic_version")
    r = cli("patient", "list")
    assert r.exit_code == 4 and "medbill init" in r.stderr


def test_head_revision_constant_matches_scripts() -> None:
    from alembic.script import ScriptDirectory

    from medbill_cli.db.migrations import HEAD_REVISION, REVISION_ORDER, alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_current_head() == HEAD_REVISION
    walked = [rev.revision for rev in script.walk_revisions()]
    assert list(reversed(walked)) == list(REVISION_ORDER)


def test_migrations_match_models(db: Db) -> None:
    """The shipped migrations build exactly the schema the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from medbill_cli.db.models import load_all

    load_all()

    eng = db.engine()
    try:
        with eng.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        eng.dispose()
    # Hand-written objects (full-text search tables and indexes) are not in the models.
    def hand_written(d: object) -> bool:
        if not isinstance(d, tuple):
            return False
        if d[0] in ("remove_table", "remove_index"):
            return True
        # PostgreSQL's generated search column on code (migration 0002).
        return d[0] == "remove_column" and d[2] == "code" and d[3].name == "search_vector"

    diff = [d for d in diff if not hand_written(d)]
    assert diff == []


def test_db_upgrade_on_current_schema(cli: Cli) -> None:
    r = cli.ok("db", "upgrade")
    assert "already at" in r.stderr


def test_db_backup_sqlite(cli: Cli, tmp_path: Path) -> None:
    if cli.db.kind != "sqlite":
        r = cli("db", "backup", str(tmp_path / "b.db"))
        assert r.exit_code == 4 and "pg_dump" in r.stderr
        return
    cli.ok(
        "patient",
        "add",
        "--first-name",
        "A",
        "--last-name",
        "B",
        "--dob",
        "1990-01-01",
        "--sex",
        "M",
    )
    dest = tmp_path / "backup.db"
    cli.ok("db", "backup", str(dest))
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert sqlite3.connect(dest).execute("select count(*) from patient").fetchone()[0] == 1
    r = cli("db", "backup", str(dest))
    assert r.exit_code == 3 and "already exists" in r.stderr


def test_unreachable_postgres_is_environment_error() -> None:
    r = run("--db", "postgresql+psycopg://postgres@127.0.0.1:1/nope", "patient", "list")
    assert r.exit_code == 4
    assert r.stderr.startswith("Error: Cannot open the database") and "Traceback" not in r.output


def test_version_and_help() -> None:
    from medbill_cli import __version__

    r = run("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"medbill {__version__}"
    r = run("--help")
    for group in ("patient", "codes", "charge", "claim", "era", "reconcile", "audit"):
        assert group in r.stdout


def test_usage_error_exits_2() -> None:
    r = run("patient", "add", "--first-name")
    assert r.exit_code == 2
