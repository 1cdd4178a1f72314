"""Hostile input: every refusal is one line, exit 3 (or 4 for the environment), no traceback,
nothing written (a fingerprint of every table), fast; on SQLite and PostgreSQL.

A table of cases per command family runs in-process (CliRunner); files that could hang a
reader (a FIFO, /dev/zero) run as subprocesses with a timeout.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from claim_support import Svc, add_coverage, add_patient, add_visit
from conftest import NPI_PROVIDER, Cli, Db, make_db, register_template

TIME_LIMIT = 10.0
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: disguises a name on screen
HUGE_ID = "99999999999999999999999"
HUGE_AMOUNT = "1000000000000000000000000000000"


def fingerprint(cli: Cli) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row of every table."""
    from sqlalchemy import inspect, text

    eng = cli.db.engine()
    try:
        out: dict[str, tuple[int, str]] = {}
        with eng.connect() as c:
            for name in sorted(inspect(eng).get_table_names()):
                rows = c.execute(text(f'SELECT * FROM "{name}"')).all()
                digest = hashlib.sha256(
                    "\n".join(sorted(repr(tuple(r)) for r in rows)).encode()).hexdigest()
                out[name] = (len(rows), digest)
        return out
    finally:
        eng.dispose()


@dataclass(frozen=True)
class Case:
    """One hostile input: argv (``{tmp}`` is the test's folder), the expected exit code, and
    a text that must not appear in the message (the hostile value, when it is PHI-like)."""

    argv: tuple[str, ...]
    code: int = 3
    secret: str | None = None
    rows: bool = False  # an import refusal lists bad rows under its one message line
    files: tuple[tuple[str, bytes], ...] = ()
    env: tuple[tuple[str, str], ...] = ()


