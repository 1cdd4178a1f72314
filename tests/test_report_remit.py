"""report kpi: every KPI printed with its formula and the numbers behind it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import Cli
from remit_support import exported, first_835

KPIS = ["clean-claim rate", "first-pass resolution rate", "denial rate", "days in A/R",
        "net collection rate", "charge lag"]


def test_report_kpi_values_and_formulas(practice: Cli, tmp_path: Path) -> None:
    p = exported(practice, tmp_path)
    f = tmp_path / "first.835"
    f.write_text(first_835(p))
    practice.ok("era", "import", str(f))
    start = (dt.date.today() - dt.timedelta(days=9)).isoformat()
    end = dt.date.today().isoformat()
    rows = practice.json("report", "kpi", "--from", start, "--to", end)
    by = {r["kpi"]: r for r in rows}
    assert list(by) == KPIS
    assert all(r["formula"] for r in rows)
    assert (
        by["clean-claim rate"]["value"] == "100.0%" and by["clean-claim rate"]["numbers"] == "4 / 4"
    )
    # Alpha, Charlie, Delta paid in full; Bravo denied.
    assert by["first-pass resolution rate"]["numbers"] == "3 / 4"
    assert by["denial rate"]["value"] == "25.0%"
    # A/R 195.00 over charges 480.00 in 10 days.
    assert (
        by["days in A/R"]["numbers"] == "195.00 / (480.00 / 10)"
        and by["days in A/R"]["value"] == "4.1 days"
    )
    assert by["net collection rate"]["numbers"] == "(240.00 + 0.00) / (480.00 - 45.00)"
    assert by["net collection rate"]["value"] == "55.2%"
    table = practice.ok("report", "kpi", "--from", start, "--to", end).stdout
    for k in KPIS:
        assert k in table


def test_report_kpi_empty_period(practice: Cli) -> None:
    rows = practice.json("report", "kpi", "--from", "2000-01-01", "--to", "2000-01-31")
    assert {r["value"] for r in rows} == {"n/a"}
    practice.fails(3, "report", "kpi", "--from", "2000-02-01", "--to", "2000-01-01")
