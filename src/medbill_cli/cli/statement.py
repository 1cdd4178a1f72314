"""Patient statements: the batch run with dunning levels, and the runs recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_record, emit_rows, info, warn

app = typer.Typer(help="Patient statements: run them for everyone who owes, list the runs.",
                  no_args_is_help=True)

CANDIDATE_COLUMNS = ["account", "level", "balance", "amount_due", "current", "days_31_60",
                     "days_61_90", "days_over_90", "plan"]
ITEM_COLUMNS = ["run", "account", "level", "balance", "amount_due", "current", "days_31_60",
                "days_61_90", "days_over_90", "plan", "pages"]
RUN_COLUMNS = ["id", "as_of", "run_at", "user", "statements", "proposed", "total",
               "min_balance", "file"]


@app.command("run")
def run(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="The PDF to write (one or more pages per patient).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="List who would get a statement; write and record nothing.")] = False,
    as_of: Annotated[str, typer.Option(
        "--as-of", help="Statement date: YYYY-MM-DD, today or yesterday.")] = "today",
    min_balance: Annotated[str, typer.Option(
        "--min-balance", help="A smaller balance gets no statement.")] = "0",
    fmt: FormatOpt = Format.table,
) -> None:
    """Statements for every patient who owes at least --min-balance, in one PDF, each with a
    tear-off remittance slip; the dunning level (first, second, final, then proposed for
    collections) follows the days since the account's first statement. Accounts with a
    credit, a zero balance, a balance still with insurance, or in collections get none; an
    account on a payment plan gets a plan statement for this month's amount. The accounts
    are listed on stdout.

    Example: medbill statement run --as-of 2026-03-01 --min-balance 5 --output stmts.pdf
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.money import fmt as money
    from medbill_cli.services.statements import run_statements

    day = parse_date(as_of, "--as-of date")
    with _context.connection(write=not dry_run) as c:
        res = run_statements(session=c, user=_context.state.actor(), as_of=day,
                             min_balance=min_balance, output=output, dry_run=dry_run)
    rows = [x.public() for x in res.candidates]
    emit_rows(rows, fmt, columns=CANDIDATE_COLUMNS, empty="No patient owes enough for a statement.")
    if res.proposed:
        info(f"{res.proposed} account(s) are proposed for collections (level collections; no "
             "statement): medbill collections send ACCOUNT --reason TEXT.")
    if res.no_address:
        warn(f"{res.no_address} statement(s) have no mailing address.")
    if dry_run:
        info(f"Dry run: {res.statements} statement(s) would ask for {money(res.total_cents)}; "
             "nothing was written or recorded.")
    elif res.run_id is None:
        info("Nothing to send; nothing was recorded.")
    elif res.path is None:
        info(f"Recorded statement run {res.run_id}: no statements to print.")
    else:
        info(f"Statement run {res.run_id}: {res.statements} statement(s) on {res.pages} page(s), "
             f"asking for {money(res.total_cents)}, written to {output}.")


@app.command("list")
def list_(
    account: Annotated[str | None, typer.Argument(
        autocompletion=_complete.accounts, help="Only this account's statements.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The statement runs, newest first; with ACCOUNT, that account's statements in each run.

    Example: medbill statement list --format json
    """
    from medbill_cli.services.statements import list_runs

    with _context.connection(write=False) as c:
        rows = list_runs(session=c, account=account)
    if account is None:
        emit_rows(rows, fmt, columns=RUN_COLUMNS, empty="No statement runs.")
    else:
        emit_rows(rows, fmt, columns=["as_of", *ITEM_COLUMNS, "user"], empty="No statements.")


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(metavar="RUN", help="The run's id.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """The accounts of one statement run: level, balance, amount due, aging.

    Example: medbill statement show 3 --format csv
    """
    from medbill_cli.services.statements import show_run

    with _context.connection(write=False) as c:
        head, items = show_run(session=c, run_id=run_id)
    if fmt is Format.json:
        from medbill_cli.cli._output import write_json

        write_json({**head, "accounts": items})
        return
    if fmt is Format.table:
        emit_record(head, fmt, title=f"Statement run {head['id']}")
    emit_rows(items, fmt, columns=ITEM_COLUMNS, empty="No accounts.")
