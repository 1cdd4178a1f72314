"""Revenue-cycle KPIs: claim rates from the claims and remittances, money from the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from medbill_cli.db import tables as t
from medbill_cli.db.models.charges import Charge
from medbill_cli.db.models.remit import Denial, Era, EraClaim
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError
from medbill_cli.services.ledger_reports import ar_total, kind_sums
from medbill_cli.services.remit import ADJUDICATED, Outcome
from medbill_cli.status import ChargeStatus, ClaimStatus


def rate_tenths(num: int, den: int) -> int | None:
    """``num / den`` in tenths of a percent, rounded half-even as the KPI table shows it;
    None when ``den`` is 0."""
    from decimal import Decimal

    if den == 0:
        return None
    return int((Decimal(num) * 1000 / Decimal(den)).quantize(Decimal(1)))


def _pct(num: int, den: int) -> str:
    from decimal import Decimal

    tenths = rate_tenths(num, den)
    return "n/a" if tenths is None else f"{(Decimal(tenths) / 10).quantize(Decimal('0.1'))}%"


@dataclass(frozen=True)
class KpiFigures:
    """The numbers behind ``kpis`` for one period (money in cents)."""

    days: int
    submitted: int
    clean: int
    adjudicated: int
    first_pass: int
    posted_claims: int
    denied_claims: int
    denied_and_posted: int
    charges_cents: int
    insurance_paid_cents: int
    patient_paid_cents: int
    contractual_cents: int
    ar_cents: int
    lag_days: tuple[int, ...]

    @property
    def payments_cents(self) -> int:
        return self.insurance_paid_cents + self.patient_paid_cents

    @property
    def net_collection_tenths(self) -> int | None:
        return rate_tenths(self.payments_cents, self.charges_cents - self.contractual_cents)


def kpi_figures(*, session: Session, start: dt.date, end: dt.date) -> KpiFigures:
    """The counts and sums the KPIs of ``start``..``end`` (both included) are computed from."""
    from medbill_cli.db.models.claims import ClaimFinding

    if end < start:
        raise InputError("--to is before --from", "Give --from DATE --to DATE with --from first")
    days = (end - start).days + 1
    t0 = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    t1 = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)

    # Claims submitted in the period, and those that passed the scrub with no error and were
    # not rejected.
    c = t.claim.c
    submitted = [(int(i), str(st)) for i, st in session.execute(sa.select(c.id, c.status).where(
        c.submitted_at.is_not(None), c.submitted_at >= t0, c.submitted_at < t1))]
    sub_ids = [cid for cid, _ in submitted]
    held: set[int] = set()
    for chunk in chunks(sub_ids):
        held.update(session.exec(select(ClaimFinding.claim_id).where(
            col(ClaimFinding.claim_id).in_(chunk), ClaimFinding.severity == "error")))
    clean = sum(1 for cid, st in submitted if cid not in held and st != ClaimStatus.REJECTED)

    # Claims adjudicated in the period: their first posting ever falls in it.
    ec = t.era_claim.c
    first = (sa.select(ec.claim_id, func.min(ec.id))
             .where(ec.claim_id.is_not(None), ec.outcome.in_(ADJUDICATED))
             .group_by(ec.claim_id))
    firsts = {cid: pid for cid, pid in session.execute(first)}
    adjudicated: list[tuple[int, str]] = []
    era = t.era.c
    for chunk in chunks(list(firsts.values())):
        q = (sa.select(ec.claim_id, ec.outcome)
             .select_from(t.era_claim.join(t.era, era.id == ec.era_id))
             .where(ec.id.in_(chunk), era.posted_on >= start, era.posted_on <= end))
        adjudicated += [(int(cid), str(oc)) for cid, oc in session.execute(q)]
    first_pass = sum(1 for _, oc in adjudicated if oc == Outcome.PAID)
    posted_claims = set(session.exec(
        select(EraClaim.claim_id).join(Era, col(Era.id) == EraClaim.era_id)
        .where(col(EraClaim.outcome).in_(ADJUDICATED), Era.posted_on >= start,
               Era.posted_on <= end).distinct()))
    denied_claims = set(session.exec(
        select(Denial.claim_id).where(Denial.opened_on >= start, Denial.opened_on <= end)
        .distinct()))

    # Money in the period, from the ledger (a reversal nets with what it reverses).
    charges = int(session.exec(select(func.coalesce(func.sum(Charge.amount_cents), 0)).where(
        Charge.status != ChargeStatus.VOID.value, Charge.date_of_service >= start,
        Charge.date_of_service <= end)).one())
    sums = kind_sums(session, start=start, end=end)
    ins_paid = -sums.get("insurance_payment", 0)
    pat_paid = -sums.get("patient_payment", 0)
    contractual = -sums.get("contractual", 0)
    ar = ar_total(session=session, as_of=end)

    # Charge lag: days from date of service to entry, over charges entered in the period.
    ch = t.charge.c
    entered = session.execute(sa.select(ch.date_of_service, ch.created_at).where(
        ch.status != ChargeStatus.VOID.value, ch.created_at >= t0, ch.created_at < t1))
    lags = [((created.date() if isinstance(created, dt.datetime) else created) - dos).days
            for dos, created in entered]

    return KpiFigures(
        days=days, submitted=len(submitted), clean=clean, adjudicated=len(adjudicated),
        first_pass=first_pass, posted_claims=len(posted_claims),
        denied_claims=len(denied_claims), denied_and_posted=len(denied_claims & posted_claims),
        charges_cents=charges, insurance_paid_cents=ins_paid, patient_paid_cents=pat_paid,
        contractual_cents=contractual, ar_cents=ar, lag_days=tuple(lags))


def kpis(*, session: Session, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Revenue-cycle KPIs for ``start``..``end`` (both included), each with its formula and the
    numbers that went into it.

    Returns:
        Rows of ``kpi``, ``value``, ``formula``, ``numbers``.
    """
    f = kpi_figures(session=session, start=start, end=end)
    return kpi_rows(f)


