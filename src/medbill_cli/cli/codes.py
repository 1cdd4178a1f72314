"""Code lookup and import (ICD-10-CM, CPT, HCPCS, modifiers, POS, CARC/RARC, NCCI)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt, parse_date
from medbill_cli.cli._output import Format, emit_created, emit_record, emit_rows, info

app = typer.Typer(help="Look up and import code sets.", no_args_is_help=True)

SEARCH_SYSTEMS = ("icd10cm", "cpt", "hcpcs", "modifier", "pos", "group", "carc", "rarc")


def _system(value: str | None, allowed: tuple[str, ...]) -> str | None:
    from medbill_cli.errors import InputError

    if value is None:
        return None
    v = value.strip().lower()
    if v not in allowed:
        raise InputError(f"Unknown code system '{value}'", "Use one of " + ", ".join(allowed))
    return v


@app.command("search")
def search(
    text: Annotated[
        str, typer.Argument(help="A code, a code prefix (E11.2) or words (typos are fine).")
    ],
    system: Annotated[
        str | None,
        typer.Option("--system", help="icd10cm, cpt, hcpcs, modifier, pos, group, carc or rarc.",
                     autocompletion=_complete.search_systems),
    ] = None,
    billable: Annotated[
        bool, typer.Option("--billable", help="Only codes valid on a claim (no headers).")
    ] = False,
    date: Annotated[
        str | None, typer.Option("--date", help="Only codes valid on this date of service.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20,
    fmt: FormatOpt = Format.table,
) -> None:
    """Find codes: exact code first, then code prefixes, then words of the descriptions.

    Example: medbill codes search "type 2 diabetes kidney" --billable
    """
    from medbill_cli.codesets.search import search_codes
    from medbill_cli.db.readonly import open_readonly

    sys_ = _system(system, SEARCH_SYSTEMS)
    dos = parse_date(date, "date of service") if date else None
    # A bare driver connection, not _context.session(): SQLAlchemy's import alone would use up
    # the command's time budget. Read-only, with the same schema checks.
    with open_readonly(_context.state.target()) as db:
        hits = search_codes(session=db, query=text, system=sys_, billable=billable, dos=dos,
                            limit=limit)
    emit_rows(
        [h.public() for h in hits],
        fmt,
        columns=["system", "code", "billable", "description"],
        empty="No code matches. Try fewer words or a code prefix.",
    )


@app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="The code, e.g. E11.9, 99213, J1100, 25.")],
    system: Annotated[
        str | None, typer.Option("--system", autocompletion=_complete.search_systems)
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Date of service: the version in force then.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show a code: description, billable or header, children, notes, dates, MUE and PTP edits.

    Example: medbill codes show E11
    """
    from medbill_cli.services.codes import show_code

    sys_ = _system(system, SEARCH_SYSTEMS)
    dos = parse_date(date, "date of service") if date else None
    with _context.session(write=False) as s:
        rec = show_code(session=s, code=code, system=sys_, dos=dos)
    if fmt is Format.table:
        rec = _for_table(rec)
    emit_record(rec, fmt, title=f"{rec['system']} {rec['code']}")


def _for_table(rec: dict[str, object]) -> dict[str, object]:
    out = {k: v for k, v in rec.items() if v is not None and k != "billable"}
    mue = out.get("mue")
    if isinstance(mue, dict):
        out["mue"] = (
            f"{mue['units']} units (MAI {mue['mai']}: {mue['rationale'] or '-'}; {mue['version']})"
        )
    notes = out.pop("notes", None)
    if isinstance(notes, dict):
        for k, v in notes.items():
            if isinstance(v, dict):
                v = "; ".join(f"{c}={d}" for c, d in v.items())
            elif isinstance(v, list):
                v = "; ".join(str(x) for x in v)
            out[k.replace("_", " ")] = v
    return out


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The file to import.")],
    system: Annotated[
        str, typer.Option("--system", help="hcpcs, cpt, ncci-ptp, mue, pos, carc, rarc or icd10cm.",
                          autocompletion=_complete.import_systems)
    ],
    version: Annotated[
        str | None, typer.Option("--version", help="Code-set version; default the file name.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Import a code-set file, all or nothing; importing the same file again changes nothing.

    HCPCS: CMS's ANWEB .txt or .xlsx, or a CSV (hcpcs,long_description,short_description).
    CPT: your licensed CSV (code,description). NCCI: CMS's practitioner PTP .txt and MUE .csv.

    Example: medbill codes import HCPC2026_JAN_ANWEB.txt --system hcpcs
    """
    from medbill_cli.services.codes import IMPORT_SYSTEMS, import_code_file

    sys_ = _system(system, IMPORT_SYSTEMS)
    assert sys_ is not None
    with _context.session() as s:
        res = import_code_file(session=s, user=_context.state.actor(), path=file, system=sys_,
                               version=version)
    if res.unchanged:
        info(f"{file.name} is already loaded as {res.system} {res.version}; nothing changed.")
    else:
        info(f"Imported {res.system} {res.version}: {res.rows:,} rows "
             f"({res.inserted:,} new, {res.updated:,} changed"
             f"{f', {res.removed:,} sample codes replaced' if res.removed else ''}).")
    emit_created(res.public(), fmt)


@app.command("info")
def info_cmd(fmt: FormatOpt = Format.table) -> None:
    """List the loaded code sets, their versions and how many codes each holds.

    Example: medbill codes info
    """
    from medbill_cli.services.codes import code_set_info

    with _context.session(write=False) as s:
        rows = code_set_info(session=s)
    emit_rows(rows, fmt, columns=["system", "version", "codes", "billable", "headers", "loaded_at"]
              if fmt is Format.table else None,
              empty="No code sets loaded. Run medbill init.")
