"""One database fixture for the whole suite, parametrized over SQLite and PostgreSQL.

Each test gets an empty, migrated database: a copy of a migrated SQLite template under
``tmp_path``, or a new PostgreSQL database cloned from a migrated template database
(``CREATE DATABASE ... TEMPLATE``), dropped at the end of the run. PostgreSQL is the server at
127.0.0.1:5432 (user postgres, trust auth); without it the PostgreSQL half is skipped, except
with ``CI=true``, where a missing server fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

PG_ADMIN_URL = os.environ.get(
    "MEDBILL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RUN_ID = uuid.uuid4().hex[:8]


def shared_path(*parts: str) -> Path:
    """A file under ../shared; the test is skipped without it, except in CI where it must exist."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        if IN_CI:
            pytest.fail(f"{p} is missing, and CI=true needs ../shared")
        pytest.skip(f"{p} not present (../shared is absent)")
    return p


# ------------------------------------------------------------------ PostgreSQL plumbing

def _pg_admin_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def _pg_available() -> str | None:
    from sqlalchemy import text

    try:
        eng = _pg_admin_engine()
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # server down, refused
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


class _PgTemplates:
    def __init__(self) -> None:
        self.created: list[str] = []
        self.templates: dict[str, str] = {}

    def execute(self, sql: str) -> None:
        from sqlalchemy import text

        eng = _pg_admin_engine()
        try:
            with eng.connect() as c:
                c.execute(text(sql))
        finally:
            eng.dispose()

    def template(self, name: str, build: Callable[[str], None]) -> str:
        if name not in self.templates:
            db = f"medbill_tpl_{name}_{RUN_ID}"
            self.execute(f'CREATE DATABASE "{db}"')
            self.created.append(db)
            build(_pg_url(db))
            self.templates[name] = db
        return self.templates[name]

    def clone(self, template_db: str) -> str:
        db = f"medbill_t_{uuid.uuid4().hex[:12]}"
        self.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template_db}"')
        self.created.append(db)
        return _pg_url(db)

    def drop_all(self) -> None:
        for db in reversed(self.created):
            try:
                self.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            except Exception:
                pass


@pytest.fixture(scope="session")
def pg_templates() -> Iterator[_PgTemplates | None]:
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required when CI=true and is not reachable: {problem}")
        yield None
        return
    t = _PgTemplates()
    yield t
    t.drop_all()


def migrate(url_or_path: str) -> None:
    from medbill_cli.db.engine import make_engine
    from medbill_cli.db.migrations import upgrade

    eng = make_engine(url_or_path, create=True)
    try:
        upgrade(eng)
    finally:
        eng.dispose()


# ------------------------------------------------------------------ the database fixture

@dataclass
class Db:
    """A test database: ``url`` is what goes into --db / MEDBILL_DB."""

    kind: str  # "sqlite" | "postgresql"
    url: str
    path: Path | None = None

    def engine(self):  # type: ignore[no-untyped-def]
        from medbill_cli.db.engine import make_engine

        return make_engine(self.url)

    def scalar(self, sql: str, **params: object) -> object:
        from sqlalchemy import text

        eng = self.engine()
        try:
            with eng.connect() as c:
                return c.execute(text(sql), params).scalar()
        finally:
            eng.dispose()

    def execute(self, sql: str, **params: object) -> None:
        from sqlalchemy import text

        eng = self.engine()
        try:
            with eng.begin() as c:
                c.execute(text(sql), params)
        finally:
            eng.dispose()

    def count(self, table: str) -> int:
        return int(self.scalar(f'SELECT count(*) FROM "{table}"'))  # type: ignore[arg-type]

    def counts(self) -> dict[str, int]:
        """Row counts of every table: compare before and after a refused command."""
        from sqlalchemy import inspect

        eng = self.engine()
        try:
            names = [n for n in inspect(eng).get_table_names() if n != "alembic_version"]
        finally:
            eng.dispose()
        return {n: self.count(n) for n in names}


_TEMPLATE_BUILDERS: dict[str, Callable[[str], None]] = {"empty": migrate}


def register_template(name: str, build: Callable[[str], None]) -> None:
    """Other conftest modules add templates (e.g. one with ICD-10-CM loaded)."""
    _TEMPLATE_BUILDERS[name] = build


