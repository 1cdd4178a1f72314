"""Close of day: ``medbill reconcile`` over rows written straight through the models."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import Cli, Db

D = dt.date(2025, 3, 14)
KEYS = {"date", "balanced", "encounters", "form_charges", "entered_charges", "form_collected",
        "posted_payments", "discrepancies"}
DISC_KEYS = {"kind", "encounter", "patient", "expected", "actual", "difference"}


class DayRows:
    """Writes patients, encounters, charges and payments directly, one commit per call."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self.n = 0

    def _add(self, obj: Any) -> Any:
        from sqlmodel import Session

        eng = self.db.engine()
        try:
            with Session(eng) as s:
                s.add(obj)
                s.commit()
                s.refresh(obj)
                return obj
        finally:
            eng.dispose()

    def patient(self) -> Any:
        from medbill_cli.db.models import Patient

        self.n += 1
        return self._add(
            Patient(account=f"P{self.n:06d}", first_name="Pat", last_name=f"Test{self.n}",
                    dob=dt.date(1980, 1, 1), sex="F")
        )

    def encounter(self, patient: Any = None, *, dos: dt.date = D, charges: int | None = None,
                  collected: int | None = None, source: str = "form") -> Any:
        from medbill_cli.db.models import Encounter

        p = patient or self.patient()
        return self._add(Encounter(patient_id=p.id, date_of_service=dos, source=source,
                                   form_number=f"F{self.n}{p.id}" if source == "form" else None,
                                   form_charges_cents=charges, form_collected_cents=collected))

    def charge(self, enc: Any, amount: int, *, status: str = "unbilled", units: int = 1,
               dos: dt.date | None = None) -> Any:
        from medbill_cli.db.models import Charge

        return self._add(Charge(encounter_id=enc.id, patient_id=enc.patient_id,
                                date_of_service=dos or enc.date_of_service, code="99213",
                                units=units, fee_cents=amount // units, amount_cents=amount,
                                dx_pointers="1", status=status))

    def payment(self, enc: Any, amount: int, *, method: str = "cash", date: dt.date = D,
                patient: Any = None, kind: str = "copay", status: str = "posted") -> Any:
        from medbill_cli.db.models import Payment

        pid = enc.patient_id if enc is not None else patient.id
        return self._add(Payment(patient_id=pid, encounter_id=enc.id if enc is not None else None,
                                 date=date, amount_cents=amount, method=method, kind=kind,
                                 status=status, reference="1001" if method == "check" else None))

    def visit(self, fee: int = 12500, copay: int = 2000, method: str = "cash") -> Any:
        """A clean, balanced visit: form, one charge, the copay posted."""
        e = self.encounter(charges=fee, collected=copay)
        self.charge(e, fee)
        if copay:
            self.payment(e, copay, method=method)
        return e


@pytest.fixture
def rows(db: Db) -> DayRows:
    return DayRows(db)


def reconcile(cli: Cli, *args: str, code: int | None = None) -> dict[str, Any]:
    r = cli("reconcile", "--date", D.isoformat(), "--format", "json", *args)
    assert r.exit_code in (0, 1), f"exit {r.exit_code}\n{r.stdout}\n{r.stderr}\n{r.exception!r}"
    data = json.loads(r.stdout)
    assert set(data) == KEYS
    for d in data["discrepancies"]:
        assert set(d) == DISC_KEYS
    assert r.exit_code == (0 if data["balanced"] else 1)
    if code is not None:
        assert r.exit_code == code
    return data


def kinds(data: dict[str, Any]) -> list[tuple[str, int | None, str, str, str]]:
    return [(d["kind"], d["encounter"], d["expected"], d["actual"], d["difference"])
            for d in data["discrepancies"]]


# ------------------------------------------------------------------ the JSON contract

def test_reconcile_empty_day_balances_with_zeros(cli: Cli) -> None:
    data = reconcile(cli, code=0)
    assert data == {"date": "2025-03-14", "balanced": True, "encounters": 0, "form_charges": "0.00",
                    "entered_charges": "0.00", "form_collected": "0.00", "posted_payments": "0.00",
                    "discrepancies": []}


