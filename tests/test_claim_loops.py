"""837P loops and claim-level rules: the manifestation edit on real ICD-10-CM codes, one-line
interchanges, the service facility, line item control numbers. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from claim_support import Svc, add_coverage, add_patient, add_visit, load_codes
from conftest import Cli
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837, segments

DOS = (dt.date.today() - dt.timedelta(days=2)).isoformat()


def _charge(cli: Cli, account: str, code: str, fee: str, dx: list[str]) -> None:
    cli.ok("charge", "add", "--patient", account, "--date", DOS, "--code", code, "--fee", fee,
           *[a for d in dx for a in ("--dx", d)])


def _scrub_by_patient(cli: Cli) -> dict[str, tuple[str, set[str]]]:
    r = cli("claim", "scrub", "--format", "json")
    return {
        cli.json("claim", "show", str(row["claim"]))["patient"]: (
            row["status"], {f["edit"] for f in row["findings"] if f["severity"] == "error"})
        for row in json.loads(r.stdout)
    }


# ------------------------------------------------------------------ manifestation codes

def test_manifestation_edit_reads_the_tabular(coded: Cli) -> None:
    """Z23 has a "code first" note (a routine childhood exam, if coded) but is no
    manifestation; G63 (in diseases classified elsewhere), M14.611 (under M14, a manifestation
    category, its own title silent) and D63.1 ("code first underlying chronic kidney
    disease") are, and are held when listed first; listed second they are clean."""
    cli = coded
    cases = {
        "flu": (["Z23"], [("90686", "28.00"), ("90471", "30.00")], "ready"),
        "neuro": (["G63", "E85.4"], [("99213", "125.00")], "held"),
        "charcot": (["M14.611", "A52.16"], [("99213", "125.00")], "held"),
        "anemia": (["D63.1", "N18.4"], [("99213", "125.00")], "held"),
        "ordered": (["E85.4", "G63"], [("99213", "125.00")], "ready"),
    }
    acct = {}
    for name, (dx, services, _status) in cases.items():
        acct[name] = add_patient(cli, "Mani", name.title())
        add_coverage(cli, acct[name])
        for code, fee in services:
            _charge(cli, acct[name], code, fee, dx)
    cli.ok("claim", "generate")
    got = _scrub_by_patient(cli)
    for name, (_dx, _svc, status) in cases.items():
        st, edits = got[acct[name]]
        assert st == status, (name, edits)
        assert ("dx-manifestation-first" in edits) == (status == "held"), (name, edits)
    held = cli.json("claim", "list", "--status", "held")
    assert isinstance(held, list) and len(held) == 3
    shown = cli("claim", "scrub").stdout
    assert "Manifestation code G63 is first-listed" in shown
    assert "Z23" not in shown


# ------------------------------------------------------------------ line endings

def test_export_no_newlines_one_line_and_reproduced(practice: Cli, tmp_path: Path) -> None:
    for last in ("Doe", "Roe"):
        a = add_patient(practice, "John", last)
        add_coverage(practice, a)
        add_visit(practice, a, ["J06.9", "R50.9"],
                  [Svc("99213", 12500, pointers="1 2"), Svc("87880", 2550)])
    load_codes(practice)
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    dry = tmp_path / "dry.x12"
    practice.ok("claim", "export", "--dry-run", "--output", str(dry))
    out = tmp_path / "one.x12"
    r = practice.ok("claim", "export", "--no-newlines", "--output", str(out))
    assert "2 claim(s)" in r.stderr
    data = out.read_bytes()
    assert b"\n" not in data and b"\r" not in data and data.endswith(b"~")
    assert data.count(b"~") == dry.read_bytes().count(b"~\n")  # every segment, one line
    # The default (the dry run) keeps a newline after every terminator; the segments are the
    # same but for the creation time (ISA09/10, GS04/05, BHT04/05).
    stamped = {"ISA": (9, 10), "GS": (4, 5), "BHT": (4, 5)}

    def unstamped(text: str) -> list[list[str]]:
        return [[v for i, v in enumerate(s) if i not in stamped.get(s[0], ())]
                for s in segments(text)]

    assert unstamped(dry.read_text()) == unstamped(out.read_text())
    assert_valid_837(out, x12check_tool())
    segs = segments(out.read_text())
    assert sum(1 for s in segs if s[0] == "CLM") == 2
    copy = tmp_path / "copy.x12"
    practice.ok("claim", "batch", "show", "1", "--output", str(copy))
    assert copy.read_bytes() == data
    shown = practice("claim", "batch", "show", "1", "--output", "-")
    assert shown.exit_code == 0 and shown.stdout_bytes == data


def test_export_no_newlines_other_formats_unchanged(practice: Cli, tmp_path: Path) -> None:
    a = add_patient(practice, "John", "Doe")
    add_coverage(practice, a)
    add_visit(practice, a, ["I10"], [Svc("99213")])
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    out = tmp_path / "b.json"
    practice.ok("claim", "export", "--format", "json", "--no-newlines", "--output", str(out))
    assert json.loads(out.read_text())[0]["lines"] and b"\n" in out.read_bytes()
