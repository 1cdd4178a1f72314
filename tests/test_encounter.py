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
