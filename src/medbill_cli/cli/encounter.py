"""Encounters (visits) and their encounter forms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt, OptDateOpt
from medbill_cli.cli._output import (
    Format,
    emit_created,
    emit_record,
    emit_rows,
    info,
    progress,
    warn,
    write_json,
)

app = typer.Typer(help="Encounters (visits) and their encounter forms.", no_args_is_help=True)

LIST_COLUMNS = ["id", "date", "patient", "provider", "form", "form_charges", "form_collected",
                "source", "diagnoses"]


def public(
    e: Any, account: str, diagnoses: list[str] | None = None, npi: str | None = None
) -> dict[str, Any]:
    from medbill_cli.money import fmt

    return {"id": e.id, "patient": account, "account": account, "date": e.date_of_service,
            "provider": npi, "facility": e.facility_id, "pos": e.pos, "form": e.form_number,
            "form_charges": fmt(e.form_charges_cents) or None,
            "form_collected": fmt(e.form_collected_cents) or None,
            "source": e.source, "diagnoses": list(diagnoses or [])}


def _npis(s: Any) -> dict[int, str]:
    from sqlalchemy import select

    from medbill_cli.db.tables import provider

    return {i: npi for i, npi in s.execute(select(provider.c.id, provider.c.npi))}


@app.command("add")
def add(
    patient: Annotated[str, typer.Option("--patient", help="Account number, e.g. P000001.")],
    date: Annotated[
        str, typer.Option("--date", help="Date of service: YYYY-MM-DD, today or yesterday.")
    ],
    provider: Annotated[str, typer.Option("--provider", help="Rendering provider's NPI.")],
    facility: Annotated[int | None, typer.Option("--facility", help="Facility id.")] = None,
    pos: Annotated[
        str | None,
        typer.Option("--pos", help="Place of service (default the facility's, else 11)."),
    ] = None,
    form: Annotated[
        str | None, typer.Option("--form", help="Encounter form (superbill) number.")
    ] = None,
    form_charges: Annotated[
        str | None, typer.Option("--form-charges", help="Charges total marked on the form.")
    ] = None,
    form_collected: Annotated[
        str | None,
        typer.Option("--form-collected", help="Money collected at the desk, per the form."),
    ] = None,
    referring_npi: Annotated[str | None, typer.Option(
        "--referring-npi", help="Referring provider's NPI (837P 2310A).")] = None,
    referring_name: Annotated[str | None, typer.Option(
        "--referring-name", help='Referring provider: "LAST, FIRST".')] = None,
    onset: Annotated[str | None, typer.Option(
        "--onset", help="Onset of the current illness (DTP*431).")] = None,
    accident: Annotated[str | None, typer.Option(
        "--accident", help="Related cause (CLM11): auto, employment or other.")] = None,
    accident_date: Annotated[str | None, typer.Option(
        "--accident-date", help="Date of the accident (DTP*439).")] = None,
    accident_state: Annotated[str | None, typer.Option(
        "--accident-state", help="US state of an auto accident (CLM11-4).")] = None,
    supervising_npi: Annotated[str | None, typer.Option(
        "--supervising-npi", help="Supervising provider's NPI (837P 2310D).")] = None,
    supervising_name: Annotated[str | None, typer.Option(
        "--supervising-name", help='Supervising provider: "LAST, FIRST".')] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Enter a visit from its encounter form; prints the encounter id.

    Example: medbill encounter add --patient P000001 --date today --provider 1987654328
    --form 5512 --form-charges 125.00 --form-collected 25.00
    """
    from medbill_cli.services.encounters import add_encounter

    with _context.connection() as s:  # Core, as charge entry
        res = add_encounter(session=s, user=_context.state.actor(), patient=patient, date=date,
                            provider=provider, facility=facility, pos=pos, form=form,
                            form_charges=form_charges, form_collected=form_collected,
                            referring_npi=referring_npi, referring_name=referring_name,
                            onset=onset, accident=accident, accident_date=accident_date,
                            accident_state=accident_state, supervising_npi=supervising_npi,
                            supervising_name=supervising_name)
        rec = public(res.encounter, patient.strip().upper(), npi=provider.strip())
    for w in res.warnings:
        warn(w)
    emit_created(rec, fmt)


