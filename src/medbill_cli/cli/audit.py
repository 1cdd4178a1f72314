"""The audit trail."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_rows, error, info

app = typer.Typer(help="The audit trail: who changed what, when.", no_args_is_help=True)


def public(a: Any) -> dict[str, Any]:
    return {"id": a.id, "at": a.at, "user": a.user, "action": a.action, "entity": a.entity,
            "entity_id": a.entity_id,
            "before": json.loads(a.before) if a.before else None,
            "after": json.loads(a.after) if a.after else None}


@app.command("list")
def list_(
    entity: Annotated[
        str | None, typer.Option("--entity", help="patient, charge, claim ...")
    ] = None,
    id_: Annotated[str | None, typer.Option("--id", help="The record's id.")] = None,
    user: Annotated[str | None, typer.Option("--by", help="Only this user's changes.")] = None,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List audit entries, oldest first.

    Example: medbill audit list --entity patient --id P000001 --format json
    """
    from medbill_cli.services.audit import list_audit

    with _context.session(write=False) as s:
        rows = [public(a) for a in list_audit(session=s, entity=entity, entity_id=id_, user=user,
                                              limit=limit)]
    emit_rows(
        rows,
        fmt,
        columns=["id", "at", "user", "action", "entity", "entity_id"]
        if fmt is Format.table
        else ["id", "at", "user", "action", "entity", "entity_id", "before", "after"]
        if fmt is Format.csv
        else None,
        empty="The audit trail is empty.",
    )


@app.command("verify")
def verify() -> None:
    """Check the hash chain; exit 1 and name the first altered, removed or reordered entry.

    Example: medbill audit verify
    """
    from medbill_cli.errors import ExitCode
    from medbill_cli.services.audit import verify_audit

    with _context.session(write=False) as s:
        res = verify_audit(session=s)
    if res.ok:
        info(f"Audit trail intact: {res.rows} entries.")
        return
    error(f"Audit entry {res.first_bad_id} {res.problem}.")
    raise typer.Exit(int(ExitCode.PROBLEMS))