def test_reconcile_balanced_day_exit_0(cli: Cli, rows: DayRows) -> None:
    rows.visit()
    rows.visit(fee=9000, copay=0)
    e = rows.encounter(charges=20000, collected=4000)
    rows.charge(e, 12500)
    rows.charge(e, 3750, units=3, status="billed")
    rows.charge(e, 3750)
    rows.payment(e, 2500, method="card")
    rows.payment(e, 1500, method="check")
    data = reconcile(cli, code=0)
    assert data["encounters"] == 3
    assert data["form_charges"] == data["entered_charges"] == "415.00"
    assert data["form_collected"] == data["posted_payments"] == "60.00"


def test_reconcile_reports_each_planted_problem(cli: Cli, rows: DayRows) -> None:
    for _ in range(5):
        rows.visit()
    missing = rows.encounter(charges=15000, collected=0)
    opened = rows.encounter(source="charge")
    rows.charge(opened, 8000)
    rows.charge(opened, 2000)
    mismatch = rows.encounter(charges=20000, collected=0)
    rows.charge(mismatch, 17500)
    unposted = rows.encounter(charges=12500, collected=3000)
    rows.charge(unposted, 12500)
    wrong = rows.encounter(charges=12500, collected=2000)
    rows.charge(wrong, 12500)
    rows.payment(wrong, 2500)
    stray = rows.payment(None, 4000, patient=rows.patient(), method="card")
    data = reconcile(cli, code=1)
    assert data["balanced"] is False
    assert data["encounters"] == 10
    assert kinds(data) == [
        ("missing_charge", missing.id, "150.00", "0.00", "-150.00"),
        ("charge_without_encounter", opened.id, "0.00", "100.00", "100.00"),
        ("charge_mismatch", mismatch.id, "200.00", "175.00", "-25.00"),
        ("unposted_payment", unposted.id, "30.00", "0.00", "-30.00"),
        ("payment_mismatch", wrong.id, "20.00", "25.00", "5.00"),
        ("payment_without_encounter", None, "0.00", "40.00", "40.00"),
    ]
    assert [d["patient"] for d in data["discrepancies"]] == [
        "P000006", "P000007", "P000008", "P000009", "P000010", "P000011"]
    assert stray.encounter_id is None
    # Totals side by side: form 5*125 + 150 + 200 + 125 + 125;
    # entered 5*125 + 100 + 175 + 125 + 125.
    assert data["form_charges"] == "1225.00"
    assert data["entered_charges"] == "1150.00"
    assert data["form_collected"] == "150.00"
    assert data["posted_payments"] == "165.00"  # 5*20 + 25 + 40


def test_reconcile_voided_charge_counts_as_not_entered(cli: Cli, rows: DayRows) -> None:
    e = rows.encounter(charges=12500, collected=0)
    rows.charge(e, 12500, status="void")
    data = reconcile(cli, code=1)
    assert kinds(data) == [("missing_charge", e.id, "125.00", "0.00", "-125.00")]
    assert data["entered_charges"] == "0.00"
    rows.charge(e, 12500)
    assert reconcile(cli, code=0)["entered_charges"] == "125.00"


def test_reconcile_voided_charge_part_of_a_form(cli: Cli, rows: DayRows) -> None:
    e = rows.encounter(charges=20000)
    rows.charge(e, 12500)
    rows.charge(e, 7500, status="void")
    data = reconcile(cli, code=1)
    assert kinds(data) == [("charge_mismatch", e.id, "200.00", "125.00", "-75.00")]


def test_reconcile_reversed_payment_counts_as_not_posted(cli: Cli, rows: DayRows) -> None:
    e = rows.encounter(charges=12500, collected=2000)
    rows.charge(e, 12500)
    rows.payment(e, 2000, status="reversed")
    assert kinds(reconcile(cli, code=1)) == [("unposted_payment", e.id, "20.00", "0.00", "-20.00")]


def test_reconcile_charge_opened_encounter_with_all_charges_voided_balances(
    cli: Cli, rows: DayRows
) -> None:
    e = rows.encounter(source="charge")
    rows.charge(e, 9000, status="void")
    assert reconcile(cli, code=0)["encounters"] == 1


