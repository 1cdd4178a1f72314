"""Payers (insurers)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_record, emit_rows

app = typer.Typer(help="Payers (insurers).", no_args_is_help=True)


def public(p: Any) -> dict[str, Any]:
    return {"id": p.payer_id, "payer_id": p.payer_id, "name": p.name,
            "filing_indicator": p.filing_indicator, "timely_filing_days": p.timely_filing_days,
            "address": p.address, "city": p.city, "state": p.state, "zip": p.zip,
            "accept_assignment": p.accept_assignment, "forwards_claims": bool(p.forwards_claims)}


AssignmentOpt = typer.Option(
    "--accept-assignment/--no-accept-assignment",
    help="The practice accepts assignment with this payer (participates): 837P CLM07 A, "
    "else C; CMS-1500 box 27.")
FORWARDS_HELP = ("The payer crosses its adjudicated claims over to the next payer itself "
                 "(no claim is sent to that payer; its 835 comes by itself).")


@app.command("add")
def add(
    name: Annotated[str, typer.Option("--name")],
    payer_id: Annotated[str, typer.Option("--payer-id", help="The payer's EDI id.")],
    filing_indicator: Annotated[
        str, typer.Option("--filing-indicator", help="837P SBR09, e.g. CI, MB, MC, BL.")
    ] = "CI",
    timely_filing_days: Annotated[int, typer.Option("--timely-filing-days")] = 365,
    address: Annotated[str | None, typer.Option("--address")] = None,
    city: Annotated[str | None, typer.Option("--city")] = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    zip: Annotated[str | None, typer.Option("--zip")] = None,
    accept_assignment: Annotated[bool, AssignmentOpt] = True,
    forwards_claims: Annotated[bool, typer.Option("--forwards-claims", help=FORWARDS_HELP)
                               ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a payer; prints its payer id.

    Example: medbill payer add --name "Acme Health" --payer-id ACME1 --filing-indicator CI
    """
    from medbill_cli.services.registration import add_payer

    with _context.session() as s:
        rec = public(add_payer(session=s, user=_context.state.actor(), name=name, payer_id=payer_id,
                               filing_indicator=filing_indicator,
                               timely_filing_days=timely_filing_days, address=address, city=city,
                               state=state, zip=zip, accept_assignment=accept_assignment,
                               forwards_claims=forwards_claims))
    emit_created(rec, fmt)


@app.command("update")
def update(
    payer_id: Annotated[str, typer.Argument(help="The payer's EDI id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")],
    accept_assignment: Annotated[bool | None, AssignmentOpt] = None,
    forwards_claims: Annotated[bool | None, typer.Option(
        "--forwards-claims/--no-forwards-claims", help=FORWARDS_HELP)] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change how a payer works: whether the practice accepts assignment with it (claims not
    yet sent), and whether it forwards claims to the next payer (audited, with the reason).

    Example: medbill payer update ACME1 --no-accept-assignment --reason "left the network"
    """
    from medbill_cli.services.registration import update_payer

    with _context.session() as s:
        rec = public(update_payer(session=s, user=_context.state.actor(), payer_id=payer_id,
                                  reason=reason, accept_assignment=accept_assignment,
                                  forwards_claims=forwards_claims))
    emit_record(rec, fmt)


@app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """List payers.

    Example: medbill payer list --format json
    """
    from medbill_cli.services.registration import list_payers

    with _context.session(write=False) as s:
        rows = [public(p) for p in list_payers(session=s)]
    emit_rows(rows, fmt, columns=["payer_id", "name", "filing_indicator", "timely_filing_days"],
              empty="No payers yet. Add one with medbill payer add.")


@app.command("show")
def show(payer_id: Annotated[str, typer.Argument()], fmt: FormatOpt = Format.table) -> None:
    """Show one payer.

    Example: medbill payer show ACME1
    """
    from medbill_cli.services.registration import get_payer

    with _context.session(write=False) as s:
        rec = public(get_payer(session=s, payer_id=payer_id))
    emit_record(rec, fmt)