def make_db(
    request: pytest.FixtureRequest, kind: str, template: str, tmp_path: Path,
    pg_templates: _PgTemplates | None,
) -> Db:
    build = _TEMPLATE_BUILDERS[template]
    if kind == "sqlite":
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        cache_dir = factory.getbasetemp() / f"template_{template}"
        tpl = cache_dir / "medbill.db"
        if not tpl.exists():
            cache_dir.mkdir(parents=True, exist_ok=True)
            build(str(tpl))
        dest = tmp_path / "medbill.db"
        shutil.copyfile(tpl, dest)
        os.chmod(dest, 0o600)
        return Db("sqlite", str(dest), dest)
    if pg_templates is None:
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    tpl_db = pg_templates.template(template, build)
    return Db("postgresql", pg_templates.clone(tpl_db))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path, pg_templates: _PgTemplates | None) -> Db:
    """An empty, migrated medbill database on SQLite or PostgreSQL."""
    return make_db(request, request.param, "empty", tmp_path, pg_templates)


# ------------------------------------------------------------------ driving the CLI

@dataclass
class Cli:
    db: Db
    user: str = "tester"

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        from medbill_cli.cli.app import app

        runner = CliRunner()
        full_env = {"MEDBILL_DB": self.db.url, "MEDBILL_USER": self.user, "COLUMNS": "200",
                    "MEDBILL_DEBUG": "1"}
        if env:
            full_env.update(env)
        return runner.invoke(app, list(args), input=input, env=full_env, catch_exceptions=True)

    def ok(self, *args: str, input: str | None = None) -> Result:
        r = self(*args, input=input)
        assert r.exit_code == 0, (
            f"exit {r.exit_code}\nstdout: {r.stdout}\nstderr: {r.stderr}\n{r.exception!r}"
        )
        return r

    def fails(self, code: int, *args: str) -> Result:
        """Run a command that must be refused with ``code``, change nothing, print one line."""
        before = self.db.counts()
        r = self(*args)
        assert r.exit_code == code, (
            f"exit {r.exit_code}\nstdout: {r.stdout}\nstderr: {r.stderr}\n{r.exception!r}"
        )
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
        assert "Traceback" not in r.output
        if code == 3:
            lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
            assert lines and lines[0].startswith("Error: "), r.stderr
        assert self.db.counts() == before, "a refused command wrote to the database"
        return r

    def json(self, *args: str) -> object:
        import json

        r = self.ok(*args, "--format", "json")
        return json.loads(r.stdout)


@pytest.fixture
def cli(db: Db) -> Cli:
    return Cli(db)


# ------------------------------------------------------------------ a registered practice

NPI_PRACTICE = "1234567893"
NPI_PROVIDER = "1987654328"


def setup_practice(cli: Cli) -> None:
    cli.ok("practice", "set", "--name", "Main Street Family Medicine", "--npi", NPI_PRACTICE,
           "--tin", "12-3456789", "--address", "100 Main St", "--city", "Albany", "--state", "NY",
           "--zip", "12207-1234", "--phone", "518-555-0100", "--taxonomy", "207Q00000X")
    cli.ok("provider", "add", "--npi", NPI_PROVIDER, "--first-name", "Ana", "--last-name", "Ruiz",
           "--credential", "MD", "--taxonomy", "207Q00000X")
    cli.ok("payer", "add", "--name", "Acme Health", "--payer-id", "ACME1")
    cli.ok("payer", "add", "--name", "Beacon Medicare", "--payer-id", "BCN02", "--filing-indicator",
           "MB")


@pytest.fixture
def practice(cli: Cli) -> Cli:
    """A database with the practice, one provider and two payers set up."""
    setup_practice(cli)
    return cli


def argv(*parts: str | Sequence[str]) -> list[str]:
    out: list[str] = []
    for p in parts:
        out.extend([p] if isinstance(p, str) else list(p))
    return out


# ------------------------------------------------------------------ code sets loaded

def build_coded_template(url: str) -> None:
    """A database made by ``medbill init``: ICD-10-CM and every shipped sample code set."""
    kind = "postgresql" if "://" in url else "sqlite"
    r = Cli(Db(kind, url))("init")
    assert r.exit_code == 0, f"init failed: {r.output}\n{r.exception!r}"
    if kind == "sqlite":
        import sqlite3

        # The copy takes the main file only: fold the write-ahead log into it first.
        con = sqlite3.connect(url)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()


register_template("codes", build_coded_template)


@pytest.fixture(params=["sqlite", "postgresql"])
def coded(request: pytest.FixtureRequest, tmp_path: Path, pg_templates: _PgTemplates | None) -> Cli:
    """A ``Cli`` over a database with every bundled code set loaded (as after ``medbill init``)
    and the practice set up (as the ``practice`` fixture). Built once per run, then cloned."""
    cli = Cli(make_db(request, request.param, "codes", tmp_path, pg_templates))
    setup_practice(cli)
    return cli