def test_reconcile_payment_on_charge_opened_encounter(cli: Cli, rows: DayRows) -> None:
    e = rows.encounter(source="charge")
    rows.charge(e, 9000)
    rows.payment(e, 1500)
    assert kinds(reconcile(cli, code=1)) == [
        ("charge_without_encounter", e.id, "0.00", "90.00", "90.00"),
        ("payment_without_encounter", e.id, "0.00", "15.00", "15.00"),
    ]


def test_reconcile_form_without_totals_only_needs_a_charge(cli: Cli, rows: DayRows) -> None:
    # A form that states no totals is not compared; it still needs a charge.
    bare = rows.encounter()
    data = reconcile(cli, code=1)
    assert kinds(data) == [("missing_charge", bare.id, "0.00", "0.00", "0.00")]
    rows.charge(bare, 4000)
    rows.payment(bare, 1000)
    assert reconcile(cli, code=0)["posted_payments"] == "10.00"


def test_reconcile_no_charge_visit_is_balanced(cli: Cli, rows: DayRows) -> None:
    rows.encounter(charges=0, collected=0)  # post-op visit inside a global period
    assert reconcile(cli, code=0)["encounters"] == 1


def test_reconcile_payment_posted_where_form_says_none_collected(cli: Cli, rows: DayRows) -> None:
    e = rows.encounter(charges=12500, collected=0)
    rows.charge(e, 12500)
    rows.payment(e, 2000)
    assert kinds(reconcile(cli, code=1)) == [("payment_mismatch", e.id, "0.00", "20.00", "20.00")]


def test_reconcile_copay_posted_on_a_later_date_counts_for_the_visit(
    cli: Cli, rows: DayRows
) -> None:
    e = rows.encounter(charges=12500, collected=2000)
    rows.charge(e, 12500)
    rows.payment(e, 2000, date=D + dt.timedelta(days=1))
    data = reconcile(cli, code=0)
    assert data["posted_payments"] == "20.00"
    # On the day it was posted it is drawer money for an earlier visit, not a discrepancy.
    r = cli("reconcile", "--date", "2025-03-15", "--format", "json", "--drawer", "cash=20.00")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["posted_payments"] == "0.00"


def test_reconcile_other_days_are_ignored(cli: Cli, rows: DayRows) -> None:
    rows.encounter(dos=D - dt.timedelta(days=1), charges=9000)
    rows.payment(None, 500, patient=rows.patient(), date=D - dt.timedelta(days=1))
    assert reconcile(cli, code=0)["encounters"] == 0


def test_reconcile_later_payment_on_account_is_not_a_discrepancy(cli: Cli, rows: DayRows) -> None:
    rows.payment(None, 5000, patient=rows.patient(), kind="patient", method="check")
    data = reconcile(cli, "--drawer", "check=50.00", code=0)
    assert data["posted_payments"] == "0.00"
    assert kinds(reconcile(cli, "--drawer", "check=0", code=1)) == [
        ("drawer_mismatch", None, "50.00", "0.00", "-50.00")]


def test_reconcile_charge_dated_the_day_on_another_days_encounter(cli: Cli, rows: DayRows) -> None:
    e = rows.encounter(dos=D - dt.timedelta(days=1), charges=9000)
    rows.charge(e, 9000, dos=D)
    assert kinds(reconcile(cli, code=1)) == [
        ("charge_without_encounter", e.id, "0.00", "90.00", "90.00")
    ]


# ------------------------------------------------------------------ the drawer

def test_reconcile_drawer_matches_posted_by_method(cli: Cli, rows: DayRows) -> None:
    rows.visit(copay=12000, method="cash")
    rows.visit(copay=4500, method="check")
    rows.visit(copay=30000, method="card")
    reconcile(cli, "--drawer", "cash=120.00,check=45.00,card=300.00", code=0)
    reconcile(cli, "--drawer", "cash=$120", code=0)  # methods not counted are not compared


def test_reconcile_drawer_short_and_over(cli: Cli, rows: DayRows) -> None:
    rows.visit(copay=12000, method="cash")
    rows.visit(copay=4500, method="check")
    data = reconcile(cli, "--drawer", "cash=110.00,check=45.00,card=5", code=1)
    assert kinds(data) == [("drawer_mismatch", None, "120.00", "110.00", "-10.00"),
                           ("drawer_mismatch", None, "0.00", "5.00", "5.00")]
    assert all(d["patient"] is None for d in data["discrepancies"])


