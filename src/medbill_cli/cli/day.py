"""Closed days: list and reopen."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_record, emit_rows, info

app = typer.Typer(help="Closed days: list and reopen.", no_args_is_help=True)

LIST_COLUMNS = ["date", "status", "closed_at", "closed_by", "forced", "encounters",
                "entered_charges", "posted_payments", "reopened_at", "reopened_by", "reason"]


def public(row: Any) -> dict[str, Any]:
    import json

    snap = json.loads(row.snapshot)
    return {
        "id": row.id,
        "date": row.date,
        "status": "reopened" if row.reopened_at else "closed",
        "closed_at": row.closed_at,
        "closed_by": row.closed_by,
        "forced": row.forced,
        "reason": row.reason,
        "balanced": snap.get("balanced"),
        "encounters": snap.get("encounters"),
        "charges": snap.get("charges"),
        "payments": snap.get("payments"),
        "form_charges": snap.get("form_charges"),
        "entered_charges": snap.get("entered_charges"),
        "form_collected": snap.get("form_collected"),
        "posted_payments": snap.get("posted_payments"),
        "snapshot_hash": row.snapshot_hash,
        "reopened_at": row.reopened_at,
        "reopened_by": row.reopened_by,
        "reopen_reason": row.reopen_reason,
    }


@app.command("reopen")
def reopen(
    date: Annotated[str, typer.Argument(help="The closed day: YYYY-MM-DD, today or yesterday.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the day is reopened (recorded).")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Reopen a closed day so that its charges and payments can be changed again.

    Example: medbill day reopen 2025-03-14 --reason "late charge for a walk-in"
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.days import reopen_day

    day = parse_date(date)
    with _context.session() as s:
        rec = public(reopen_day(session=s, user=_context.state.actor(), date=day, reason=reason))
    if fmt is Format.table:
        info(f"Reopened {day.isoformat()}. Reconcile and close it again with "
             f"medbill reconcile --date {day.isoformat()} --close.")
    else:
        emit_record(rec, fmt)


@app.command("list")
def list_(
    closed_only: Annotated[
        bool, typer.Option("--closed", help="Only days closed now (not reopened).")
    ] = False,
    since: Annotated[str | None, typer.Option("--from", help="First day to list.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Last day to list.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List closed days (and reopenings), newest first.

    Example: medbill day list --closed
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.days import list_closes

    first = parse_date(since, "--from date") if since else None
    last = parse_date(until, "--to date") if until else None
    with _context.session(write=False) as s:
        rows = [
            public(r)
            for r in list_closes(session=s, closed_only=closed_only, since=first, until=last)
        ]
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None,
              empty="No day has been closed. Close one with medbill reconcile --date DATE --close.")
