"""The line-item ledger: entries, balances and the check of its invariants."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_record, emit_rows, error, info

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


@app.command("balance")
def balance(
    account: Annotated[str, typer.Argument(help="The patient's account number.")],
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD, today or yesterday.")
                     ] = "today",
    fmt: FormatOpt = Format.table,
) -> None:
    """What each party owes on a patient's lines, from the ledger (patient balance's shape).

    Example: medbill ledger balance P000001 --format json
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.ledger_reports import patient_balance

    day = parse_date(as_of, "--as-of date")
    with _context.connection(write=False) as c:
        b = patient_balance(session=c, account=account, as_of=day)
    emit_record(balance_public(b), fmt, title=f"Balance of {b['account']}")


def balance_public(b: dict[str, Any]) -> dict[str, Any]:
    """``patient balance --format json`` as CLI.md gives it: amounts as strings."""
    out: dict[str, Any] = {}
    for k, v in b.items():
        if k == "owed_by":
            out[k] = {p: _money(c) for p, c in v.items()}
        elif isinstance(v, int) and k not in ("account",):
            out[k] = _money(v)
        else:
            out[k] = v
    return out


@app.command("aging")
def aging(
    as_of: Annotated[str, typer.Option("--as-of", help="YYYY-MM-DD, today or yesterday.")
                     ] = "today",
    by: Annotated[str, typer.Option("--by", help="payer, patient or party.")] = "payer",
    basis: Annotated[str, typer.Option("--basis", help="dos (date of service) or transfer "
                                                       "(the day the balance moved).")] = "dos",
    fmt: FormatOpt = Format.table,
) -> None:
    """A/R aging from the ledger, self-pay and patient balances included.

    Example: medbill ledger aging --by party --basis transfer --format json
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.ledger_reports import BUCKETS, ar_aging

    day = parse_date(as_of, "--as-of date")
    with _context.connection(write=False) as c:
        rows = ar_aging(session=c, as_of=day, by=by, basis=basis)
    key = by.strip().lower()
    out = [{key: r[key], **{b: _money(r[b]) for b in BUCKETS}, "total": _money(r["total"])}
           for r in rows]
    emit_rows(out, fmt, title=f"A/R aging as of {day.isoformat()}")
