"""Medical history: conditions, allergies, notes."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows

app = typer.Typer(
    help="Medical history: conditions (ICD-10-CM), allergies, notes.", no_args_is_help=True
)


def public(h: Any) -> dict[str, Any]:
    return {"id": h.id, "kind": h.kind, "code": h.code, "onset": h.onset, "status": h.status,
            "text": h.text, "created_at": h.created_at}


@app.command("add")
def add(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    condition: Annotated[str | None, typer.Option("--condition", help="ICD-10-CM code.")] = None,
    onset: Annotated[str | None, typer.Option("--onset")] = None,
    status: Annotated[str, typer.Option("--status", help="active or resolved.")] = "active",
    allergy: Annotated[str | None, typer.Option("--allergy")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a condition, an allergy or a note to a patient's history.

    Example: medbill history add P000001 --condition E11.9 --onset 2019-03-01
    """
    from medbill_cli.dates import parse_date
    from medbill_cli.services.lookup import history_code_check
    from medbill_cli.services.patients import add_history

    with _context.session() as s:
        h = add_history(
            session=s,
            user=_context.state.actor(),
            account=account,
            condition=condition,
            onset=parse_date(onset, what="onset") if onset else None,
            status=status,
            allergy=allergy,
            note=note,
            code_check=history_code_check,
        )
        rec = public(h)
    emit_created(rec, fmt)


@app.command("list")
def list_(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    fmt: FormatOpt = Format.table,
) -> None:
    """List a patient's history.

    Example: medbill history list P000001
    """
    from medbill_cli.services.patients import list_history

    with _context.session(write=False) as s:
        rows = [public(h) for h in list_history(session=s, account=account)]
    emit_rows(rows, fmt, empty="No history recorded.")
