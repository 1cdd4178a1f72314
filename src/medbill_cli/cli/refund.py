"""Refunds to patients from their credit."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt, OptDateOpt
from medbill_cli.cli._output import Format, emit_created

app = typer.Typer(help="Refunds to patients from their credit.", no_args_is_help=True)


@app.command("add")
def add(
    patient: Annotated[str, typer.Option("--patient", help="Account number.")],
    amount: Annotated[str, typer.Option("--amount", help="At most the patient's credit.")],
    method: Annotated[str, typer.Option("--method", help="check, card or eft.")],
    reference: Annotated[str | None, typer.Option(
        "--reference", help="Check number (required for a check), card or EFT reference.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (overpayment, ...).")] = None,
    date: OptDateOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Refund a patient from their credit (never more); prints the refund id.

    Example: medbill refund add --patient P000001 --amount 15 --method check --reference 1042
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.money import fmt as money
    from medbill_cli.services.ledger import add_refund

    day = parse_date(date) if date else None
    with _context.connection() as c:
        row = add_refund(session=c, user=_context.state.actor(), account=patient, amount=amount,
                         method=method, reference=reference, reason=reason, date=day)
    emit_created({**row, "amount": money(row["amount_cents"])}, fmt)
