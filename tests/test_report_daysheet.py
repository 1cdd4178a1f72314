"""``medbill report daysheet``: charges, payments and adjustments by provider and method."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import NPI_PROVIDER, Cli, Db
from test_reconcile import D, DayRows

DAY = D.isoformat()
TODAY = dt.date.today()
NPI_2 = "1245319599"


class LedgerDayRows(DayRows):
    """DayRows whose charges, payments and remittances also post to the ledger (the day
    sheet's payments and adjustments are the ledger's), through ``services/ledger.py``."""

    def post(self, fn: Any, **kw: Any) -> None:
        eng = self.db.engine()
        try:
            with eng.begin() as c:
                fn(session=c, user="test", **kw)
        finally:
            eng.dispose()

    def charge(self, enc: Any, amount: int, *, status: str = "unbilled", units: int = 1,
               dos: dt.date | None = None) -> Any:
        from medbill_cli.services import ledger

        ch = super().charge(enc, amount, status=status, units=units, dos=dos)
        self.post(ledger.post_charge, charge=ch)
        if status == "void":
            self.post(ledger.void_charge, charge_id=ch.id, posted_on=ch.date_of_service)
        return ch

    def payment(self, enc: Any, amount: int, *, method: str = "cash", date: dt.date = D,
                patient: Any = None, kind: str = "copay", status: str = "posted") -> Any:
        from medbill_cli.services import ledger

        pay = super().payment(enc, amount, method=method, date=date, patient=patient, kind=kind,
                              status=status)
        self.post(ledger.post_patient_payment, payment=pay)
        if status == "reversed":
            self.post(ledger.reverse_payment, payment_id=pay.id, posted_on=date)
        return pay


@pytest.fixture
def rows(db: Db) -> DayRows:
    return LedgerDayRows(db)


def providers(rows: DayRows) -> tuple[Any, Any]:
    from medbill_cli.db.models import Provider

    a = rows._add(Provider(npi=NPI_PROVIDER, first_name="Ana", last_name="Ruiz"))
    b = rows._add(Provider(npi=NPI_2, first_name="Ben", last_name="Okafor"))
    return a, b


def remittance(rows: DayRows, provider: Any, charge: Any, *, posted: dt.date = D) -> None:
    """A claim for one charge line, billed to the patient's coverage, paid 80.00 with CO-45
    25.00 and PR-3 20.00 on ``posted``."""
    from medbill_cli.db.models import Claim, Coverage, Payer
    from medbill_cli.db.models.remit import Era, EraAdjustment, EraClaim
    from medbill_cli.services import ledger

    assert isinstance(rows, LedgerDayRows)
    rows.n += 1
    payer = rows._add(Payer(payer_id=f"PY{rows.n}", name="Acme"))
    cov = rows._add(Coverage(patient_id=charge.patient_id, payer_id=payer.id,
                             member_id=f"M{rows.n}"))
    claim = rows._add(Claim(pcn=f"C{rows.n}{charge.patient_id}", patient_id=charge.patient_id,
                            provider_id=provider.id, coverage_id=cov.id, total_cents=12500))
    era = rows._add(Era(payer_key="ACME1", trace_number=f"T{rows.n}{charge.patient_id}",
                        total_cents=8000, posted_on=posted))
    ec = rows._add(EraClaim(era_id=era.id, claim_id=claim.id, pcn=claim.pcn, status_code="1",
                            outcome="paid", charge_cents=12500, paid_cents=8000,
                            patient_resp_cents=2000))
    rows._add(EraAdjustment(era_claim_id=ec.id, group_code="CO", carc="45", amount_cents=2500))
    rows._add(EraAdjustment(era_claim_id=ec.id, group_code="PR", carc="3", amount_cents=2000))
    rows.post(ledger.bill_to, charge_ids=[charge.id], coverage_id=cov.id, posted_on=posted)
    rows.post(ledger.post_remittance, payer=cov.id, source=("era_claim", ec.id), posted_on=posted,
              lines=[ledger.RemitLine(charge.id, 8000, (ledger.RemitAdjustment("CO", "45", 2500),
                                                        ledger.RemitAdjustment("PR", "3", 2000)))])


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
    c3 = rows.charge(e2, 9900)  # another day
    remittance(rows, a, c1)
    remittance(rows, b, c3, posted=D - dt.timedelta(days=1))  # another day


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


def test_report_daysheet_ties_out_to_the_ledger(practice: Cli, tmp_path: Any) -> None:
    """A day with an 835 (one claim reversed by a second 835), a desk payment, a payment
    reversed and a write-off: the day sheet's payments and adjustments are the ledger's sums
    for the day, and ``ledger show`` of every account adds up to the day's net."""
    from decimal import Decimal

    from claim_support import Svc, add_patient, add_visit
    from ledger_support import connection
    from remit_support import exported, first_835, reversal_835

    from medbill_cli.services.ledger_reports import kind_sums

    p = exported(practice, tmp_path)
    echo = add_patient(practice, "Echo", "Selfpay")
    add_visit(practice, echo, ["J06.9"], [Svc("99213", 10000)], dos=TODAY)
    practice.ok("payment", "add", "--patient", echo, "--amount", "40", "--method", "cash")
    bad = practice.ok("payment", "add", "--patient", echo, "--amount", "15", "--method", "check",
                      "--reference", "77").stdout.strip()
    practice.ok("payment", "reverse", bad, "--reason", "bounced")
    (tmp_path / "first.835").write_text(first_835(p))
    practice.ok("era", "import", str(tmp_path / "first.835"))
    (tmp_path / "rev.835").write_text(reversal_835(p))
    practice.ok("era", "import", str(tmp_path / "rev.835"))
    alpha = practice.db.scalar("SELECT id FROM claim WHERE pcn = :p", p=p["Alpha"])
    practice.ok("adjust", "--claim", str(alpha), "--amount", "5", "--reason", "small-balance")
    practice.ok("ledger", "check")

    sheet = practice.json("report", "daysheet", "--date", "today")
    tot = sheet["totals"]
    with connection(practice.db) as c:
        sums = kind_sums(c, start=TODAY, end=TODAY)

    def cents(v: str) -> int:
        return int(Decimal(v) * 100)

    assert cents(tot["insurance_payments"]) == -sums["insurance_payment"] == 18000  # 240 - 60
    assert cents(tot["patient_payments"]) == -sums["patient_payment"] == 4000  # 15 reversed
    assert cents(tot["adjustments"]) == -(sums.get("contractual", 0) + sums.get("adjustment", 0)
                                         + sums.get("write_off", 0)) == 4000  # 35 CO + 5 WO
    assert cents(tot["patient_responsibility"]) == 3500  # PR 35 (Delta's 10 reversed)
    assert cents(tot["payment_amount"]) == cents(tot["patient_payments"]) + cents(
        tot["insurance_payments"])
    by_method = {m["method"]: m for m in sheet["by_method"]}
    assert by_method["cash"] == {"method": "cash", "payments": 1, "amount": "40.00"}
    assert "check" not in by_method  # posted and reversed the same day
    assert by_method["insurance"]["amount"] == "180.00"
    reasons = {(a["group"], a["carc"]): a["amount"] for a in sheet["adjustments"]}
    assert reasons[("WO", "small-balance")] == "5.00" and reasons[("CO", "45")] == "35.00"
    assert sum(cents(r["insurance_payments"]) for r in sheet["by_provider"]) == 18000
    # Every account's entries dated today, as ledger show lists them, net to the day's
    # charges less its payments and adjustments (transfers move money between parties only).
    from sqlalchemy import text

    with connection(practice.db) as c:
        accounts = list(c.execute(text("SELECT account FROM patient")).scalars())
    net = 0
    for acct in accounts:
        net += sum(cents(e["amount"]) for e in practice.json("ledger", "show", acct)
                   if e["date"] == TODAY.isoformat())
    assert net == (cents(tot["charge_amount"]) - cents(tot["payment_amount"])
                   - cents(tot["adjustments"]))
