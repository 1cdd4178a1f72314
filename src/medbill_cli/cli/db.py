"""Database: create, upgrade, describe and back up."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_record, emit_rows, error, info

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

app = typer.Typer(help="Create, upgrade, describe and back up the database.", no_args_is_help=True)


def init(
    no_codes: Annotated[
        bool,
        typer.Option("--no-codes",
                     help="Skip loading the bundled code sets (quick test databases)."),
    ] = False,
) -> None:
    """Create or migrate the database and load the bundled code sets; safe to run again.

    Example: medbill init
    """
    from medbill_cli.db.migrations import upgrade
    from medbill_cli.services.codes import load_bundled

    eng = _context.engine(create=True, check=False)
    try:
        upgrade(eng)
        from medbill_cli.db.engine import session_scope

        if not no_codes:
            with session_scope(eng) as session:
                summary = load_bundled(session=session, user=_context.state.actor())
            for line in summary:
                info(line)
    finally:
        eng.dispose()
    info(f"Database ready: {_context.state.target()}")


@app.command("upgrade")
def upgrade_cmd() -> None:
    """Migrate the database schema to this version of medbill.

    Example: medbill db upgrade
    """
    from medbill_cli.db.engine import current_revision
    from medbill_cli.db.migrations import HEAD_REVISION, upgrade

    eng = _context.engine(check=False)
    try:
        before = current_revision(eng)
        upgrade(eng)
    finally:
        eng.dispose()
    if before == HEAD_REVISION:
        info(f"Schema already at {HEAD_REVISION}.")
    else:
        info(f"Schema upgraded from {before or 'empty'} to {HEAD_REVISION}.")


@app.command("info")
def info_cmd(fmt: FormatOpt = Format.table) -> None:
    """Show where the database is, its schema revision and what it holds.

    Example: medbill db info --format json
    """
    from sqlalchemy import func
    from sqlmodel import select

    from medbill_cli.db.engine import current_revision, normalize_url
    from medbill_cli.db.migrations import HEAD_REVISION
    from medbill_cli.db.models.charges import Charge
    from medbill_cli.db.models.claims import Claim
    from medbill_cli.db.models.payments import Payment
    from medbill_cli.db.models.registration import Patient

    eng = _context.engine(check=False)
    try:
        rev = current_revision(eng)
        url = eng.url.render_as_string(hide_password=True)
        record: dict[str, object] = {
            "url": url if not url.startswith("sqlite") else normalize_url(_context.state.target()),
            "dialect": eng.dialect.name,
            "schema_revision": rev,
            "schema_head": HEAD_REVISION,
            "schema_current": rev == HEAD_REVISION,
        }
        if rev == HEAD_REVISION:
            from medbill_cli.db.engine import session_scope

            with session_scope(eng, write=False) as s:
                for name, model in (("patients", Patient), ("charges", Charge),
                                    ("payments", Payment), ("claims", Claim)):
                    record[name] = s.exec(select(func.count()).select_from(model)).one()
    finally:
        eng.dispose()
    emit_record(record, fmt)


def _sqlite_source() -> Path:
    """The SQLite file of ``--db``; on PostgreSQL, the refusal that says what to use instead."""
    from medbill_cli.db.engine import is_sqlite, normalize_url, sqlite_path
    from medbill_cli.errors import EnvironmentProblem

    url = normalize_url(_context.state.target())
    if not is_sqlite(url):
        raise EnvironmentProblem(
            "medbill db backup and restore copy SQLite files; this database is PostgreSQL",
            "Use pg_dump, e.g. pg_dump --format=custom --file medbill.dump DBNAME, "
            "and pg_restore --clean --dbname DBNAME medbill.dump",
        )
    src = sqlite_path(url)
    if src is None:
        raise EnvironmentProblem("An in-memory database has nothing to back up")
    return src


@app.command("backup")
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
) -> None:
    """Copy the database to FILE while it is in use (SQLite online backup API), owner-only.

    The copy is written to a temporary file beside FILE and renamed when complete, so FILE is
    never half a database. On PostgreSQL use pg_dump, which this explains.
    Example: medbill db backup backup.db
    """
    import sqlite3

    from medbill_cli.errors import EnvironmentProblem, InputError

    src = _sqlite_source()
    if not src.exists():
        raise EnvironmentProblem(f"No medbill database at {src}", "Run medbill init first")
    dest = file.expanduser().resolve()
    if dest.exists():
        raise InputError(f"{dest} already exists", "Choose a new file name")
    if dest == src:
        raise InputError("The backup must go to another file")
    tmp = _private_temp(dest)
    try:
        s_conn = sqlite3.connect(str(src))
        d_conn = sqlite3.connect(str(tmp))
        try:
            s_conn.backup(d_conn)
        finally:
            d_conn.close()
            s_conn.close()
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    info(f"Backed up to {dest}")


def _private_temp(dest: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return Path(name)


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by medbill db backup.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data.")
    ] = False,
) -> None:
    """Replace the database with a backup; a database that holds data needs --force.

    The backup is checked first (SQLite integrity check, a medbill schema); the copy goes
    through SQLite's backup API, so other connections see the old database or the new one.
    Example: medbill db restore backup.db
    """
    import sqlite3

    from medbill_cli.db.engine import create_private_file
    from medbill_cli.errors import InputError

    dest = _sqlite_source()
    source = file.expanduser().resolve()
    if source == dest.resolve():
        raise InputError("The backup and the database are the same file")
    problems = _sqlite_problems(source)
    if problems:
        raise InputError(f"{file.name} is not a usable medbill backup: {problems[0]}",
                         "Restore another backup")
    if dest.exists():
        held = _rows_held(dest)
        if held and not force:
            raise InputError(f"The database {dest} holds data ({held} rows)",
                             "Use --force to replace it, after a medbill db backup")
    else:
        create_private_file(dest)
    s_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    d_conn = sqlite3.connect(str(dest), timeout=30)
    try:
        s_conn.backup(d_conn)
    finally:
        d_conn.close()
        s_conn.close()
    info(f"Restored {dest} from {source}")


_DATA_TABLES = ("patient", "charge", "payment", "claim", "encounter", "audit_log")


def _rows_held(path: Path) -> int:
    """Rows of billing data in an SQLite file (0 for an empty or non-medbill database)."""
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return sum(int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
                   for t in _DATA_TABLES if t in names)
    except sqlite3.DatabaseError:
        return 0
    finally:
        con.close()


def _sqlite_problems(path: Path) -> list[str]:
    """What is wrong with an SQLite file: integrity, foreign keys, a medbill schema."""
    import sqlite3

    from medbill_cli.db.migrations import REVISION_ORDER
    from medbill_cli.inputs import input_file

    input_file(path)
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [f"cannot open it ({type(exc).__name__})"]
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            first = " ".join(str(rows[0]).split())[:160]
            return [f"SQLite integrity check found {len(rows)} problem(s), first: {first}"]
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            return [f"{len(fk)} row(s) point at missing records (first in table {fk[0][0]})"]
        try:
            rev = con.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return ["it has no medbill schema"]
        if rev is None or rev[0] not in REVISION_ORDER:
            return ["its schema revision is not one this medbill knows"]
        return []  # an older revision restores, then medbill db upgrade brings it to head
    except sqlite3.DatabaseError as exc:
        return [f"not an SQLite database ({type(exc).__name__})"]
    finally:
        con.close()


def _postgres_problems(eng: Engine) -> list[str]:
    """Basic PostgreSQL checks: every table reads to its end, no constraint left unvalidated."""
    from sqlalchemy import inspect, text

    problems: list[str] = []
    with eng.connect() as conn:
        for name in inspect(conn).get_table_names():
            try:
                conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
            except Exception as exc:  # a damaged relation: name it, not its data
                problems.append(f"table {name} cannot be read ({type(exc).__name__})")
                conn.rollback()
        bad = conn.execute(text(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE NOT convalidated AND connamespace = current_schema()::regnamespace")).all()
        problems += [f"constraint {c} on {t} is not validated" for t, c in bad]
    return problems


@app.command("check")
def check(fmt: FormatOpt = Format.table) -> None:
    """Check the database: storage integrity, references, schema revision and the audit chain.

    SQLite runs PRAGMA integrity_check and foreign_key_check; PostgreSQL reads every table and
    looks for unvalidated constraints. Exits 1 naming each check that failed.
    Example: medbill db check
    """
    from medbill_cli.db.engine import check_schema, normalize_url, sqlite_path
    from medbill_cli.errors import ExitCode
    from medbill_cli.services.audit import verify_audit

    eng = _context.engine(check=False)
    results: list[dict[str, object]] = []
    try:
        if eng.dialect.name == "sqlite":
            path = sqlite_path(normalize_url(_context.state.target()))
            storage = _sqlite_problems(path) if path is not None else []
        else:
            storage = _postgres_problems(eng)
        results.append({"check": "storage", "ok": not storage, "detail": "; ".join(storage)})
        try:
            check_schema(eng, _context.state.target())
            results.append({"check": "schema", "ok": True, "detail": ""})
        except Exception as exc:  # the schema's own message says what to do
            results.append({"check": "schema", "ok": False, "detail": str(exc)})
        else:
            from medbill_cli.db.engine import session_scope

            with session_scope(eng, write=False) as s:
                res = verify_audit(session=s)
            detail = "" if res.ok else f"entry {res.first_bad_id} {res.problem}"
            results.append({"check": "audit", "ok": res.ok, "detail": detail})
    finally:
        eng.dispose()
    failed = [r for r in results if not r["ok"]]
    emit_rows(results, fmt, columns=["check", "ok", "detail"])
    if failed:
        error("Failed: " + "; ".join(f"{r['check']} ({r['detail']})" for r in failed) + ".")
        raise typer.Exit(int(ExitCode.PROBLEMS))
    info("Database check passed: storage, schema and audit trail.")
