"""The day sheet: the day's charges, payments and adjustments by provider and by payment method.

Date basis
    ``service``: charges (and voids) by date of service; payments and adjustments by the day
    their ledger entries are dated (a desk payment its payment date, a remittance the day it
    was posted, a write-off its date).
    ``entered``: everything by the local calendar day on which it was entered (``created_at``;
    voids by ``voided_at``; ledger entries by the time they were written).

What is counted
    Charges: live (not voided) charges. Voids: charges voided, with their amounts (an
    adjustment of charges). Payments and adjustments are the ledger's
    (``ledger_reports.day_money``), so the day sheet, ``ledger show`` and the balances add up
    the same entries: patient payments net of reversals on the same day (a reversal on a
    later day counts against that day), insurance payments per remittance claim, adjustments
    by group and reason (contractual and other remittance adjustments, denial write-offs,
    write-offs as ``WO`` with their reason); group PR (patient responsibility) moves the
    balance to the next party rather than writing it off, so it is shown by reason and in
    ``patient_responsibility``, not in ``adjustments``.

    A patient payment is credited to the provider of its visit (the encounter), an insurance
    payment or adjustment to the provider of its charge line; without one it goes to ``(none)``.

pandas is imported here only; the CLI imports this module inside the command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import and_, select
from sqlmodel import Session, col

from medbill_cli.db.models import Charge, Encounter, Provider
from medbill_cli.money import fmt
from medbill_cli.status import ChargeStatus

NONE = "(none)"
METHOD_ORDER = ["cash", "check", "card", "eft", "insurance"]
PROVIDER_MEASURES = ["charges", "charge_amount", "voids", "void_amount", "patient_payments",
                     "insurance_payments", "adjustments", "patient_responsibility"]


class DayMoney(Protocol):
    """The day's payments and adjustments as the ledger sums them (``ledger_reports.DayMoney``):
    positive cents, provider ids (None: no provider)."""

    @property
    def patient_payments(self) -> Sequence[tuple[int | None, str, int]]: ...
    @property
    def insurance_payments(self) -> Sequence[tuple[int | None, tuple[str, int], int]]: ...
    @property
    def adjustments(self) -> Sequence[tuple[int | None, str, str, int]]: ...
    @property
    def patient_responsibility(self) -> Sequence[tuple[int | None, str, int]]: ...


@dataclass
class DaySheet:
    date: dt.date
    basis: str
    by_provider: list[dict[str, Any]]
    by_method: list[dict[str, Any]]
    adjustments: list[dict[str, Any]]
    totals: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "basis": self.basis, "by_provider": self.by_provider,
                "by_method": self.by_method, "adjustments": self.adjustments, "totals": self.totals}

    def long_rows(self) -> list[dict[str, Any]]:
        """One row per figure, for CSV: section, key, description, count, amount."""
        head = {"date": self.date.isoformat(), "basis": self.basis}
        out: list[dict[str, Any]] = []
        for p in self.by_provider:
            for measure, count_key in (("charges", "charges"), ("voids", "voids"),
                                       ("patient_payments", None), ("insurance_payments", None),
                                       ("adjustments", None), ("patient_responsibility", None)):
                amount_key = {"charges": "charge_amount", "voids": "void_amount"}.get(
                    measure, measure
                )
                out.append({**head, "section": f"provider_{measure}", "key": p["provider"],
                            "description": p["name"], "count": p[count_key] if count_key else "",
                            "amount": p[amount_key]})
        for m in self.by_method:
            out.append({**head, "section": "payment_method", "key": m["method"], "description": "",
                        "count": m["payments"], "amount": m["amount"]})
        for a in self.adjustments:
            out.append({**head, "section": "adjustment_reason", "key": f"{a['group']}-{a['carc']}",
                        "description": "", "count": a["count"], "amount": a["amount"]})
        for k, v in self.totals.items():
            if k.endswith(("amount", "payments", "adjustments", "responsibility")) and isinstance(
                v, str
            ):
                out.append({**head, "section": "total", "key": k, "description": "", "count": "",
                            "amount": v})
            else:
                out.append({**head, "section": "total", "key": k, "description": "", "count": v,
                            "amount": ""})
        return out


CSV_COLUMNS = ["date", "basis", "section", "key", "description", "count", "amount"]


def local_day(date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local calendar day as aware datetimes [start, end)."""
    start = dt.datetime.combine(date, dt.time.min).astimezone()
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time.min).astimezone()
    return start, end


