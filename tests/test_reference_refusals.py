"""Reference data that must exist: a fee's code, a history condition that is a billable code."""

from __future__ import annotations

import pytest
from conftest import Cli

pytestmark = pytest.mark.slow


def test_fee_for_unknown_code_refused_when_codes_loaded(coded: Cli) -> None:
    before = coded.db.count("fee"), coded.db.count("audit_log")
    r = coded.fails(3, "fee", "set", "99999", "75")
    assert "Unknown procedure code 99999" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (coded.db.count("fee"), coded.db.count("audit_log")) == before
    coded.ok("fee", "set", "99213", "75")  # a code the loaded set knows


def test_fee_import_unknown_code_names_the_line(coded: Cli, tmp_path: object) -> None:
    from pathlib import Path

    f = Path(str(tmp_path)) / "fees.csv"
    f.write_text("code,amount\n99213,75\nZZZZZ,10\n")
    r = coded.fails(3, "fee", "import", str(f))
    assert "line 3" in r.output and "Unknown procedure code ZZZZZ" in r.output
    assert coded.db.count("fee") == 0


def test_fee_without_code_sets_is_kept(cli: Cli) -> None:
    cli.ok("fee", "set", "99999", "75")  # nothing loaded to check against


def test_history_header_code_refused(coded: Cli) -> None:
    coded.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob",
             "1980-04-02", "--sex", "F")
    before = coded.db.count("history_entry"), coded.db.count("audit_log")
    r = coded.fails(3, "history", "add", "P000001", "--condition", "E11")
    assert "E11 is a category header" in r.stderr and "medbill codes show E11" in r.stderr
    assert (coded.db.count("history_entry"), coded.db.count("audit_log")) == before
    coded.ok("history", "add", "P000001", "--condition", "E11.9")