def test_reconcile_drawer_table_names_the_method(cli: Cli, rows: DayRows) -> None:
    rows.visit(copay=12000, method="cash")
    r = cli("reconcile", "--date", D.isoformat(), "--drawer", "cash=110")
    assert r.exit_code == 1
    assert "drawer_mismatch" in r.stdout and "cash" in r.stdout and "-10.00" in r.stdout


@pytest.mark.parametrize(("drawer", "needle"), [
    ("cash", "METHOD=AMOUNT"),
    ("gold=5", "METHOD=AMOUNT"),
    ("cash=-5", "not an amount"),
    ("cash=1.234", "not an amount"),
    ("cash=5,cash=6", "twice"),
    (",", "empty"),
])
def test_reconcile_bad_drawer_is_refused(cli: Cli, drawer: str, needle: str) -> None:
    r = cli.fails(3, "reconcile", "--date", D.isoformat(), "--drawer", drawer)
    assert needle in r.stderr


def test_reconcile_bad_date_is_refused(cli: Cli) -> None:
    r = cli.fails(3, "reconcile", "--date", "03/14/2025")
    assert "not a valid date" in r.stderr


def test_reconcile_needs_a_date(cli: Cli) -> None:
    assert cli("reconcile").exit_code == 2


# ------------------------------------------------------------------ for people, and CSV

def test_reconcile_table_says_the_day_balances(cli: Cli, rows: DayRows) -> None:
    rows.visit()
    r = cli.ok("reconcile", "--date", D.isoformat())
    assert r.stdout.startswith("2025-03-14: the day balances.")
    assert "125.00" in r.stdout and "cash" in r.stdout


def test_reconcile_table_groups_by_kind(cli: Cli, rows: DayRows) -> None:
    a = rows.encounter(charges=15000)
    b = rows.encounter(charges=9000)
    c = rows.encounter(charges=12500, collected=2000)
    rows.charge(c, 12500)
    r = cli("reconcile", "--date", D.isoformat())
    assert r.exit_code == 1
    out = r.stdout
    assert out.startswith("2025-03-14: OUT OF BALANCE, 3 discrepancies.")
    assert "(missing_charge): 2" in out and "(unposted_payment): 1" in out
    assert out.index("(missing_charge)") < out.index("(unposted_payment)")
    assert f"{a.id} " in out and f"{b.id} " in out and "-150.00" in out and "-20.00" in out


def test_reconcile_empty_day_table(cli: Cli) -> None:
    r = cli.ok("reconcile", "--date", D.isoformat())
    assert "the day balances" in r.stdout


def test_reconcile_csv_has_the_json_shape_flat(cli: Cli, rows: DayRows) -> None:
    e = rows.encounter(charges=15000)
    r = cli("reconcile", "--date", D.isoformat(), "--format", "csv")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0] == ("date,balanced,encounters,form_charges,entered_charges,form_collected,"
                        "posted_payments,kind,encounter,patient,expected,actual,difference")
    assert (
        lines[1]
        == "2025-03-14,false,1,150.00,0.00,0.00,0.00,missing_charge,"
        f"{e.id},P000001,150.00,0.00,-150.00"
    )
    assert len(lines) == 2


def test_reconcile_csv_balanced_day_is_one_row(cli: Cli) -> None:
    r = cli.ok("reconcile", "--date", D.isoformat(), "-f", "csv")
    assert r.stdout.splitlines()[1] == "2025-03-14,true,0,0.00,0.00,0.00,0.00,,,,,,"


def test_reconcile_reads_without_writing(cli: Cli, rows: DayRows, db: Db) -> None:
    rows.visit()
    before = db.counts()
    cli.ok("reconcile", "--date", D.isoformat())
    assert db.counts() == before


def test_reconcile_force_without_close_is_refused(cli: Cli) -> None:
    r = cli.fails(3, "reconcile", "--date", D.isoformat(), "--force", "--reason", "x")
    assert "--close" in r.stderr
