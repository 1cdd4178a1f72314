"""Patient statements, collections and payment plans.

A statement run records, for each account it covered, the dunning level and the amount due,
so the next run knows where each account is in the cycle (``services/statements.py``). An
account in collections had its patient balance written off as bad debt (an ``Adjustment``);
money received later is a bad-debt recovery against that write-off. A payment plan replaces
the dunning cycle while its monthly amounts are paid.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from medbill_cli.db.models._base import utcnow


class StatementRun(SQLModel, table=True):
    """One ``statement run``: who ran it, when, as of which day, into which file."""

    __tablename__ = "statement_run"

    id: int | None = Field(default=None, primary_key=True)
    as_of: dt.date
    min_balance_cents: int = 0
    file: str | None = None  # the PDF's file name (no folder)
    statements: int = 0  # accounts that got a statement
    proposed: int = 0  # accounts proposed for collections (no statement)
    total_cents: int = 0  # the amount due on the statements
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=100)


class StatementItem(SQLModel, table=True):
    """One account in one run: its dunning level (or plan) and the amounts on its statement."""

    __tablename__ = "statement_item"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="statement_run.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    # first|second|final|collections (proposed, no statement)|plan
    level: str = Field(max_length=12)
    cycle_start: dt.date  # the as-of day of the first statement of this dunning cycle
    due_cents: int  # the balance the patient owes
    plan_due_cents: int | None = None  # on a plan: this month's amount
    plan_id: int | None = Field(default=None, foreign_key="payment_plan.id")
    current_cents: int = 0  # the aging of what the patient owes
    days_31_60_cents: int = 0
    days_61_90_cents: int = 0
    days_over_90_cents: int = 0
    pages: int = 0


class Collection(SQLModel, table=True):
    """An account sent to collections: its patient balance written off as bad debt."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    adjustment_id: int = Field(foreign_key="adjustment.id")
    amount_cents: int
    reason: str
    sent_on: dt.date
    status: str = Field(default="active", max_length=10)  # active
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=100)


class PaymentPlan(SQLModel, table=True):
    """A monthly amount the patient agreed to pay from ``start_on``."""

    __tablename__ = "payment_plan"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    monthly_cents: int
    start_on: dt.date
    balance_cents: int  # what the patient owed when the plan was made
    status: str = Field(default="active", max_length=10)  # active|missed|paid
    ended_on: dt.date | None = None  # the last day of the month missed, or the day paid off
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=100)
