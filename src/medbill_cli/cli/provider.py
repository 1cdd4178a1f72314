"""Rendering providers (type-1 NPI)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_record, emit_rows

app = typer.Typer(help="Rendering providers.", no_args_is_help=True)


def public(p: Any) -> dict[str, Any]:
    return {"id": p.id, "npi": p.npi, "first_name": p.first_name, "last_name": p.last_name,
            "middle_name": p.middle_name, "credential": p.credential, "taxonomy": p.taxonomy,
            "active": p.active}


@app.command("add")
def add(
    npi: Annotated[str, typer.Option("--npi", help="Type-1 (individual) NPI.")],
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: Annotated[str, typer.Option("--last-name")],
    middle_name: Annotated[str | None, typer.Option("--middle-name")] = None,
    credential: Annotated[
        str | None, typer.Option("--credential", help="MD, DO, NP, PA ...")
    ] = None,
    taxonomy: Annotated[str | None, typer.Option("--taxonomy", help="e.g. 207Q00000X.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a provider; prints the NPI.

    Example: medbill provider add --npi 1987654328 --first-name Ana --last-name Ruiz --credential MD
    """
    from medbill_cli.services.registration import add_provider

    with _context.session() as s:
        rec = public(
            add_provider(session=s, user=_context.state.actor(), npi=npi, first_name=first_name,
                         last_name=last_name, middle_name=middle_name, credential=credential,
                         taxonomy=taxonomy)
        )
    emit_created(rec, fmt, id_key="npi")


@app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """List providers.

    Example: medbill provider list --format csv
    """
    from medbill_cli.services.registration import list_providers

    with _context.session(write=False) as s:
        rows = [public(p) for p in list_providers(session=s)]
    emit_rows(rows, fmt, columns=["npi", "last_name", "first_name", "credential", "taxonomy"],
              empty="No providers yet. Add one with medbill provider add.")


@app.command("show")
def show(npi: Annotated[str, typer.Argument()], fmt: FormatOpt = Format.table) -> None:
    """Show one provider.

    Example: medbill provider show 1987654328
    """
    from medbill_cli.services.registration import get_provider

    with _context.session(write=False) as s:
        rec = public(get_provider(session=s, npi=npi))
    emit_record(rec, fmt)