def _c(*argv: str, code: int = 3, secret: str | None = None, rows: bool = False,
       files: tuple[tuple[str, bytes], ...] = (), env: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(argv, code, secret, rows, files, env)


PATIENT = ("--first-name", "Jane", "--last-name", "Doe", "--dob", "1980-02-03", "--sex", "F")
CHARGE = ("charge", "add", "--patient", "P000001", "--date", "today", "--code", "99213",
          "--dx", "I10")
FACILITY = ("facility", "add", "--name", "Clinic", "--address", "1 Elm St", "--city", "Albany",
            "--state", "NY", "--zip", "12207")

CASES: dict[str, Case] = {
    # ---- amounts: too large, exponents, digits beyond Decimal's precision
    "amount-30-digits": _c("payment", "add", "--patient", "P000001", "--amount", HUGE_AMOUNT,
                           "--method", "cash"),
    "amount-17-digits": _c("payment", "add", "--patient", "P000001", "--amount",
                           "99999999999999999.99", "--method", "cash"),
    "amount-over-line-limit": _c("payment", "add", "--patient", "P000001", "--amount",
                                 "10,000,000.00", "--method", "cash"),
    "amount-exponent": _c("payment", "add", "--patient", "P000001", "--amount", "1e30",
                          "--method", "cash"),
    "amount-arabic-indic-huge": _c("payment", "add", "--patient", "P000001", "--amount",
                                   "١٠٠٠٠٠٠٠٠٠٠٠٠", "--method", "cash"),
    "fee-huge": _c(*CHARGE, "--fee", HUGE_AMOUNT),
    "fee-set-huge": _c("fee", "set", "99213", HUGE_AMOUNT),
    "copay-huge": _c("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "M1",
                     "--copay", "99999999999999999.99"),
    "form-charges-huge": _c("encounter", "add", "--patient", "P000001", "--date", "today",
                            "--provider", NPI_PROVIDER, "--form-charges", HUGE_AMOUNT),
    # ---- ids beyond 64 bits, in arguments and options
    "id-charge-void": _c("charge", "void", HUGE_ID, "--reason", "typo"),
    "id-payment-receipt": _c("payment", "receipt", HUGE_ID),
    "id-coverage-end": _c("coverage", "end", HUGE_ID, "--date", "today"),
    "id-charge-encounter": _c(*CHARGE, "--fee", "10", "--encounter", HUGE_ID),
    "id-charge-list": _c("charge", "list", "--encounter", HUGE_ID),
    "id-era-show": _c("era", "show", HUGE_ID),
    "id-denial-work": _c("denial", "work", HUGE_ID, "--note", "x"),
    "id-units": _c(*CHARGE, "--fee", "10", "--units", "99999999999999999999"),
    "id-thousand-digits": _c("charge", "void", "9" * 1000, "--reason", "typo"),
    "id-not-digits": _c("charge", "void", "12abc", "--reason", "typo"),
    # ---- the database named by --db: the environment (exit 4)
    "db-text-file": _c("--db", "{tmp}/notes.txt", "patient", "list", code=4,
                       files=(("notes.txt", b"hello, not a database\n"),)),
    "db-text-file-init": _c("--db", "{tmp}/notes.txt", "init", "--no-codes", code=4,
                            files=(("notes.txt", b"hello, not a database\n"),)),
    "db-folder": _c("--db", "{tmp}", "patient", "list", code=4),
    "db-unknown-scheme": _c("--db", "foo://bar/baz", "patient", "list", code=4),
    "db-mysql-scheme": _c("--db", "mysql://root@localhost/x", "patient", "list", code=4),
    "db-env-unknown-scheme": _c("patient", "list", code=4, env=(("MEDBILL_DB", "gopher://x"),)),
    # ---- empty values for options that name something
    "empty-dx": _c("charge", "add", "--patient", "P000001", "--date", "today", "--code", "99213",
                   "--dx", "", "--fee", "10"),
    "empty-provider": _c(*CHARGE, "--fee", "10", "--provider", ""),
    "empty-facility-npi": _c(*FACILITY, "--npi", ""),
    "empty-member-id": _c("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", " "),
    "empty-payer": _c("coverage", "add", "P000001", "--payer", "", "--member-id", "M1"),
    "empty-patient": _c("payment", "add", "--patient", "", "--amount", "5", "--method", "cash"),
    # ---- invisible, direction-changing and control characters (named by code point only)
    "text-rlo-first-name": _c("patient", "add", "--first-name", f"Jo{RLO}hn", *PATIENT[2:],
                              secret="Jo"),
    "text-line-separator": _c("patient", "add", "--first-name", "Ann", "--last-name",
                              "Do\u2028e", *PATIENT[4:], secret="Do"),
    "text-nel": _c("patient", "add", "--first-name", "Ann\u0085", "--last-name", "Lee",
                   *PATIENT[4:], secret="Ann"),
    "text-zero-width": _c("patient", "add", "--first-name", "An\u200bn", "--last-name", "Lee",
                          *PATIENT[4:], secret="An"),
    "text-paragraph-separator": _c("payer", "add", "--name", "Acme\u2029Health",
                                   "--payer-id", "ZZ9"),
    "text-member-id-rlo": _c("coverage", "add", "P000001", "--payer", "ACME1", "--member-id",
                             f"M{RLO}123", secret="123"),
    "text-x12-delimiter": _c("patient", "add", "--first-name", "Ja~ne", *PATIENT[2:],
                             secret="Ja~ne"),
    "text-practice-name-rlo": _c("practice", "set", "--name", f"Main{RLO}", "--npi", "1234567893",
                                 "--tin", "12-3456789", "--address", "1 A St", "--city", "Albany",
                                 "--state", "NY", "--zip", "12207-1234"),
    "text-note-nel": _c("history", "add", "P000001", "--note", "Line one\u0085two",
                        secret="Line one"),
    "text-reason-rlo": _c("charge", "void", "1", "--reason", f"typo{RLO}"),
    "text-search-rlo": _c("patient", "search", f"doe{RLO}"),
    "text-user-rlo": _c("--user", f"ann{RLO}", "patient", "add", *PATIENT),
    "text-very-long-name": _c("patient", "add", "--first-name", "A" * 10_000, *PATIENT[2:]),
    "text-long-option": _c("history", "add", "P000001", "--note", "n" * 100_000),
    # ---- search: a bounded query
    "search-patient-100k": _c("patient", "search", "%_" * 50_000),
    "search-codes-long": _c("codes", "search", "diabetes " * 100),
    # ---- files in: missing, folder, too large (sparse), not X12
    "file-era-missing": _c("era", "import", "{tmp}/none.835", code=4),
    "file-era-folder": _c("era", "import", "{tmp}", code=4),
    "file-era-dev-zero": _c("era", "import", "/dev/zero", code=4),
    "file-patient-import-dev-zero": _c("patient", "import", "/dev/zero", code=4),
    "file-charge-import-folder": _c("charge", "import", "{tmp}", code=4),
    "file-era-too-large": _c("era", "import", "{tmp}/big.835", files=(("big.835", b"SPARSE:835"),)),
    "file-csv-too-large": _c("patient", "import", "{tmp}/big.csv",
                             files=(("big.csv", b"SPARSE:csv"),)),
    "file-codes-dev-zero": _c("codes", "import", "/dev/zero", "--system", "hcpcs", code=4),
    # ---- files out: refused before anything is recorded
    "out-statement-folder": _c("patient", "statement", "P000001", "--output", "{tmp}", code=4),
    "out-statement-missing-folder": _c("patient", "statement", "P000001", "--output",
                                       "{tmp}/no/such/dir/s.txt", code=4),
    "out-export-folder": _c("claim", "export", "--format", "x12", "--output", "{tmp}", code=4),
    "out-export-missing-folder": _c("claim", "export", "--format", "x12", "--output",
                                    "{tmp}/nope/b.x12", code=4),
    "out-backup-folder": _c("db", "backup", "{tmp}", code=4),
    # ---- CSV imports: hostile cells, ids, amounts
    "csv-rlo-cell": _c("patient", "import", "{tmp}/p.csv", rows=True, secret="Mal",
                       files=(("p.csv", f"first_name,last_name,dob,sex\nMal{RLO}lory,Doe,"
                               "1980-01-01,F\n".encode()),)),
    "csv-nul-cell": _c("patient", "import", "{tmp}/p.csv", rows=True,
                       files=(("p.csv",
                               b"first_name,last_name,dob,sex\nMa\x00x,Doe,1980-01-01,F\n"),)),
    "csv-fee-huge": _c("fee", "import", "{tmp}/f.csv", rows=True,
                       files=(("f.csv", f"code,amount\n99213,{HUGE_AMOUNT}\n".encode()),)),
    "csv-charge-encounter-huge": _c("charge", "import", "{tmp}/c.csv", rows=True,
                                    files=(("c.csv", ("patient,date,code,dx,fee,encounter\n"
                                            f"P000001,2024-01-02,99213,I10,10,{HUGE_ID}\n"
                                            ).encode()),)),
    "csv-not-utf8": _c("patient", "import", "{tmp}/p.csv",
                       files=(("p.csv",
                               b"first_name,last_name,dob,sex\n\xff\xfe,Doe,1980-01-01,F\n"),)),
    # ---- code sets: control characters, a header and no rows
    "codes-nul-description": _c("codes", "import", "{tmp}/h.csv", "--system", "hcpcs",
                                files=(("h.csv", b"hcpcs,long_description,short_description\n"
                                        b"A0001,Bad\x00desc,Bad\n"),)),
    "codes-header-only": _c("codes", "import", "{tmp}/h.csv", "--system", "hcpcs",
                            files=(("h.csv", b"hcpcs,long_description,short_description\n"),)),
    # ---- numbers users try: negative, zero, spaces only
    "amount-negative": _c("payment", "add", "--patient", "P000001", "--amount", "-5",
                          "--method", "cash"),
    "amount-fraction-of-cent": _c(*CHARGE, "--fee", "10.001"),
    "units-negative": _c(*CHARGE, "--fee", "10", "--units", "-1"),
    "units-zero": _c(*CHARGE, "--fee", "10", "--units", "0"),
    "name-spaces-only": _c("patient", "add", "--first-name", "   ", *PATIENT[2:]),
    "name-digits-only": _c("patient", "add", "--first-name", "12345", *PATIENT[2:]),
    # ---- dates users type
    "date-feb-30": _c(*CHARGE, "--fee", "10", "--date", "2024-02-30"),
    "date-year-99999": _c(*CHARGE, "--fee", "10", "--date", "99999-01-01"),
    "date-fullwidth-junk": _c(*CHARGE, "--fee", "10", "--date", "２０２４年"),
}


def _isa(width_ok: bool) -> bytes:
    sender = "SENDER".ljust(15 if width_ok else 12)
    isa = (f"ISA*00*          *00*          *ZZ*{sender}*ZZ*RECEIVER       *240105*1200*^*00501*"
           "000000001*0*P*:~")
    return (isa + "GS*HP*SENDER*RECEIVER*20240105*1200*1*X*005010X221A1~ST*835*0001~"
            "BPR*I*0*C*NON************20240105~TRN*1*T1*1512345678~SE*4*0001~GE*1*1~"
            "IEA*1*000000001~").encode()


CASES["era-isa-not-106"] = _c("era", "import", "{tmp}/short.835",
                              files=(("short.835", _isa(False)),))


def build_hostile_template(url: str) -> None:
    """A practice with one patient (P000001) with coverage, one visit and its charge (id 1):
    something to protect. Built once per run and database kind, then cloned per test."""
    from conftest import migrate, setup_practice

    migrate(url)
    cli = Cli(Db("postgresql" if "://" in url else "sqlite", url))
    setup_practice(cli)
    acct = add_patient(cli, "John", "Doe")
    assert acct == "P000001"
    add_coverage(cli, acct, "ACME1")
    add_visit(cli, acct, ["I10"], [Svc("99213", 12500)])
    if "://" not in url:
        import sqlite3

        con = sqlite3.connect(url)  # the copy takes the main file only: fold the WAL in
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()


register_template("hostile", build_hostile_template)


@pytest.fixture(params=["sqlite", "postgresql"])
def hostile(request: pytest.FixtureRequest, tmp_path: Path, pg_templates: Any) -> Cli:
    return Cli(make_db(request, request.param, "hostile", tmp_path, pg_templates))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           pg_templates: Any) -> Cli:
    """One database per kind for the whole table: every case must leave it unchanged (its own
    fingerprint check says so), so the next case can start from it."""
    folder = tmp_path_factory.mktemp("hostile_shared")
    return Cli(make_db(request, request.param, "hostile", folder, pg_templates))