def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def build_daysheet(*, session: Session, date: dt.date, money: DayMoney,
                   basis: str = "service") -> DaySheet:
    """Gather and total the day.

    Args:
        session: the command's session.
        date: the day.
        money: the day's payments and adjustments from the ledger, on the same basis.
        basis: ``service`` or ``entered`` (see the module docstring).

    Returns:
        The day sheet, amounts as strings "125.00".
    """
    start, end = local_day(date)
    entered = basis == "entered"

    def when(col_date: Any, col_created: Any) -> Any:
        return and_(col_created >= start, col_created < end) if entered else col_date == date

    charge_rows = session.execute(
        select(col(Charge.provider_id), col(Encounter.provider_id), col(Charge.amount_cents))
        .join(Encounter, col(Encounter.id) == col(Charge.encounter_id))
        .where(col(Charge.status) != ChargeStatus.VOID,
               when(col(Charge.date_of_service), col(Charge.created_at)))
    ).all()
    void_when = (and_(col(Charge.voided_at) >= start, col(Charge.voided_at) < end)
                 if entered else col(Charge.date_of_service) == date)
    void_rows = session.execute(
        select(col(Charge.provider_id), col(Encounter.provider_id), col(Charge.amount_cents))
        .join(Encounter, col(Encounter.id) == col(Charge.encounter_id))
        .where(col(Charge.status) == ChargeStatus.VOID, void_when)
    ).all()
    pay_rows = list(money.patient_payments)
    ins_rows = [(prov, cents) for prov, _, cents in money.insurance_payments]
    ins_claims = len({claim for _, claim, _ in money.insurance_payments})
    adj_rows = list(money.adjustments) + [(prov, "PR", carc, cents)
                                          for prov, carc, cents in money.patient_responsibility]
    providers = {p.id: (p.npi, f"{p.last_name}, {p.first_name}")
                 for p in session.execute(select(Provider)).scalars()}

    def npi(pid: Any) -> str:
        return providers[int(pid)][0] if pd.notna(pid) and int(pid) in providers else NONE

    charges = _frame(charge_rows, ["line_provider", "visit_provider", "amount"])
    voids = _frame(void_rows, ["line_provider", "visit_provider", "amount"])
    for f in (charges, voids):
        f["provider"] = [npi(a if pd.notna(a) else b)
                         for a, b in zip(f["line_provider"], f["visit_provider"], strict=True)]
    pays = _frame(pay_rows, ["provider_id", "method", "amount"])
    pays["provider"] = [npi(p) for p in pays["provider_id"]]
    ins = _frame(ins_rows, ["provider_id", "amount"])
    ins["provider"] = [npi(p) for p in ins["provider_id"]]
    adj = _frame(adj_rows, ["provider_id", "group", "carc", "amount"])
    adj["provider"] = [npi(p) for p in adj["provider_id"]]
    write_off = adj[adj["group"] != "PR"]
    pr = adj[adj["group"] == "PR"]

    def by(frame: pd.DataFrame, key: str, how: str = "sum") -> pd.Series:
        if frame.empty:
            return pd.Series(dtype="int64")
        return frame.groupby(key)["amount"].agg(how).astype("int64")

    table = pd.DataFrame({
        "charges": by(charges, "provider", "count"),
        "charge_amount": by(charges, "provider"),
        "voids": by(voids, "provider", "count"),
        "void_amount": by(voids, "provider"),
        "patient_payments": by(pays, "provider"),
        "insurance_payments": by(ins, "provider"),
        "adjustments": by(write_off, "provider"),
        "patient_responsibility": by(pr, "provider"),
    }, columns=PROVIDER_MEASURES).fillna(0).astype("int64")
    names = {n: name for n, name in providers.values()}
    table = table.loc[sorted(table.index, key=lambda k: (k == NONE, names.get(k, ""), k))]
    by_provider = [
        {"provider": key, "name": names.get(key, ""),
         **{m: (int(row[m]) if m in ("charges", "voids") else fmt(int(row[m])))
            for m in PROVIDER_MEASURES}}
        for key, row in table.iterrows()
    ]

    methods = pd.DataFrame({"payments": by(pays, "method", "count"), "amount": by(pays, "method")})
    if not ins.empty:
        methods.loc["insurance"] = [ins_claims, int(ins["amount"].sum())]
    methods = methods.fillna(0).astype("int64")
    methods = methods.sort_index(key=lambda ix: pd.Index(
        [METHOD_ORDER.index(m) if m in METHOD_ORDER else 99 for m in ix]))
    by_method = [{"method": m, "payments": int(r["payments"]), "amount": fmt(int(r["amount"]))}
                 for m, r in methods.iterrows()]

    adjustments: list[dict[str, Any]] = []
    if not adj.empty:
        reasons = adj.groupby(["group", "carc"])["amount"].agg(["count", "sum"]).sort_index()
        adjustments = [
            {"group": r["group"], "carc": r["carc"], "count": int(r["count"]),
             "amount": fmt(int(r["sum"]))}
            for r in reasons.reset_index().to_dict("records")
        ]

    total_pat = int(pays["amount"].sum()) if not pays.empty else 0
    total_ins = int(ins["amount"].sum()) if not ins.empty else 0
    totals = {
        "charges": len(charges),
        "charge_amount": fmt(int(charges["amount"].sum()) if len(charges) else 0),
        "voids": len(voids),
        "void_amount": fmt(int(voids["amount"].sum()) if len(voids) else 0),
        "payments": len(pays) + ins_claims,
        "patient_payments": fmt(total_pat),
        "insurance_payments": fmt(total_ins),
        "payment_amount": fmt(total_pat + total_ins),
        "adjustments": fmt(int(write_off["amount"].sum()) if len(write_off) else 0),
        "patient_responsibility": fmt(int(pr["amount"].sum()) if len(pr) else 0),
    }
    return DaySheet(date=date, basis=basis, by_provider=by_provider, by_method=by_method,
                    adjustments=adjustments, totals=totals)
