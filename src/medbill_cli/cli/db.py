"""Database: create, upgrade, describe and back up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_record, info

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


@app.command("backup")
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
) -> None:
    """Copy the database to FILE while it is in use (SQLite online backup API).

    On PostgreSQL use pg_dump, which this explains. Example: medbill db backup backup.db
    """
    from medbill_cli.db.engine import create_private_file, is_sqlite, normalize_url, sqlite_path
    from medbill_cli.errors import EnvironmentProblem, InputError

    url = normalize_url(_context.state.target())
    if not is_sqlite(url):
        raise EnvironmentProblem(
            "medbill db backup copies SQLite files; this database is PostgreSQL",
            "Use pg_dump, e.g. pg_dump --format=custom --file medbill.dump DBNAME",
        )
    src = sqlite_path(url)
    if src is None or not src.exists():
        raise EnvironmentProblem(f"No medbill database at {src}", "Run medbill init first")
    dest = file.expanduser().resolve()
    if dest.exists():
        raise InputError(f"{dest} already exists", "Choose a new file name")
    if dest == src:
        raise InputError("The backup must go to another file")
    import sqlite3

    create_private_file(dest)
    s_conn = sqlite3.connect(str(src))
    d_conn = sqlite3.connect(str(dest))
    try:
        s_conn.backup(d_conn)
    finally:
        d_conn.close()
        s_conn.close()
    info(f"Backed up to {dest}")
