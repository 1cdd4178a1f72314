"""End-to-end golden file: rows in the database -> claim generate -> 837P, with a fixed date,
time and control number, so the mapping from patients, coverages and charges is pinned.

Rewrite on request only: ``MEDBILL_UPDATE_GOLDEN=1 pytest tests/test_claim_golden.py``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from claim_support import Svc, add_coverage, add_dependent_coverage, add_patient, add_visit
from conftest import Cli
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837

GOLDEN = Path(__file__).parent / "golden" / "837p_service_day.x12"
DOS = dt.date(2026, 3, 2)


def test_claim_golden_service_day(practice: Cli, tmp_path: Path) -> None:
    from medbill_cli.services.claims.export import export_batch

    practice.ok(
        "practice",
        "set",
        "--name",
        "Main Street Family Medicine",
        "--npi",
        "1234567893",
        "--tin",
        "12-3456789",
        "--address",
        "100 Main St",
        "--city",
        "Albany",
        "--state",
        "NY",
        "--zip",
        "12207-1234",
        "--phone",
        "518-555-0100",
        "--taxonomy",
        "207Q00000X",
        "--submitter-id",
        "MSFM01",
        "--submitter-name",
        "Main Street Family Medicine",
        "--contact-name",
        "Billing Office",
        "--receiver-id",
        "CLEARHOUSE",
        "--receiver-name",
        "Example Clearinghouse",
    )
    a = add_patient(practice, "John", "Doe")
    add_coverage(practice, a, "ACME1", "W123456789", "--group", "GRP12345")
    b = add_patient(practice, "Timothy", "Roe", "2015-06-20")
    add_dependent_coverage(practice, b, "BCN02")
    c = add_patient(practice, "Ann", "Long", "1960-07-07", "F")
    add_coverage(practice, c, "ACME1", "L555")
    add_visit(practice, a, ["J06.9", "R50.9"],
              [Svc("99213", 12500, pointers="1 2"), Svc("87880", 2550)], dos=DOS)
    add_visit(practice, b, ["Z00.129"], [Svc("99392", 8500, modifiers="25")], dos=DOS)
    add_visit(practice, c, ["M17.11"], [Svc("97110", 3000 + i) for i in range(55)], dos=DOS)
    practice.ok("claim", "generate")
    practice.db.execute("UPDATE claim SET status = 'ready'")
    # The batch takes the next control number: 4242.
    practice.db.execute("INSERT INTO setting (key, value) VALUES ('x12.control_number', '4241')")
    out = tmp_path / "day.x12"
    eng = practice.db.engine()
    try:
        export_batch(engine=eng, user="golden", fmt_="x12", output=out,
                     now=dt.datetime(2026, 3, 3, 18, 5), usage="T")
    finally:
        eng.dispose()
    if os.environ.get("MEDBILL_UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(out.read_bytes())
    assert out.read_bytes() == GOLDEN.read_bytes()
    assert_valid_837(out, x12check_tool())
