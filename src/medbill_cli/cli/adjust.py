"""Write-offs from what a party owes."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt, OptDateOpt
from medbill_cli.cli._output import Format, emit_created


def public(row: dict[str, Any]) -> dict[str, Any]:
    from medbill_cli.money import fmt

    return {**row, "amount": fmt(row["amount_cents"])}


def adjust(
    charge: Annotated[int | None, typer.Option("--charge", help="The charge line.")] = None,
    claim: Annotated[int | None, typer.Option(
        "--claim", help="The claim (its lines, in order).")] = None,
    amount: Annotated[str | None, typer.Option(
        "--amount", help="e.g. 12.50; at most what is owed.")] = None,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="small-balance, courtesy, bad-debt, timely-filing, contractual or "
                         "other.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free text (why).")] = None,
    party: Annotated[str | None, typer.Option(
        "--party", help="patient or insurance (default: insurance for timely-filing and "
                        "contractual, else patient).")] = None,
    reverse: Annotated[int | None, typer.Option(
        "--reverse", help="Undo this adjustment id.")] = None,
    date: OptDateOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Write off part of what a party owes on a charge line or a claim; prints its id.

    --reverse ADJUSTMENT_ID undoes one (a reversal is never reversed).

    Example: medbill adjust --charge 12 --amount 4.37 --reason small-balance --note "under 5.00"
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.errors import InputError
    from medbill_cli.services.ledger import reverse_adjustment, write_off

    day = parse_date(date) if date else None
    user = _context.state.actor()
    if reverse is not None:
        if charge is not None or claim is not None or amount is not None:
            raise InputError("--reverse takes no --charge, --claim or --amount")
        with _context.connection() as c:
            row = reverse_adjustment(session=c, user=user, adjustment_id=reverse, reason=note,
                                     date=day)
        emit_created(public(row), fmt)
        return
    if amount is None or reason is None:
        raise InputError("An adjustment needs --amount and --reason",
                         "Give --charge ID or --claim ID with --amount A --reason R")
    with _context.connection() as c:
        row = write_off(session=c, user=user, amount=amount, reason=reason, charge_id=charge,
                        claim_id=claim, note=note, party=party, date=day)
    emit_created(public(row), fmt)
