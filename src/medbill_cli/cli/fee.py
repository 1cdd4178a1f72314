"""The fee schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows, info, progress, write_json

app = typer.Typer(help="The fee schedule.", no_args_is_help=True)


def public(f: Any) -> dict[str, Any]:
    from medbill_cli.money import fmt
    from medbill_cli.services.fees import FOREVER

    return {
        "id": f.id,
        "code": f.code,
        "modifier": f.modifier or None,
        "amount": fmt(f.amount_cents),
        "effective": None if f.effective == FOREVER else f.effective,
    }


@app.command("set")
def set_(
    code: Annotated[str, typer.Argument(help="CPT or HCPCS code.")],
    amount: Annotated[str, typer.Argument(help="Fee per unit, e.g. 125.00.")],
    modifier: Annotated[
        str | None, typer.Option("--modifier", help="A fee for the code with this modifier.")
    ] = None,
    effective: Annotated[
        str | None, typer.Option("--effective", help="First date of service it applies to.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Set the fee per unit of a code (a charge's amount is fee x units); prints the fee id.

    Example: medbill fee set 99213 125.00 --effective 2025-01-01
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.fees import set_fee

    eff = parse_date(effective, "effective date") if effective else None
    with _context.session() as s:
        rec = public(set_fee(session=s, user=_context.state.actor(), code=code, amount=amount,
                             modifier=modifier, effective=eff))
    emit_created(rec, fmt)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV: code,amount[,modifier,effective].")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Set many fees from a CSV; all-or-nothing, bad rows reported by line.

    Example: medbill fee import fees.csv
    """
    from medbill_cli.services import csvfile
    from medbill_cli.services.fees import IMPORT_OPTIONAL, IMPORT_REQUIRED, import_fees

    rows = csvfile.read_rows(file, required=IMPORT_REQUIRED, optional=IMPORT_OPTIONAL)
    with _context.session() as s, progress(len(rows), "Importing fees") as advance:
        recs = [public(f) for f in import_fees(session=s, user=_context.state.actor(), rows=rows,
                                               progress=advance)]
    if fmt is Format.json:
        write_json(recs)
    else:
        for rec in recs:
            emit_created(rec, Format.table)
    info(f"Imported {len(recs)} fee(s).")


@app.command("list")
def list_(
    code: Annotated[str | None, typer.Option("--code", help="Only this code.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the fee schedule.

    Example: medbill fee list --format csv
    """
    from medbill_cli.services.fees import list_fees

    with _context.session(write=False) as s:
        rows = [public(f) for f in list_fees(session=s, code=code)]
    emit_rows(rows, fmt, columns=["id", "code", "modifier", "amount", "effective"],
              empty="No fees yet. Set one with medbill fee set CODE AMOUNT.")
