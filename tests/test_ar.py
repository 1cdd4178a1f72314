"""ar aging: buckets, by payer and by patient, as of a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from claim_support import Svc, add_coverage, add_patient, add_visit
from conftest import Cli
from remit_support import aging_total, exported, first_835


def test_ar_aging_empty(practice: Cli) -> None:
    rows = practice.json("ar", "aging")
    assert rows == [
        {
            "payer": "TOTAL",
            "0-30": "0.00",
            "31-60": "0.00",
            "61-90": "0.00",
            "91-120": "0.00",
            "120+": "0.00",
            "total": "0.00",
        }
    ]


def test_ar_aging_buckets_by_age(practice: Cli, tmp_path: Path) -> None:
    p = exported(practice, tmp_path)  # four claims, service three days ago: 100+50, 150, 100, 80
    old = add_patient(practice, "Echo", "Test")
    add_coverage(practice, old)
    add_visit(
        practice, old, ["J06.9"], [Svc("99213", 12345)], dos=dt.date.today() - dt.timedelta(days=95)
    )
    practice.ok("claim", "generate")
    rows, total = aging_total(practice)
    assert rows == [{"payer": "Acme Health", "0-30": "480.00", "31-60": "0.00", "61-90": "0.00",
                     "91-120": "123.45", "120+": "0.00", "total": "603.45"}]
    assert total == Decimal("603.45")
    f = tmp_path / "first.835"
    f.write_text(first_835(p))
    practice.ok("era", "import", str(f))
    rows, total = aging_total(practice, "patient")
    assert {r["patient"]: r["total"] for r in rows} == {
        p["Alpha_acct"]: "35.00",
        p["Bravo_acct"]: "150.00",
        p["Delta_acct"]: "10.00",
        old: "123.45",
    }
    assert total == Decimal("318.45")
    # As of a date before the posting, the payments are not counted yet.
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    r = practice.json("ar", "aging", "--as-of", yesterday)
    assert r[-1]["total"] == "603.45"


def test_ar_aging_bad_options(practice: Cli) -> None:
    practice.fails(3, "ar", "aging", "--by", "provider")
    practice.fails(3, "ar", "aging", "--as-of", "31/12/2024")