@app.command("update")
def update(
    encounter_id: Annotated[int, typer.Argument(help="The encounter id.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (audited).")] = None,
    referring_npi: Annotated[str | None, typer.Option(
        "--referring-npi", help="Referring provider's NPI (837P 2310A).")] = None,
    referring_name: Annotated[str | None, typer.Option(
        "--referring-name", help='Referring provider: "LAST, FIRST".')] = None,
    onset: Annotated[str | None, typer.Option(
        "--onset", help="Onset of the current illness (DTP*431).")] = None,
    accident: Annotated[str | None, typer.Option(
        "--accident", help="Related cause (CLM11): auto, employment or other.")] = None,
    accident_date: Annotated[str | None, typer.Option(
        "--accident-date", help="Date of the accident (DTP*439).")] = None,
    accident_state: Annotated[str | None, typer.Option(
        "--accident-state", help="US state of an auto accident (CLM11-4).")] = None,
    supervising_npi: Annotated[str | None, typer.Option(
        "--supervising-npi", help="Supervising provider's NPI (837P 2310D).")] = None,
    supervising_name: Annotated[str | None, typer.Option(
        "--supervising-name", help='Supervising provider: "LAST, FIRST".')] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a visit's claim fields before its claim is sent (then: claim resubmit).

    Example: medbill encounter update 12 --referring-npi 1288490000 --referring-name
    "SMITH, CAROL" --reason "referral slip arrived"
    """
    from medbill_cli.services.encounters import update_encounter

    with _context.connection() as s:
        rec = update_encounter(session=s, user=_context.state.actor(), encounter_id=encounter_id,
                               reason=reason, referring_npi=referring_npi,
                               referring_name=referring_name, onset=onset, accident=accident,
                               accident_date=accident_date, accident_state=accident_state,
                               supervising_npi=supervising_npi,
                               supervising_name=supervising_name)
        out = {"id": rec.id, "date": rec.date_of_service, "referring_npi": rec.referring_npi,
               "referring_name": rec.referring_name, "onset": rec.onset_date,
               "accident": rec.accident, "accident_date": rec.accident_date,
               "accident_state": rec.accident_state, "supervising_npi": rec.supervising_npi,
               "supervising_name": rec.supervising_name}
    emit_record(out, fmt)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: patient,date,provider_npi[,form,form_charges,form_collected,facility,pos]."
        ),
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Enter the day's visits from a scheduler's or EHR's CSV; all-or-nothing, bad rows by line.

    Example: medbill encounter import visits.csv
    """
    from medbill_cli.services import csvfile
    from medbill_cli.services.encounters import IMPORT_OPTIONAL, IMPORT_REQUIRED, import_encounters

    rows = csvfile.read_rows(file, required=IMPORT_REQUIRED, optional=IMPORT_OPTIONAL)
    with _context.connection() as s, progress(len(rows), "Importing encounters") as advance:
        results = import_encounters(session=s, user=_context.state.actor(), rows=rows,
                                     progress=advance)
        npis = _npis(s)
        recs = [public(r.encounter, row.get("patient", "").strip().upper(),
                       npi=npis.get(r.encounter.provider_id or 0))
                for r, (_, row) in zip(results, rows, strict=True)]
    for (line, _), r in zip(rows, results, strict=True):
        for w in r.warnings:
            warn(f"line {line}: {w}")
    if fmt is Format.json:
        write_json(recs)
    else:
        for rec in recs:
            emit_created(rec, Format.table)
    info(f"Imported {len(recs)} encounter(s).")


@app.command("list")
def list_(
    date: OptDateOpt = None,
    patient: Annotated[str | None, typer.Option("--patient", help="Account number.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List encounters, with their form totals and diagnoses.

    Example: medbill encounter list --date today
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.encounters import list_encounters

    d = parse_date(date) if date else None
    with _context.connection(write=False) as s:
        npis = _npis(s)
        rows = [public(e, acct, dx, npis.get(e.provider_id or 0))
                for e, acct, dx in list_encounters(session=s, date=d, patient=patient)]
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is not Format.json else None,
              empty="No encounters.")
