"""The denial worklist."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows

app = typer.Typer(help="The denial worklist.", no_args_is_help=True)

LIST_COLUMNS = ["id", "opened_on", "age", "claim", "account", "payer", "group", "carc", "rarc",
                "amount", "status"]


def public(view: Any) -> dict[str, Any]:
    from medbill_cli.money import fmt

    d = view.denial
    return {
        "id": d.id,
        "opened_on": d.opened_on,
        "age": view.age(),
        "claim": view.pcn,
        "claim_id": d.claim_id,
        "account": view.account,
        "payer": view.payer,
        "group": d.group_code,
        "carc": d.carc,
        "rarc": d.rarc,
        "amount": fmt(d.amount_cents),
        "status": d.status,
        "line": d.era_line_id,
        "charge": d.charge_id,
        "note": d.note,
        "worked_by": d.worked_by,
        "worked_at": d.worked_at,
    }


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status", help="open, worked or closed.")] = None,
    payer: Annotated[str | None, typer.Option("--payer", help="Payer id, e.g. ACME1.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="CARC, e.g. 50.")] = None,
    older_than: Annotated[
        int | None, typer.Option("--older-than", help="Only denials at least N days old.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List denied claims and lines, oldest first, with CARC/RARC, payer and amount.

    Example: medbill denial list --status open --payer ACME1 --reason 50
    """
    from medbill_cli.services.denials import list_denials

    with _context.session(write=False) as s:
        rows = [
            public(v)
            for v in list_denials(
                session=s, status=status, payer=payer, reason=reason, min_age=older_than
            )
        ]
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None, empty="No denials.")


@app.command("work")
def work(
    denial_id: Annotated[int, typer.Argument(help="The denial id.")],
    note: Annotated[
        str, typer.Option("--note", help="What was done: appealed, corrected and resubmitted ...")
    ],
    status: Annotated[
        str | None,
        typer.Option("--status", help="open, worked (default) or closed (writes it off)."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Note work on a denial and set its status; closing it writes the amount off A/R.

    Example: medbill denial work 3 --note "appealed with records" --status worked
    """
    from medbill_cli.services.denials import work_denial

    with _context.session() as s:
        v = work_denial(
            session=s, user=_context.state.actor(), denial_id=denial_id, note=note, status=status
        )
        rec = public(v)
    emit_created(rec, fmt)


@app.command("transfer")
def transfer(
    denial_id: Annotated[int, typer.Argument(help="The denial id.")],
    to: Annotated[str | None, typer.Option(
        "--to", help="patient, or next (the next coverage in force, else the patient).")] = None,
    reverse: Annotated[bool, typer.Option(
        "--reverse", help="Undo the denial's transfer: the balance goes back to the payer.")
    ] = False,
    note: Annotated[str | None, typer.Option("--note", help="Why, kept on the denial.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Move a denied balance from the payer to the patient (or the next payer), or undo it.

    A denial keeps its balance with the payer until it is worked; this transfers what the
    payer holds on the denied line(s) and marks the denial worked (--reverse opens it again).
    Example: medbill denial transfer 3 --to patient --note "non-covered, patient informed"
    """
    from medbill_cli.services.denials import transfer_denial

    with _context.session() as s:
        v = transfer_denial(session=s, user=_context.state.actor(), denial_id=denial_id, to=to,
                            reverse=reverse, note=note)
        rec = public(v)
    emit_created(rec, fmt)
