"""``db check``, ``db backup`` and ``db restore``: a damaged database is named, a backup is a
private, whole copy, a restore never overwrites data by accident."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import Cli, Db

PATIENT = ("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob",
           "1980-02-03", "--sex", "F")


def test_db_check_passes_on_a_fresh_database(cli: Cli) -> None:
    cli.ok(*PATIENT)
    r = cli.ok("db", "check", "--format", "json")
    assert '"ok": false' not in r.stdout
    assert "passed" in r.stderr


def test_db_check_names_a_tampered_audit_trail(cli: Cli) -> None:
    cli.ok(*PATIENT)
    cli.db.execute("UPDATE audit_log SET \"user\" = 'mallory' WHERE id = 1")
    r = cli("db", "check")
    assert r.exit_code == 1, r.output
    assert "audit" in r.stderr.splitlines()[-1] and "Traceback" not in r.output


def test_db_check_names_damaged_sqlite_storage(db: Db, cli: Cli, tmp_path: Path) -> None:
    if db.kind != "sqlite":
        pytest.skip("page-level damage is an SQLite file's")
    for i in range(30):
        last = f"Doe{chr(65 + i // 26)}{chr(65 + i % 26)}"
        cli.ok("patient", "add", "--first-name", "Jane", "--last-name", last,
               "--dob", "1980-02-03", "--sex", "F")
    con = sqlite3.connect(str(db.path))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'patient'").fetchone()[0]
    page = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    assert db.path is not None
    with db.path.open("r+b") as fh:  # scribble over the patient table's root page
        fh.seek((root - 1) * page + 8)
        fh.write(b"\xff" * 64)
    r = cli("db", "check")
    assert r.exit_code == 1, r.output
    assert "storage" in r.stderr.splitlines()[-1]


def test_db_backup_is_private_and_restores(db: Db, cli: Cli, tmp_path: Path) -> None:
    cli.ok(*PATIENT)
    dest = tmp_path / "backup.db"
    if db.kind != "sqlite":
        r = cli("db", "backup", str(dest))
        assert r.exit_code == 4 and "pg_dump" in r.stderr and not dest.exists()
        dest.write_bytes(b"a dump")
        before = cli.db.counts()
        r = cli("db", "restore", str(dest), "--force")
        assert r.exit_code == 4 and "pg_restore" in r.stderr and cli.db.counts() == before
        return
    cli.ok("db", "backup", str(dest))
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    cli.ok("patient", "add", "--first-name", "Ann", "--last-name", "Lee", "--dob", "1990-01-01",
           "--sex", "F")
    assert cli.db.count("patient") == 2
    # A database with data is not overwritten without --force, and nothing changes.
    cli.fails(3, "db", "restore", str(dest))
    cli.ok("db", "restore", str(dest), "--force")
    assert cli.db.count("patient") == 1
    cli.ok("db", "check")
    # Into a new file: no --force needed, and the new database passes db check.
    fresh = tmp_path / "fresh.db"
    r = cli("--db", str(fresh), "db", "restore", str(dest))
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o600
    assert cli("--db", str(fresh), "db", "check").exit_code == 0


def test_db_restore_refuses_what_is_not_a_backup(db: Db, cli: Cli, tmp_path: Path) -> None:
    if db.kind != "sqlite":
        pytest.skip("restore copies SQLite files")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    r = cli.fails(3, "db", "restore", str(junk), "--force")
    assert "not a usable medbill backup" in r.stderr
    empty = tmp_path / "empty.db"
    sqlite3.connect(str(empty)).execute("CREATE TABLE t (x)").connection.close()
    r = cli.fails(3, "db", "restore", str(empty), "--force")
    assert "no medbill schema" in r.stderr
    cli.fails(4, "db", "restore", str(tmp_path / "missing.db"))