def _materialize(case: Case, tmp: Path) -> list[str]:
    for name, content in case.files:
        p = tmp / name
        if content.startswith(b"SPARSE:"):
            from medbill_cli.inputs import FILE_LIMITS

            with p.open("wb") as fh:
                fh.truncate(FILE_LIMITS[content.decode().split(":")[1]] + 1)
        else:
            p.write_bytes(content)
    return [a.replace("{tmp}", str(tmp)) for a in case.argv]


def assert_refused(r: object, case: Case, elapsed: float) -> None:
    from typer.testing import Result

    assert isinstance(r, Result)
    detail = f"exit {r.exit_code}\nstdout: {r.stdout[:500]}\nstderr: {r.stderr[:500]}\n" \
             f"{r.exception!r}"
    assert r.exit_code == case.code, detail
    assert r.exception is None or isinstance(r.exception, SystemExit), detail
    assert "Traceback" not in r.output, detail
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines and lines[0].startswith("Error: "), detail
    if case.rows:
        assert all(ln.startswith("  line ") for ln in lines[1:]), detail
    else:
        assert len(lines) == 1, detail
    if case.secret:
        assert case.secret not in r.stderr, detail
    assert "Internal error" not in r.stderr, detail
    assert elapsed < TIME_LIMIT, f"took {elapsed:.1f}s"


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_refused(shared: Cli, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    argv = _materialize(case, tmp_path)
    before = fingerprint(shared)
    start = time.monotonic()
    r = shared(*argv, env=dict(case.env) if case.env else None)
    elapsed = time.monotonic() - start
    assert_refused(r, case, elapsed)
    assert fingerprint(shared) == before, "a refused command wrote to the database"


# ------------------------------------------------------------------ readers that could hang


def _subprocess(cli: Cli, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update({"MEDBILL_DB": cli.db.url, "MEDBILL_USER": "tester"})
    return subprocess.run([sys.executable, "-m", "medbill_cli", *argv], env=env,
                          capture_output=True, text=True, timeout=TIME_LIMIT + 20)


@pytest.mark.parametrize("argv", [("era", "import"), ("patient", "import"), ("charge", "import"),
                                  ("fee", "import"), ("codes", "import", "--system", "hcpcs")])
def test_hostile_fifo_refused_at_once(hostile: Cli, tmp_path: Path, argv: tuple[str, ...]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    before = fingerprint(hostile)
    start = time.monotonic()
    r = _subprocess(hostile, *argv[:2], str(fifo), *argv[2:])
    elapsed = time.monotonic() - start
    assert r.returncode == 4, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "not a regular file" in lines[0], r.stderr
    assert elapsed < TIME_LIMIT
    assert fingerprint(hostile) == before


# ------------------------------------------------------------------ the export's control number


def test_hostile_export_to_folder_spends_no_control_number(hostile: Cli, tmp_path: Path) -> None:
    hostile.ok("claim", "generate")
    hostile.ok("claim", "scrub")
    before = fingerprint(hostile)
    for out in (str(tmp_path), str(tmp_path / "missing" / "b.x12")):
        r = hostile("claim", "export", "--format", "x12", "--output", out)
        assert_refused(r, Case(("claim",), code=4), 0.0)
        assert fingerprint(hostile) == before
    out_file = tmp_path / "b.x12"
    hostile.ok("claim", "export", "--format", "x12", "--output", str(out_file))
    assert hostile.db.scalar("SELECT isa_control FROM batch") == 1
    assert out_file.stat().st_mode & 0o777 == 0o600


# ------------------------------------------------------------------ digits in other scripts


def test_hostile_fullwidth_and_arabic_digits_stored_as_ascii(hostile: Cli) -> None:
    hostile.ok("provider", "add", "--npi", "１２３４５６７８９３", "--first-name", "Ben",
               "--last-name", "Ito")
    assert hostile.db.scalar("SELECT count(*) FROM provider WHERE npi = '1234567893'") == 1
    acct = hostile.ok("patient", "add", *PATIENT, "--zip", "١٢٢٠٧").stdout.strip()
    assert hostile.db.scalar("SELECT zip FROM patient WHERE account = :a", a=acct) == "12207"
    hostile.ok("payment", "add", "--patient", acct, "--amount", "٤٥.٥٠", "--method", "cash")
    assert hostile.db.scalar("SELECT amount_cents FROM payment") == 4550


def test_hostile_note_keeps_line_feeds(hostile: Cli) -> None:
    hostile.ok("history", "add", "P000001", "--note", "first line\nsecond line")
    assert hostile.db.scalar("SELECT count(*) FROM history_entry WHERE text LIKE :t",
                             t="first line\nsecond%") == 1


def test_hostile_text_is_stored_nfc(hostile: Cli) -> None:
    acct = hostile.ok("patient", "add", "--first-name", "Jose\u0301", "--last-name", "Lee",
                      *PATIENT[4:]).stdout.strip()
    assert hostile.db.scalar("SELECT first_name FROM patient WHERE account = :a",
                             a=acct) == "Jos\u00e9"


# ------------------------------------------------------------------ CSV output for spreadsheets


def test_hostile_csv_output_neutralizes_formulas(hostile: Cli) -> None:
    hostile.ok("payer", "add", "--name", "@SUM(1+1)", "--payer-id", "EVIL1")
    hostile.ok("payer", "add", "--name", "=HYPERLINK(1)", "--payer-id", "EVIL2")
    r = hostile.ok("payer", "list", "--format", "csv")
    assert "'@SUM(1+1)" in r.stdout and "'=HYPERLINK(1)" in r.stdout
    assert ",@SUM" not in r.stdout
    data = hostile.json("payer", "list")
    assert isinstance(data, list)
    assert {"@SUM(1+1)", "=HYPERLINK(1)"} <= {p["name"] for p in data}


@pytest.mark.parametrize(("cell", "shown"), [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-80.00", "-80.00"), ("+5", "+5"), ("125.00", "125.00"), ("Doe", "Doe"),
])
def test_hostile_csv_safe_rule(cell: str, shown: str) -> None:
    from medbill_cli.csvsafe import csv_safe

    assert csv_safe(cell) == shown


# ------------------------------------------------------------------ the checks' own units


ISA_CASES: list[tuple[Callable[[], bytes], bool]] = [(lambda: _isa(True), True),
                                                     (lambda: _isa(False), False)]


@pytest.mark.parametrize(("make", "ok"), ISA_CASES)
def test_hostile_isa_fixed_length(make: Callable[[], bytes], ok: bool) -> None:
    from medbill_cli.errors import InputError
    from medbill_cli.inputs import check_isa

    if ok:
        check_isa(make())
    else:
        with pytest.raises(InputError, match="106"):
            check_isa(make())


# ------------------------------------------------------------------ database errors, in words


@pytest.mark.parametrize(("driver_text", "code", "shown"), [
    ("LIKE or GLOB pattern too complex", 3, "too complex"),
    ("no such column: Doe", 4, "Database error: OperationalError"),
    ("database is locked", 4, "database is locked"),
    ("syntax error near 'Jane Doe 1980-02-03'", 4, "OperationalError"),
])
def test_hostile_database_error_text_never_reaches_the_user(
    capsys: pytest.CaptureFixture[str], driver_text: str, code: int, shown: str,
) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from medbill_cli.cli.app import _environment_error

    orig = sqlite3.OperationalError(driver_text)
    exc = OperationalError("SELECT 1 WHERE name = ?", ("Jane Doe",), orig)
    assert _environment_error(exc) == code
    err = capsys.readouterr().err
    assert shown in err and "Doe" not in err and "SELECT" not in err
    assert len(err.strip().splitlines()) == 1


def test_hostile_value_too_large_for_the_database(capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy.exc import DataError

    from medbill_cli.cli.app import _environment_error

    exc = DataError("INSERT", ("x" * 300,), Exception("value too long for type varchar(100)"))
    assert _environment_error(exc) == 3
    assert _environment_error(OverflowError("Python int too large to convert")) == 3
    err = capsys.readouterr().err
    assert "xxx" not in err and err.count("Error: ") == 2


# ------------------------------------------------------------------ a full disk during export


def _limited_export(cli: Cli, out: Path, max_bytes: int) -> subprocess.CompletedProcess[str]:
    import resource
    import signal

    def limit() -> None:  # writes past max_bytes fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update({"MEDBILL_DB": cli.db.url, "MEDBILL_USER": "tester"})
    return subprocess.run([sys.executable, "-m", "medbill_cli", "claim", "export", "--format",
                           "x12", "--output", str(out)], env=env, capture_output=True, text=True,
                          timeout=120, preexec_fn=limit)


def test_hostile_full_disk_during_export_records_nothing(hostile: Cli, tmp_path: Path) -> None:
    if hostile.db.kind != "postgresql":
        pytest.skip("a file-size limit would stop SQLite's own writes first; PostgreSQL's "
                    "server writes the database, so only the batch file hits the limit")
    for i in range(8):
        acct = add_patient(hostile, "Ann", f"Roe{chr(65 + i)}")
        add_coverage(hostile, acct, "ACME1")
        add_visit(hostile, acct, ["I10"], [Svc("99213", 12500), Svc("36415", 1500)])
    hostile.ok("claim", "generate")
    hostile.ok("claim", "scrub")
    before = fingerprint(hostile)
    out = tmp_path / "batch.x12"
    r = _limited_export(hostile, out, 1500)
    assert r.returncode == 4, r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) == 1, r.stderr
    assert "Traceback" not in r.stderr
    after = fingerprint(hostile)
    # The export reserves its ISA control number first, in its own transaction, so that a
    # number once used on a file is never used again (see test_claim_export_crash): only that
    # reservation may remain; no batch, no claim marked submitted, no audit entry.
    assert {k: v for k, v in after.items() if k != "setting"} == \
        {k: v for k, v in before.items() if k != "setting"}, "a failed export recorded a batch"
    assert not out.exists() and not list(tmp_path.glob(".*tmp*"))
    hostile.ok("claim", "export", "--format", "x12", "--output", str(out))
    assert hostile.db.scalar("SELECT count(*) FROM batch") == 1
