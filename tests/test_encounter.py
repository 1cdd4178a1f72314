"""encounter add / import / list: the visit, its form number and the form's own totals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from charge_support import charging  # noqa: F401
from conftest import Cli

NPI = "1987654328"
TODAY = dt.date.today().isoformat()


def test_encounter_add_stores_form_totals(charging: Cli) -> None:
    rec = charging.json("encounter", "add", "--patient", "P000001", "--date", "today", "--provider",
                        NPI, "--form", "SB-1001", "--form-charges", "$1,250.00", "--form-collected",
                        "25")
    assert isinstance(rec, dict)
    assert (
        rec["form"] == "SB-1001"
        and rec["form_charges"] == "1250.00"
        and rec["form_collected"] == "25.00"
    )
    assert rec["source"] == "form" and rec["patient"] == "P000001" and rec["date"] == TODAY
    assert charging.db.scalar("SELECT form_charges_cents FROM encounter") == 125000
    assert charging.db.scalar("SELECT form_collected_cents FROM encounter") == 2500
    rows = charging.json("encounter", "list", "--date", "today")
    assert isinstance(rows, list) and rows[0]["id"] == rec["id"]


def test_encounter_add_refused(charging: Cli) -> None:
    base = ("encounter", "add", "--patient", "P000001", "--provider", NPI)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    for args, needle in [
        (("--date", tomorrow), "in the future"),
        (("--date", "1970-01-01"), "before P000001's birth"),
        (("--date", "today", "--form-charges", "1e3"), "is not an amount"),
        (("--date", "today", "--pos", "99"), "Unknown place of service"),
        (("--date", "today", "--facility", "9"), "No facility 9"),
    ]:
        r = charging.fails(3, *base, *args)
        assert needle in r.stderr, (args, r.stderr)
    r = charging.fails(
        3, "encounter", "add", "--patient", "P000404", "--date", "today", "--provider", NPI
    )
    assert "No patient with account P000404" in r.stderr
    r = charging.fails(
        3, "encounter", "add", "--patient", "P000001", "--date", "today", "--provider", "1111111112"
    )
    assert "No provider" in r.stderr
    charging.ok(*base, "--date", "today", "--form", "F1")
    r = charging.fails(3, *base, "--date", "yesterday", "--form", "F1")
    assert "already entered as encounter" in r.stderr


def test_encounter_add_attaches_form_to_encounter_opened_by_charge(charging: Cli) -> None:
    charging.ok(
        "charge", "add", "--patient", "P000001", "--date", "today", "--code", "99213", "--dx", "I10"
    )
    r = charging.ok(
        "encounter",
        "add",
        "--patient",
        "P000001",
        "--date",
        "today",
        "--provider",
        NPI,
        "--form",
        "F9",
        "--form-charges",
        "75",
    )
    assert "attached to encounter" in r.stderr
    assert charging.db.count("encounter") == 1
    rows = charging.json("encounter", "list")
    assert (
        rows[0]["source"] == "form"  # type: ignore[index]
        and rows[0]["form"] == "F9"  # type: ignore[index]
        and rows[0]["diagnoses"] == ["I10"]  # type: ignore[index]
    )


def test_encounter_import_all_or_nothing(charging: Cli, tmp_path: Path) -> None:
    good = tmp_path / "visits.csv"
    good.write_text(f"patient,date,provider_npi,form,form_charges,form_collected,pos\n"
                    f"P000001,{TODAY},{NPI},A1,75.00,25.00,11\nP000002,{TODAY},{NPI},A2,110,,\n")
    out = charging.json("encounter", "import", str(good))
    assert isinstance(out, list) and [e["form"] for e in out] == ["A1", "A2"]
    assert charging.db.count("encounter") == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(f"patient,date,provider_npi,form\nP000001,{TODAY},{NPI},B1\nP000999,{TODAY},{NPI},B2\n"
                   f"P000001,2999-01-01,{NPI},B3\nP000002,{TODAY},{NPI},B1\nP000002,{TODAY},{NPI},A1\n")
    r = charging.fails(3, "encounter", "import", str(bad))
    for line in (3, 4, 5, 6):
        assert f"line {line}:" in r.stderr, r.stderr
    assert "line 2:" not in r.stderr


def test_encounter_list_empty(charging: Cli) -> None:
    assert charging.json("encounter", "list") == []
    assert "No encounters" in charging.ok("encounter", "list").stderr


def test_encounter_import_attaches_forms_and_audits_each_row(charging: Cli, tmp_path: Path) -> None:
    """In bulk as one at a time: a form attaches to the encounter charge entry opened, a second
    visit the same day is a new encounter with a warning naming the first, and the trail has
    one entry per row in file order."""
    charging.ok("charge", "add", "--patient", "P000001", "--date", "today", "--code", "99213",
                "--dx", "I10")
    opened = charging.json("encounter", "list")[0]["id"]  # type: ignore[index]
    f = tmp_path / "visits.csv"
    f.write_text(f"patient,date,provider_npi,form,form_charges\n"
                 f"P000001,{TODAY},{NPI},C1,75\nP000002,{TODAY},{NPI},C2,\n"
                 f"P000002,{TODAY},{NPI},C3,110\n")
    r = charging.ok("encounter", "import", str(f))
    ids = [int(x) for x in r.stdout.split()]
    assert ids[0] == opened and len(set(ids)) == 3
    assert f"line 2: the form is attached to encounter {opened}, opened by charge entry" in r.stderr
    assert f"line 4: P000002 already has encounter {ids[1]} on {TODAY}" in r.stderr
    assert "line 3:" not in r.stderr
    rows = {e["id"]: e for e in charging.json("encounter", "list")}  # type: ignore[union-attr]
    assert rows[opened]["source"] == "form" and rows[opened]["form"] == "C1"
    assert rows[opened]["form_charges"] == "75.00" and rows[opened]["diagnoses"] == ["I10"]
    assert [rows[i]["form"] for i in ids[1:]] == ["C2", "C3"]
    assert rows[ids[1]]["form_charges"] is None
    trail = charging.json("audit", "list", "--entity", "encounter")
    assert [(t["action"], t["entity_id"]) for t in trail][-3:] == [  # type: ignore[index]
        ("update", str(opened)), ("create", str(ids[1])), ("create", str(ids[2]))]
    last = trail[-1]  # type: ignore[index]
    assert last["before"] is None and last["after"]["form_number"] == "C3"
    first = trail[-3]  # type: ignore[index]
    assert first["before"]["source"] == "charge" and first["after"]["source"] == "form"
    charging.ok("audit", "verify")
    # The same forms again: every row refused by line, nothing written.
    r = charging.fails(3, "encounter", "import", str(f))
    for line in (2, 3, 4):
        assert f"line {line}: Encounter form C{line - 1} is already entered" in r.stderr, r.stderr


def test_encounter_import_csv_shape_refused(charging: Cli, tmp_path: Path) -> None:
    """The CSV rules every import shares: an empty file, a row wider than the header, and bad
    rows reported by the file's own line numbers (blank lines count, and are skipped)."""
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty.csv is empty" in charging.fails(3, "encounter", "import", str(empty)).stderr
    wide = tmp_path / "wide.csv"
    wide.write_text(f"patient,date,provider_npi\nP000001,{TODAY},{NPI}\nP000002,{TODAY},{NPI},X\n")
    r = charging.fails(3, "encounter", "import", str(wide))
    assert "wide.csv is not a valid CSV: line 3 has 4 fields, the header 3" in r.stderr
    gaps = tmp_path / "gaps.csv"
    gaps.write_text(f"patient,date,provider_npi\n\nP000001,{TODAY},{NPI}\n\nP000404,{TODAY},{NPI}\n")
    r = charging.fails(3, "encounter", "import", str(gaps))
    assert "line 5: No patient with account P000404" in r.stderr and "line 3:" not in r.stderr