def kpi_rows(f: KpiFigures) -> list[dict[str, Any]]:
    """The KPI table's rows from its figures."""
    from decimal import Decimal

    from medbill_cli.money import fmt

    days, charges, ar, lags = f.days, f.charges_cents, f.ar_cents, f.lag_days
    ins_paid, pat_paid, contractual = (f.insurance_paid_cents, f.patient_paid_cents,
                                       f.contractual_cents)
    clean, first_pass = f.clean, f.first_pass
    denied = f.denied_and_posted if f.posted_claims else f.denied_claims
    daily = Decimal(charges) / days if days else Decimal(0)
    dar = "n/a" if daily == 0 else f"{(Decimal(ar) / daily).quantize(Decimal('0.1'))} days"
    lag = "n/a" if not lags else f"{(Decimal(sum(lags)) / len(lags)).quantize(Decimal('0.1'))} days"
    return [
        {"kpi": "clean-claim rate", "value": _pct(clean, f.submitted),
         "formula": "claims submitted with no scrub error and not rejected / claims submitted",
         "numbers": f"{clean} / {f.submitted}"},
        {"kpi": "first-pass resolution rate", "value": _pct(first_pass, f.adjudicated),
         "formula": "claims paid in full on their first remittance / claims first adjudicated "
                    "in the period",
         "numbers": f"{first_pass} / {f.adjudicated}"},
        {"kpi": "denial rate", "value": _pct(denied, f.posted_claims),
         "formula": "claims with a denial opened in the period / claims with a remittance "
                    "posted in the period",
         "numbers": f"{f.denied_and_posted} / {f.posted_claims}"},
        {"kpi": "days in A/R", "value": dar,
         "formula": "A/R at the end of the period / (charges with service in the period / "
                    "days in the period)",
         "numbers": f"{fmt(ar)} / ({fmt(charges)} / {days})"},
        {"kpi": "net collection rate", "value": _pct(ins_paid + pat_paid, charges - contractual),
         "formula": "(insurance payments + patient payments) / (charges - contractual "
                    "adjustments CO-45/A2/42/253)",
         "numbers": f"({fmt(ins_paid)} + {fmt(pat_paid)}) / ({fmt(charges)} - {fmt(contractual)})"},
        {"kpi": "charge lag", "value": lag,
         "formula": "average of (date entered - date of service) over charges entered in the "
                    "period",
         "numbers": f"{sum(lags)} days / {len(lags)} charges"},
    ]
