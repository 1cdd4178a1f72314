"""Acknowledgments: import TA1, 999, 277CA and 277 files; list and show them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_record, emit_rows, info, warn, write_json

app = typer.Typer(help="Acknowledgments: import TA1, 999, 277CA and 277 files; list, show.",
                  no_args_is_help=True)

LIST_COLUMNS = ["id", "kind", "sender", "control", "batch", "claims", "accepted", "rejected",
                "unmatched", "flagged", "imported_at"]
TABLE_LIMIT = 200  # answers a table shows
ANSWER_COLUMNS = ["pcn", "line", "source", "outcome", "new_status", "message"]


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The TA1, 999, 277CA or 277 file.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Import an acknowledgment and update the claims it answers; exit 1 if some match none.

    The kind is read from the content. The whole file posts in one transaction; a file
    already imported, truncated, or answering a batch medbill never sent is refused.

    Example: medbill ack import clearinghouse.999
    """
    from medbill_cli.errors import ExitCode
    from medbill_cli.services.acks import import_ack

    data = file.read_bytes()
    with _context.session() as s:
        res = import_ack(session=s, user=_context.state.actor(), data=data, file_name=file.name)
    for w in res.warnings:
        warn(w)
    for e in res.flagged:
        warn(f"claim {e.pcn}{' line ' + e.line if e.line else ''}: category "
             f"{e.category or '(none)'} is not one a {res.kind} may carry; shown, not acted on")
    rows = [{"pcn": e.pcn, "line": e.line, "source": e.source, "outcome": e.outcome,
             "new_status": e.new_status, "message": e.message} for e in res.events]
    if fmt is Format.json:
        write_json({"id": res.ack_id, "kind": res.kind, "summary": res.summary, "answers": rows,
                    "errors": res.errors})
    else:
        # A table shows what needs work (rejections, unmatched, oddities); csv gives every row.
        if fmt is Format.table:
            rows = [r for r in rows if r["outcome"] not in ("accepted", "forwarded")]
        shown = rows[:TABLE_LIMIT] if fmt is Format.table else rows
        emit_rows(shown, fmt, columns=ANSWER_COLUMNS, empty="Nothing rejected or unmatched.")
        if len(shown) < len(rows):
            info(f"... and {len(rows) - len(shown)} more (--format csv lists them all).")
    info(f"Imported {res.kind} as ack {res.ack_id}: {res.summary}.")
    if res.unmatched:
        info(f"{len(res.unmatched)} claim(s) match none of ours: "
             + ", ".join(e.pcn for e in res.unmatched[:20])
             + (" ..." if len(res.unmatched) > 20 else "") + ".")
        raise typer.Exit(int(ExitCode.PROBLEMS))


@app.command("list")
def list_(limit: Annotated[int | None, typer.Option("--limit")] = None,
          fmt: FormatOpt = Format.table) -> None:
    """List imported acknowledgments, newest first.

    Example: medbill ack list --format json
    """
    from medbill_cli.services.acks import list_acks

    with _context.session(write=False) as s:
        rows = list_acks(session=s, limit=limit)
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None,
              empty="No acknowledgments imported yet. Import one with medbill ack import FILE.")


@app.command("show")
def show(ack_id: Annotated[int, typer.Argument(help="The ack id.")],
         fmt: FormatOpt = Format.table) -> None:
    """Show an acknowledgment: what it said of each claim and line, and its 999 errors.

    Example: medbill ack show 1
    """
    from medbill_cli.services.acks import get_ack

    with _context.session(write=False) as s:
        rec = get_ack(session=s, ack_id=ack_id)
    emit_record(rec, fmt, title=f"Ack {ack_id}")
