"""Terminal charts: the builders on known rows, and --chart on ar aging, report kpi and
report denials (drawn on request, never in json)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from conftest import Cli
from remit_support import exported, first_835

from medbill_cli.cli._charts import kpi_week, wanted
from medbill_cli.cli._output import Format
from medbill_cli.reports.charts import (
    DenialWeek,
    KpiWeek,
    aging_chart,
    denials_chart,
    kpi_chart,
    weeks,
)
from medbill_cli.services.kpis import KpiFigures, kpi_rows, rate_tenths

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
ANSI = re.compile(r"\x1b\[")


def _aging_rows() -> list[dict[str, object]]:
    return [
        {"payer": "ACME1", "0-30": 48000, "31-60": 0, "61-90": 0, "91-120": 12345, "120+": 0,
         "total": 60345},
        {"payer": "(patient)", "0-30": 3500, "31-60": 1000, "61-90": 0, "91-120": 0, "120+": 0,
         "total": 4500},
        {"payer": "EMPTY", "0-30": 0, "31-60": 0, "61-90": 0, "91-120": 0, "120+": 0, "total": 0},
        {"payer": "TOTAL", "0-30": 51500, "31-60": 1000, "61-90": 0, "91-120": 12345, "120+": 0,
         "total": 64845},
    ]


def test_charts_aging_stacks_payers_by_bucket() -> None:
    text = aging_chart(_aging_rows(), "payer", BUCKETS)
    assert not ANSI.search(text)
    assert "A/R aging by payer and age (dollars)" in text
    assert "ACME1" in text and "(patient)" in text
    assert "TOTAL" not in text and "EMPTY" not in text  # no total bar, no empty bar
    for b in BUCKETS:
        assert f"{b} days" in text
    assert "█" in text and "░" in text  # without colour, 0-30 and 91-120 differ in fill
    # The tallest bar is ACME1's 603 dollars: the y axis reaches it.
    assert re.search(r"\b60\d\.\d\b", text), text
    assert aging_chart(_aging_rows()[-1:], "payer", BUCKETS) == ""


def test_charts_aging_in_colour_at_a_terminal() -> None:
    assert ANSI.search(aging_chart(_aging_rows(), "payer", BUCKETS, color=True))


def test_charts_weeks_run_monday_to_sunday_clipped() -> None:
    wed, nxt_tue = dt.date(2026, 11, 4), dt.date(2026, 11, 17)
    assert weeks(wed, nxt_tue) == [
        (dt.date(2026, 11, 4), dt.date(2026, 11, 8)),
        (dt.date(2026, 11, 9), dt.date(2026, 11, 15)),
        (dt.date(2026, 11, 16), dt.date(2026, 11, 17)),
    ]
    assert weeks(nxt_tue, wed) == []


def test_charts_kpi_bars_and_rate_line() -> None:
    data = [KpiWeek(dt.date(2026, 11, 2), 100000, 25000, 312),
            KpiWeek(dt.date(2026, 11, 9), 80000, 60000, 805),
            KpiWeek(dt.date(2026, 11, 16), 0, 0, None)]
    text = kpi_chart(data)
    assert "Charges and payments by week" in text and "Net collection rate by week" in text
    assert "charges" in text and "payments" in text
    for label in ("11-02", "11-09", "11-16"):
        assert label in text
    assert "1000" in text  # the charges bar's top (1000 dollars) on the axis
    assert not ANSI.search(text)


def test_charts_denials_by_reason_and_week() -> None:
    w1 = DenialWeek(dt.date(2026, 11, 2), [{"carc": "16", "payer": "A", "count": 2,
                                            "amount_cents": 30000},
                                           {"carc": "97", "payer": "A", "count": 1,
                                            "amount_cents": 5000}])
    w2 = DenialWeek(dt.date(2026, 11, 9), [{"carc": "50", "payer": "B", "count": 1,
                                            "amount_cents": 15000},
                                           {"carc": "29", "payer": "B", "count": 1,
                                            "amount_cents": 100}])
    text = denials_chart([w1, w2], top=3)
    for label in ("CARC 16", "CARC 50", "CARC 97", "other", "11-02", "11-09"):
        assert label in text
    assert "CARC 29" not in text  # the smallest reason past the top three goes in "other"
    assert denials_chart([DenialWeek(dt.date(2026, 11, 2))]) == ""


def _figures(charges: int, ins: int, pat: int, contractual: int) -> KpiFigures:
    return KpiFigures(days=7, submitted=0, clean=0, adjudicated=0, first_pass=0,
                      posted_claims=0, denied_claims=0, denied_and_posted=0,
                      charges_cents=charges, insurance_paid_cents=ins, patient_paid_cents=pat,
                      contractual_cents=contractual, ar_cents=0, lag_days=())


def test_charts_kpi_week_takes_the_figures_not_the_row_text() -> None:
    f = _figures(48000, 24000, 1050, 4500)
    assert kpi_week(dt.date(2026, 11, 2), f) == KpiWeek(dt.date(2026, 11, 2), 48000, 25050, 576)
    # The chart's rate is the table's rate: 25050 / 43500 = 57.586...% (57.6%, 576 tenths).
    row = next(r for r in kpi_rows(f) if r["kpi"] == "net collection rate")
    assert row["value"] == "57.6%"
    assert kpi_week(dt.date(2026, 11, 2), _figures(0, 0, 0, 0)).rate_tenths is None
    assert next(r for r in kpi_rows(_figures(0, 0, 0, 0))
                if r["kpi"] == "net collection rate")["value"] == "n/a"


def test_charts_rate_tenths_rounds_half_even_like_the_table() -> None:
    assert rate_tenths(1, 8) == 125  # 12.5% exactly
    assert rate_tenths(1, 3) == 333
    assert rate_tenths(2, 3) == 667
    assert rate_tenths(-1, 4) == -250
    assert rate_tenths(1, 0) is None


def test_charts_wanted_only_for_tables() -> None:
    assert wanted(True, Format.table)
    assert not wanted(True, Format.json) and not wanted(True, Format.csv)
    assert not wanted(False, Format.table)
    assert not wanted(None, Format.table)  # pytest's stdout is not a terminal


def _posted(cli: Cli, tmp_path: Path) -> tuple[str, str]:
    p = exported(cli, tmp_path)
    f = tmp_path / "first.835"
    f.write_text(first_835(p))
    cli.ok("era", "import", str(f))
    start = (dt.date.today() - dt.timedelta(days=9)).isoformat()
    return start, dt.date.today().isoformat()


def test_charts_on_the_commands_and_never_in_json(practice: Cli, tmp_path: Path) -> None:
    start, end = _posted(practice, tmp_path)
    period = ("--from", start, "--to", end)

    aging = practice.ok("ar", "aging", "--chart").stdout
    assert "A/R aging by payer and age" in aging and "Acme Health" in aging and "█" in aging
    assert "A/R aging by" not in practice.ok("ar", "aging").stdout  # not a terminal
    rows = json.loads(practice.ok("ar", "aging", "--chart", "--format", "json").stdout)
    assert rows[-1]["payer"] == "TOTAL"

    kpi = practice.ok("report", "kpi", *period, "--chart").stdout
    assert "net collection rate" in kpi  # the table first
    assert "Charges and payments by week" in kpi and "Net collection rate by week" in kpi
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    assert monday.strftime("%m-%d") in kpi
    json.loads(practice.ok("report", "kpi", *period, "--chart", "--format", "json").stdout)

    den = practice.ok("report", "denials", *period, "--chart").stdout
    assert "Denied amounts by week and reason" in den and "CARC 50" in den
    assert "Denied amounts" not in practice.ok("report", "denials", *period).stdout
    out = practice.ok("report", "denials", *period, "--chart", "--format", "json").stdout
    assert [r["carc"] for r in json.loads(out)] == ["50"]
    csv = practice.ok("report", "denials", *period, "--chart", "--format", "csv").stdout
    assert "Denied amounts" not in csv
