"""The line-item ledger: entries, balances and the check of its invariants."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_rows, error, info

app = typer.Typer(help="The line-item ledger: entries, balances and their check.",
                  no_args_is_help=True)

SHOW_COLUMNS = ["id", "date", "charge", "claim", "party", "kind", "amount", "balance", "source",
                "user"]


def _money(cents: int) -> str:
    from medbill_cli.money import fmt

    return fmt(cents)


@app.command("show")
def show(
    account: Annotated[str, typer.Argument(help="The patient's account number.")],
    claim: Annotated[int | None, typer.Option("--claim", help="Only this claim's lines.")] = None,
    charge: Annotated[int | None, typer.Option("--charge", help="Only this charge line.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Every entry of an account, oldest first, with a running balance per party.

    Amounts are signed: a charge adds to what is owed, a payment or adjustment takes from it,
    a transfer moves it from one party to the next.

    Example: medbill ledger show P000001 --claim 3 --format json
    """
    from medbill_cli.services.ledger_reports import ledger_rows

    with _context.connection(write=False) as c:
        rows = ledger_rows(session=c, account=account, claim=claim, charge=charge)
    out = [{**r, "amount": _money(r["amount"]), "balance": _money(r["balance"])} for r in rows]
    emit_rows(out, fmt, columns=SHOW_COLUMNS, empty="No ledger entries.")


@app.command("check")
def check(fmt: FormatOpt = Format.table) -> None:
    """Prove the ledger's invariants over the whole database; exit 1 naming the first failure.

    Checks: every source (charge, payment, 835 claim payment, write-off, refund, denial) has
    its entries exactly once and they sum to what it says; reversals are exact and never
    reversed; transfers net to zero; nothing was posted into a closed period; charges -
    payments - adjustments + refunds = A/R - credit.

    Example: medbill ledger check
    """
    from sqlalchemy import func, select

    from medbill_cli.db import tables as t
    from medbill_cli.services.ledger_check import check_ledger

    with _context.connection(write=False) as c:
        problems = check_ledger(session=c)
        n = int(c.execute(select(func.count()).select_from(t.ledger_entry)).scalar_one())
    rows = [{"check": p.check, "entry": p.entry, "charge": p.charge, "message": p.message}
            for p in problems]
    if fmt is not Format.table or rows:
        emit_rows(rows, fmt)
    if problems:
        error(f"ledger check found {len(problems)} problem(s); first: {problems[0].line()}")
        raise typer.Exit(1)
    info(f"The ledger checks out: {n} entries.")
