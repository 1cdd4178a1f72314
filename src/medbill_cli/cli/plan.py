"""Payment plans: a monthly amount instead of the dunning cycle."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows

app = typer.Typer(help="Payment plans: a monthly amount instead of the dunning cycle.",
                  no_args_is_help=True)


@app.command("add")
def add(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    monthly: Annotated[str, typer.Option("--monthly", help="The amount due each month.")],
    start: Annotated[str, typer.Option(
        "--start", help="The first month's day: YYYY-MM-DD, today or yesterday.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Put an account on a payment plan: statements ask for the month's amount; a month paid
    below it ends the plan and the account goes back into the dunning cycle. Prints the plan id.

    Example: medbill plan add P000001 --monthly 50 --start 2026-03-01
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.money import fmt as money
    from medbill_cli.services.collections import add_plan

    day = parse_date(start, "--start date")
    with _context.connection() as c:
        row = add_plan(session=c, user=_context.state.actor(), account=account,
                       monthly=monthly, start=day)
    emit_created({"id": row["id"], "account": row["account"],
                  "monthly": money(row["monthly_cents"]), "start": row["start_on"],
                  "balance": money(row["balance_cents"]), "status": row["status"]}, fmt)


@app.command("list")
def list_(
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD, today or yesterday.")
                     ] = "today",
    fmt: FormatOpt = Format.table,
) -> None:
    """Payment plans with where each stands: paid so far, due this month, active, missed or
    paid off.

    Example: medbill plan list --format json
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.collections import list_plans

    day = parse_date(as_of, "--as-of date")
    with _context.connection(write=False) as c:
        rows = list_plans(session=c, as_of=day)
    emit_rows(rows, fmt, columns=["id", "account", "monthly", "start", "balance_at_start",
                                  "paid", "balance", "due_this_month", "status", "ended_on"],
              empty="No payment plans.")
