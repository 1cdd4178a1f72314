"""``--skip-bad`` and a refused character in one cell (issue #17): with --skip-bad the row is
left out and reported by line and column with the reason, never the cell's value, and the
other rows are imported; without it the whole file is refused and nothing is written. Every
import command that has --skip-bad (``patient import``). SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli

HEADER = "first_name,last_name,dob,sex,city"
ROWS = [f"Pat{chr(65 + i)},Good{chr(65 + i)},1970-01-{i + 1:02d},F,Albany" for i in range(6)]
# (cell text, code point) refused by the CSV reader wherever it appears
BAD_CHARS = [("\u202e", "U+202E"), ("\x07", "U+0007"), ("\u200b", "U+200B"),
             ("\x00", "U+0000"), ("\u2028", "U+2028")]


def _file(tmp_path: Path, bad: str, where: int = 2) -> Path:
    rows = list(ROWS)
    first, last, dob, sex, city = rows[where].split(",")
    rows[where] = ",".join((first, f"Secret{bad}Name", dob, sex, city))  # line where + 2
    f = tmp_path / "patients.csv"
    f.write_bytes((HEADER + "\n" + "\n".join(rows) + "\n").encode())
    return f


@pytest.mark.parametrize(("char", "code"), BAD_CHARS)
def test_skip_bad_leaves_out_the_row_with_a_bad_character(practice: Cli, tmp_path: Path,
                                                          char: str, code: str) -> None:
    f = _file(tmp_path, char)
    r = practice("patient", "import", str(f), "--skip-bad", "--format", "json")
    assert r.exit_code == 1, r.stderr  # some rows were bad: a check found problems
    assert len(json.loads(r.stdout)) == len(ROWS) - 1
    assert practice.db.count("patient") == len(ROWS) - 1
    assert practice.db.scalar("SELECT count(*) FROM patient WHERE last_name LIKE 'Secret%'") == 0
    assert "Skipped 1 bad row(s)" in r.stderr
    assert f"line 4: column last_name contains the invisible or control character {code}" \
        in r.stderr
    assert "Secret" not in r.stderr and "Secret" not in r.stdout  # no cell value (PHI)
    assert "Traceback" not in r.stderr
    practice.ok("audit", "verify")


@pytest.mark.parametrize(("char", "code"), BAD_CHARS)
def test_without_skip_bad_the_file_is_refused(practice: Cli, tmp_path: Path, char: str,
                                              code: str) -> None:
    r = practice.fails(3, "patient", "import", str(_file(tmp_path, char)))
    assert "line 4: column last_name contains the invisible or control character" in r.stderr
    assert code in r.stderr and "Secret" not in r.stderr
    assert practice.db.count("patient") == 0


def test_skip_bad_with_bad_characters_and_bad_values_reports_both_in_line_order(
        practice: Cli, tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[0] = "Ok,Later,2999-01-01,F,Albany"  # line 2: a bad value (checked by the import)
    rows[3] = "Ok,Bidi,1970-01-01,F,Alb\u202eany"  # line 5: a bad character (the CSV reader)
    rows[4] = "O\u200bk,Two,1970-01-01,F,Alb\x07any"  # line 6: two bad cells, one row
    f = tmp_path / "p.csv"
    f.write_bytes((HEADER + "\n" + "\n".join(rows) + "\n").encode())
    r = practice("patient", "import", str(f), "--skip-bad")
    assert r.exit_code == 1, r.stderr
    assert practice.db.count("patient") == len(ROWS) - 3
    report = [ln.strip() for ln in r.stderr.splitlines() if ln.strip().startswith("line ")]
    assert [ln.split(":")[0] for ln in report] == ["line 2", "line 5", "line 6", "line 6"]
    assert "column city" in report[1] and "column first_name" in report[2]
    assert "column city" in report[3]


def test_skip_bad_every_row_bad_writes_nothing(practice: Cli, tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_bytes((HEADER + "\nA\u202e,B,1970-01-01,F,X\nC,D\x07,1970-01-01,F,Y\n").encode())
    before = practice.db.counts()
    r = practice("patient", "import", str(f), "--skip-bad")
    assert r.exit_code == 1, r.stderr
    assert "Imported 0 patient(s)" in r.stderr and "Skipped 2 bad row(s)" in r.stderr
    assert practice.db.counts() == before
