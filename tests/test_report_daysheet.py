"""``medbill report daysheet``: charges, payments and adjustments by provider and method."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import NPI_PROVIDER, Cli, Db
from test_reconcile import D, DayRows

DAY = D.isoformat()
NPI_2 = "1245319599"


@pytest.fixture
def rows(db: Db) -> DayRows:
    return DayRows(db)


def providers(rows: DayRows) -> tuple[Any, Any]:
    from medbill_cli.db.models import Provider

    a = rows._add(Provider(npi=NPI_PROVIDER, first_name="Ana", last_name="Ruiz"))
    b = rows._add(Provider(npi=NPI_2, first_name="Ben", last_name="Okafor"))
    return a, b


def remittance(rows: DayRows, provider: Any, patient_id: int, *, posted: dt.date = D) -> None:
    from medbill_cli.db.models import Claim
    from medbill_cli.db.models.remit import Era, EraAdjustment, EraClaim

    rows.n += 1
    claim = rows._add(Claim(pcn=f"C{rows.n}{patient_id}", patient_id=patient_id,
                            provider_id=provider.id, total_cents=12500))
    era = rows._add(Era(payer_key="ACME1", trace_number=f"T{rows.n}{patient_id}", total_cents=8000,
                        posted_on=posted))
    ec = rows._add(EraClaim(era_id=era.id, claim_id=claim.id, pcn=claim.pcn, status_code="1",
                            outcome="paid", charge_cents=12500, paid_cents=8000,
                            patient_resp_cents=2000))
    rows._add(EraAdjustment(era_claim_id=ec.id, group_code="CO", carc="45", amount_cents=2500))
    rows._add(EraAdjustment(era_claim_id=ec.id, group_code="PR", carc="3", amount_cents=2000))


def day_of(rows: DayRows) -> None:
    from medbill_cli.db.models import Charge

    a, b = providers(rows)
    e1 = rows.encounter(charges=20000, collected=2000)
    for enc_prov, e in ((a, e1),):
        rows.db.execute(
            "UPDATE encounter SET provider_id = :p WHERE id = :e", p=enc_prov.id, e=e.id
        )
    c1 = rows.charge(e1, 12500)
    rows.db.execute("UPDATE charge SET provider_id = :p WHERE id = :c", p=a.id, c=c1.id)
    c2 = rows.charge(e1, 7500)
    rows.db.execute("UPDATE charge SET provider_id = :p WHERE id = :c", p=b.id, c=c2.id)
    v = rows.charge(e1, 1200, status="void")
    assert isinstance(v, Charge)
    rows.payment(e1, 2000, method="cash")
    rows.payment(e1, 500, method="card")
    rows.payment(e1, 999, method="check", status="reversed")
    rows.payment(None, 4000, patient=rows.patient(), method="check", kind="patient")
    e2 = rows.encounter(dos=D - dt.timedelta(days=3))
    rows.charge(e2, 9900)  # another day
    remittance(rows, a, e1.patient_id)
    remittance(rows, b, e1.patient_id, posted=D - dt.timedelta(days=1))  # another day


def test_report_daysheet_by_provider_and_method(cli: Cli, rows: DayRows) -> None:
    day_of(rows)
    data = cli.json("report", "daysheet", "--date", DAY)
    assert data["date"] == DAY and data["basis"] == "service"
    assert data["by_provider"] == [
        {"provider": NPI_2, "name": "Okafor, Ben", "charges": 1, "charge_amount": "75.00",
         "voids": 0, "void_amount": "0.00", "patient_payments": "0.00",
         "insurance_payments": "0.00", "adjustments": "0.00", "patient_responsibility": "0.00"},
        {"provider": NPI_PROVIDER, "name": "Ruiz, Ana", "charges": 1, "charge_amount": "125.00",
         "voids": 1, "void_amount": "12.00", "patient_payments": "25.00",
         "insurance_payments": "80.00", "adjustments": "25.00", "patient_responsibility": "20.00"},
        {"provider": "(none)", "name": "", "charges": 0, "charge_amount": "0.00",
         "voids": 0, "void_amount": "0.00", "patient_payments": "40.00",
         "insurance_payments": "0.00", "adjustments": "0.00", "patient_responsibility": "0.00"},
    ]
    assert data["by_method"] == [
        {"method": "cash", "payments": 1, "amount": "20.00"},
        {"method": "check", "payments": 1, "amount": "40.00"},
        {"method": "card", "payments": 1, "amount": "5.00"},
        {"method": "insurance", "payments": 1, "amount": "80.00"},
    ]
    assert data["adjustments"] == [
        {"group": "CO", "carc": "45", "count": 1, "amount": "25.00"},
        {"group": "PR", "carc": "3", "count": 1, "amount": "20.00"},
    ]
    assert data["totals"] == {
        "charges": 2, "charge_amount": "200.00", "voids": 1, "void_amount": "12.00", "payments": 4,
        "patient_payments": "65.00", "insurance_payments": "80.00", "payment_amount": "145.00",
        "adjustments": "25.00", "patient_responsibility": "20.00"}


def test_report_daysheet_entered_basis(cli: Cli, rows: DayRows) -> None:
    day_of(rows)
    today = dt.date.today().isoformat()
    data = cli.json("report", "daysheet", "--date", today, "--basis", "entered")
    assert data["basis"] == "entered"
    # Everything above was entered today, whatever its date of service.
    assert data["totals"]["charges"] == 3 and data["totals"]["charge_amount"] == "299.00"
    assert data["totals"]["insurance_payments"] == "160.00"
    assert data["totals"]["voids"] == 0  # never voided through medbill: no voided_at
    empty = cli.json("report", "daysheet", "--date", DAY, "--basis", "entered")
    assert empty["totals"]["charges"] == 0 and empty["by_provider"] == []


def test_report_daysheet_table_prints_basis_and_totals(cli: Cli, rows: DayRows) -> None:
    day_of(rows)
    r = cli.ok("report", "daysheet", "--date", DAY)
    assert r.stdout.startswith("Day sheet for 2025-03-14, by date of service")
    assert "Ruiz, Ana" in r.stdout and "insurance" in r.stdout
    assert "Totals: charges 2 for 200.00" in r.stdout
    r = cli.ok("report", "daysheet", "--date", DAY, "--basis", "entered")
    assert "by the day entered" in r.stdout


def test_report_daysheet_csv(cli: Cli, rows: DayRows) -> None:
    day_of(rows)
    r = cli.ok("report", "daysheet", "--date", DAY, "--format", "csv")
    lines = r.stdout.splitlines()
    assert lines[0] == "date,basis,section,key,description,count,amount"
    assert f"2025-03-14,service,provider_charges,{NPI_PROVIDER},\"Ruiz, Ana\",1,125.00" in lines
    assert "2025-03-14,service,payment_method,cash,,1,20.00" in lines
    assert "2025-03-14,service,adjustment_reason,CO-45,,1,25.00" in lines
    assert "2025-03-14,service,total,payment_amount,,,145.00" in lines


def test_report_daysheet_empty_day(cli: Cli) -> None:
    data = cli.json("report", "daysheet", "--date", DAY)
    assert data["by_provider"] == [] and data["by_method"] == [] and data["adjustments"] == []
    assert data["totals"]["charge_amount"] == "0.00" and data["totals"]["payments"] == 0
    r = cli.ok("report", "daysheet", "--date", DAY)
    assert "No charges, payments or adjustments" in r.stdout
    r = cli.ok("report", "daysheet", "--date", DAY, "-f", "csv")
    assert len(r.stdout.splitlines()) == 11  # header + 10 totals


def test_report_daysheet_bad_input(cli: Cli) -> None:
    cli.fails(3, "report", "daysheet", "--date", "14.03.2025")
    assert cli("report", "daysheet", "--date", DAY, "--basis", "posted").exit_code == 2
    assert cli("report", "daysheet").exit_code == 2


def test_report_daysheet_voids_entered_basis_by_void_time(cli: Cli, rows: DayRows) -> None:
    e = rows.encounter(charges=5000)
    c = rows.charge(e, 5000)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows.db.execute("UPDATE charge SET status='void', voided_at=:t WHERE id=:c", t=now, c=c.id)
    data = cli.json("report", "daysheet", "--date", "today", "--basis", "entered")
    assert data["totals"]["voids"] == 1 and data["totals"]["void_amount"] == "50.00"
    assert json.dumps(data)  # plain JSON
