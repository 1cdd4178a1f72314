"""Collections: accounts whose patient balance was written off as bad debt."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt, OptDateOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows, info

app = typer.Typer(help="Collections: send an account's balance to collections, list them.",
                  no_args_is_help=True)


@app.command("send")
def send(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    reason: Annotated[str, typer.Option("--reason", help="Why (e.g. final notice unanswered).")],
    date: OptDateOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Send an account to collections: its patient balance is written off as bad debt, it gets
    no more statements, and money received later is posted as a bad-debt recovery. Prints the
    collection id.

    Example: medbill collections send P000001 --reason "No answer to the final notice"
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.money import fmt as money
    from medbill_cli.services.collections import send as send_

    day = parse_date(date) if date else None
    with _context.connection() as c:
        row = send_(session=c, user=_context.state.actor(), account=account, reason=reason,
                    date=day)
    emit_created({"id": row["id"], "account": row["account"], "sent_on": row["sent_on"],
                  "amount": money(row["amount_cents"]), "adjustment": row["adjustment_id"],
                  "reason": row["reason"]}, fmt)
    if fmt is Format.table:
        info(f"Wrote off {money(row['amount_cents'])} of {row['account']} as bad debt "
             f"(adjustment {row['adjustment_id']}).")


@app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """Accounts sent to collections, oldest first: amount written off, recovered since,
    outstanding.

    Example: medbill collections list --format json
    """
    from medbill_cli.services.collections import list_collections

    with _context.connection(write=False) as c:
        rows = list_collections(session=c)
    emit_rows(rows, fmt, columns=["id", "account", "sent_on", "amount", "recovered",
                                  "outstanding", "status", "reason", "user"],
              empty="No accounts in collections.")
