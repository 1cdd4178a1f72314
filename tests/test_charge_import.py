"""charge import: many charges at once, all-or-nothing, bad rows by line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from charge_support import MORE_DX, charging  # noqa: F401
from conftest import Cli

TODAY = dt.date.today().isoformat()


def test_charge_import_enters_rows_and_shares_encounters(charging: Cli, tmp_path: Path) -> None:
    f = tmp_path / "charges.csv"
    f.write_text(
        "\ufeffPatient,Date,Code,DX,Modifiers,Units,Fee,Provider_NPI,POS,NDC,NDC_Quantity,NDC_Unit\n"
        f"P000001,{TODAY},99213,E11.9 I10,25,,,1987654328,11,,,\n"
        f"P000001,{TODAY},36415,I10,,2,,,,,,\n"
        f"P000002,2020-03-04,99214,E11.65,,,99.99,,,,,\n"
        f"P000002,2020-03-04,J1100,E11.65,,10,,,,00009-0047-04,2,ML\n")
    r = charging.ok("charge", "import", str(f))
    ids = [int(x) for x in r.stdout.split()]
    assert len(ids) == 4 and len(set(ids)) == 4
    assert "Imported 4 charge(s)" in r.stderr
    assert "P000002 has no active coverage" in r.stderr  # warned, still entered
    rows = charging.json("charge", "list")
    assert isinstance(rows, list)
    by_code = {x["code"]: x for x in rows}
    assert by_code["99213"]["pointers"] == [1, 2] and by_code["99213"]["modifiers"] == ["25"]
    assert by_code["36415"]["pointers"] == [2] and by_code["36415"]["amount"] == "24.00"
    assert by_code["99214"]["fee"] == "99.99"
    assert by_code["J1100"]["ndc"] == "00009004704" and by_code["J1100"]["amount"] == "5.00"
    assert charging.db.count("encounter") == 2
    assert charging.db.count("encounter_diagnosis") == 3
    charging.ok("audit", "verify")


def test_charge_import_json_output(charging: Cli, tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text(f"patient,date,code,dx\nP000001,{TODAY},99213,I10\n")
    out = charging.json("charge", "import", str(f))
    assert isinstance(out, list) and out[0]["fee"] == "75.00" and out[0]["diagnoses"] == ["I10"]


def test_charge_import_all_or_nothing_reports_every_bad_line(charging: Cli, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(
        "patient,date,code,dx,units\n"
        f"P000001,{TODAY},99213,I10,1\n"        # 2 good
        f"P000001,{TODAY},99999,I10,1\n"        # 3 unknown code
        f"P000001,{TODAY},99213,E11,1\n"        # 4 header
        f"P000404,{TODAY},99213,I10,1\n"        # 5 unknown patient
        f"P000001,2999-01-01,99213,I10,1\n"     # 6 future
        f"P000001,{TODAY},99213,I10,0\n"        # 7 units
        f"P000001,{TODAY},99213,,1\n"           # 8 no dx
        f"P000001,{TODAY},99213,I10,1\n")       # 9 good (a duplicate: warned only)
    r = charging.fails(3, "charge", "import", str(f))
    assert "6 bad row(s); nothing was imported" in r.stderr
    for line in range(3, 9):
        assert f"line {line}:" in r.stderr, r.stderr
    assert "line 2:" not in r.stderr and "line 9:" not in r.stderr


def test_charge_import_13th_diagnosis_across_rows(charging: Cli, tmp_path: Path) -> None:
    dx = ["E11.9", "I10", *MORE_DX]
    lines = [f"P000001,{TODAY},99213,{' '.join(dx[i:i + 4])}" for i in range(0, 12, 4)]
    lines.append(f"P000001,{TODAY},36415,{dx[12]}")
    f = tmp_path / "c.csv"
    f.write_text("patient,date,code,dx\n" + "\n".join(lines) + "\n")
    r = charging.fails(3, "charge", "import", str(f))
    assert "line 5:" in r.stderr and "13th" in r.stderr


def test_charge_import_bad_file(charging: Cli, tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("patient,date,code,diagnosis\nP000001,today,99213,I10\n")
    r = charging.fails(3, "charge", "import", str(f))
    assert "Unknown column 'diagnosis'" in r.stderr
    r = charging.fails(4, "charge", "import", str(tmp_path / "missing.csv"))
