"""Service locations."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_record, emit_rows

app = typer.Typer(help="Service locations (facilities).", no_args_is_help=True)


def public(f: Any) -> dict[str, Any]:
    return {"id": f.id, "name": f.name, "npi": f.npi, "address": f.address, "city": f.city,
            "state": f.state, "zip": f.zip, "pos": f.pos}


@app.command("add")
def add(
    name: Annotated[str, typer.Option("--name")],
    address: Annotated[str, typer.Option("--address")],
    city: Annotated[str, typer.Option("--city")],
    state: Annotated[str, typer.Option("--state")],
    zip: Annotated[str, typer.Option("--zip")],
    npi: Annotated[str | None, typer.Option("--npi")] = None,
    pos: Annotated[str, typer.Option("--pos", help="Default place of service.")] = "11",
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a service location; prints its id.

    Example: medbill facility add --name "Main St Office" --address "100 Main St" --city Albany
    --state NY --zip 12207
    """
    from medbill_cli.services.registration import add_facility

    with _context.session() as s:
        rec = public(
            add_facility(session=s, user=_context.state.actor(), name=name, address=address,
                         city=city, state=state, zip=zip, npi=npi, pos=pos)
        )
    emit_created(rec, fmt)


@app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """List service locations.

    Example: medbill facility list
    """
    from medbill_cli.services.registration import list_facilities

    with _context.session(write=False) as s:
        rows = [public(f) for f in list_facilities(session=s)]
    emit_rows(rows, fmt, empty="No facilities yet.")


@app.command("show")
def show(facility_id: Annotated[int, typer.Argument()], fmt: FormatOpt = Format.table) -> None:
    """Show one service location.

    Example: medbill facility show 1
    """
    from medbill_cli.services.registration import get_facility

    with _context.session(write=False) as s:
        rec = public(get_facility(session=s, facility_id=facility_id))
    emit_record(rec, fmt)
