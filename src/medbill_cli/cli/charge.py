"""Charges: enter, import, list, void."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt, OptDateOpt
from medbill_cli.cli._output import (
    Format,
    emit_created,
    emit_rows,
    error,
    info,
    progress,
    warn,
    write_json,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

app = typer.Typer(help="Charges: enter, import, list, void.", no_args_is_help=True)

LIST_COLUMNS = ["id", "date", "patient", "encounter", "code", "modifiers", "units", "fee", "amount",
                "diagnoses", "pointers", "status"]
MAX_WARNINGS_SHOWN = 50


def public(view: Any) -> dict[str, Any]:
    """A charge as JSON/CSV/table: amounts as "125.00", diagnoses by pointer."""
    from medbill_cli.money import fmt

    c = view.charge
    return {
        "id": c.id, "patient": view.account, "account": view.account, "date": c.date_of_service,
        "encounter": c.encounter_id, "code": c.code, "modifiers": c.modifiers.split(),
        "units": c.units, "fee": fmt(c.fee_cents), "amount": fmt(c.amount_cents),
        "diagnoses": view.diagnoses, "pointers": [int(p) for p in c.dx_pointers.split()],
        "provider": view.provider_npi, "pos": c.pos, "ndc": c.ndc, "ndc_quantity": c.ndc_quantity,
        "ndc_unit": c.ndc_unit, "status": c.status, "void_reason": c.void_reason,
        "voided_by": c.voided_by, "voided_at": c.voided_at, "created_by": c.created_by,
        "created_at": c.created_at, "ordering_npi": c.ordering_npi,
        "ordering_name": c.ordering_name,
    }


def _interactive() -> bool:
    """Prompt only at a terminal; a script gets a usage error instead."""
    return sys.stdin.isatty()


def _ask(s: Connection, label: str, check: Any, default: str | None = None) -> str:
    """Prompt until ``check(value)`` accepts; it returns the text to show (a description)."""
    from medbill_cli.errors import InputError

    while True:
        value = str(
            typer.prompt(label, default=default, err=True, show_default=default is not None)
        ).strip()
        try:
            shown = check(value)
        except InputError as exc:
            error(str(exc))
            continue
        if shown:
            info(f"  {shown}")
        return value


def _prompt_missing(
    patient: str | None, date: str | None, code: str | None, modifiers: list[str], dx: list[str],
) -> tuple[str, str, str, list[str], list[str]]:
    """Ask for the required options that were not given, showing each code as it is accepted."""
    from medbill_cli.cli._options import parse_date
    from medbill_cli.errors import InputError
    from medbill_cli.services.charges import MAX_MODIFIERS, MAX_POINTERS, describe
    from medbill_cli.services.refs import Refs, check_service_date

    with _context.connection(write=False) as s:
        refs = Refs(s)
        if patient is None:
            def _patient(v: str) -> str:
                p = refs.patient(v)
                return f"{p.account}, born {p.dob.isoformat()}"
            patient = _ask(s, "Patient account", _patient)
        pat = refs.patient(patient)
        if date is None:
            date = _ask(s, "Date of service",
                        lambda v: check_service_date(parse_date(v), pat) and "", default="today")
        dos = parse_date(date)
        prompted_code = code is None
        if code is None:
            code = _ask(s, "Procedure code (CPT/HCPCS)",
                        lambda v: describe(session=s, system="proc", code=v, dos=dos))
        if prompted_code and not modifiers:
            while len(modifiers) < MAX_MODIFIERS:
                m = _ask(s, f"Modifier {len(modifiers) + 1} (blank for none)",
                         lambda v: describe(session=s, system="mod", code=v, dos=dos) if v else "",
                         default="")
                if not m:
                    break
                modifiers.append(m)
        if not dx:
            while len(dx) < MAX_POINTERS:
                def _dx(v: str) -> str:
                    if not v:
                        if not dx:
                            raise InputError("A charge needs at least one diagnosis")
                        return ""
                    return describe(session=s, system="dx", code=v, dos=dos)
                d = _ask(s, f"Diagnosis {len(dx) + 1}" + (" (blank to finish)" if dx else ""), _dx,
                         default="" if dx else None)
                if not d:
                    break
                dx.append(d)
    return patient, date, code, modifiers, dx


@app.command("add")
def add(
    patient: Annotated[
        str | None, typer.Option("--patient", help="Account number, e.g. P000001.")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Date of service: YYYY-MM-DD, today or yesterday.")
    ] = None,
    code: Annotated[str | None, typer.Option("--code", help="CPT or HCPCS code.")] = None,
    modifier: Annotated[
        list[str] | None, typer.Option("--modifier", "-m", help="Modifier; repeat for up to 4.")
    ] = None,
    units: Annotated[int, typer.Option("--units", help="Units, 1-999.")] = 1,
    dx: Annotated[
        list[str] | None,
        typer.Option("--dx", help="ICD-10-CM diagnosis; repeat for up to 4 on this line."),
    ] = None,
    fee: Annotated[
        str | None, typer.Option("--fee", help="Fee per unit (default: the fee schedule).")
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Rendering provider's NPI.")
    ] = None,
    encounter: Annotated[
        int | None,
        typer.Option(
            "--encounter", help="Encounter id (default: the patient's that day, or a new one)."
        ),
    ] = None,
    pos: Annotated[str | None, typer.Option("--pos", help="Place of service, e.g. 11.")] = None,
    ndc: Annotated[
        str | None, typer.Option("--ndc", help="Drug lines: NDC, 11 digits or 5-4-2.")
    ] = None,
    ndc_quantity: Annotated[
        str | None, typer.Option("--ndc-quantity", help="Drug lines: quantity of the NDC unit.")
    ] = None,
    ndc_unit: Annotated[
        str | None,
        typer.Option("--ndc-unit", help="Drug lines: F2, GR, ME, ML or UN (default UN)."),
    ] = None,
    ordering_npi: Annotated[str | None, typer.Option(
        "--ordering-npi", help="Ordering provider's NPI (837P 2420E).")] = None,
    ordering_name: Annotated[str | None, typer.Option(
        "--ordering-name", help='Ordering provider: "LAST, FIRST".')] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Enter a charge line; prints the new charge id. At a terminal, missing options are asked for.

    The fee defaults from the fee schedule (per unit; the amount is fee x units). Without
    --encounter the charge goes on the patient's encounter that day, or opens one.

    Example: medbill charge add --patient P000001 --date today --code 99213 --dx E11.9 --dx I10
    """
    mods = list(modifier or [])
    dxs = list(dx or [])
    missing = [name for name, val in (("--patient", patient), ("--date", date), ("--code", code),
                                      ("--dx", dxs or None)) if val is None]
    if missing:
        if not _interactive():
            # A script never waits on a prompt: a usage error, exit 2, as for any missing option.
            info(
                "Usage: medbill charge add --patient ACCOUNT --date DATE --code CODE --dx ICD10"
                " [OPTIONS]"
            )
            error(f"Missing option {', '.join(missing)}. Give it, or run at a terminal to be asked "
                  "for it (see medbill charge add --help).")
            raise typer.Exit(2)
        patient, date, code, mods, dxs = _prompt_missing(patient, date, code, mods, dxs)
    assert patient is not None and date is not None and code is not None
    from medbill_cli.services.charges import ChargeRequest, ChargeView, add_charge

    req = ChargeRequest(patient=patient, date=date, code=code, dx=dxs, modifiers=mods, units=units,
                        fee=fee, provider=provider, encounter=encounter, pos=pos, ndc=ndc,
                        ndc_quantity=ndc_quantity, ndc_unit=ndc_unit, ordering_npi=ordering_npi,
                        ordering_name=ordering_name)
    with _context.connection() as s:  # Core: a cold process never loads SQLModel
        res = add_charge(session=s, user=_context.state.actor(), request=req)
        rec = public(ChargeView(res.charge, res.account, res.provider_npi, res.diagnoses))
    for w in res.warnings:
        warn(w)
    emit_created(rec, fmt)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: patient,date,code,dx[,modifiers,units,fee,provider_npi,encounter,pos,ndc,"
            "ndc_quantity,ndc_unit,ordering_npi,ordering_name]."
        ),
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Enter many charges from a CSV (an EHR's charge export); all-or-nothing, bad rows by line.

    Lists in a cell (modifiers, dx) are separated by spaces.

    Example: medbill charge import charges.csv
    """
    from medbill_cli.services import csvfile
    from medbill_cli.services.charges import IMPORT_OPTIONAL, IMPORT_REQUIRED, import_charges

    optional = (*IMPORT_OPTIONAL, "ndc_quantity", "ndc_unit")
    rows = csvfile.read_rows(file, required=IMPORT_REQUIRED, optional=optional)
    with _context.session() as s, progress(len(rows), "Importing charges") as advance:
        results = import_charges(
            session=s, user=_context.state.actor(), rows=rows, progress=advance
        )
        recs: list[dict[str, Any]] = []
        if fmt is Format.json:
            from medbill_cli.db.query import chunks
            from medbill_cli.services.charges import list_charges

            ids = [r.charge.id for r in results]
            recs = [public(v) for part in chunks(ids)
                    for v in list_charges(session=s, ids=part)]
    warnings = [(line, w) for (line, _), r in zip(rows, results, strict=True) for w in r.warnings]
    for line, w in warnings[:MAX_WARNINGS_SHOWN]:
        warn(f"line {line}: {w}")
    if len(warnings) > MAX_WARNINGS_SHOWN:
        warn(f"... and {len(warnings) - MAX_WARNINGS_SHOWN} more")
    if fmt is Format.json:
        write_json(recs)
    else:
        sys.stdout.write("".join(f"{r.charge.id}\n" for r in results))
    info(f"Imported {len(results)} charge(s).")


@app.command("list")
def list_(
    date: OptDateOpt = None,
    patient: Annotated[str | None, typer.Option("--patient", help="Account number.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="unbilled, billed or void.")
    ] = None,
    encounter: Annotated[int | None, typer.Option("--encounter", help="Encounter id.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List charges with their fee, amount, diagnoses and pointers.

    Example: medbill charge list --date today --format json
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.charges import list_charges

    d = parse_date(date) if date else None
    with _context.session(write=False) as s:
        rows = [public(v) for v in list_charges(session=s, date=d, patient=patient, status=status,
                                                encounter_id=encounter)]
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None, empty="No charges.")


@app.command("void")
def void(
    charge_id: Annotated[int, typer.Argument(help="The charge id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the charge is voided.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Void a charge not yet on a claim; the row stays, marked with who, when and why.

    A billed charge needs a claim correction instead (medbill claim resubmit).

    Example: medbill charge void 42 --reason "entered on the wrong patient"
    """
    from medbill_cli.services.charges import list_charges, void_charge

    with _context.session() as s:
        c = void_charge(session=s, user=_context.state.actor(), charge_id=charge_id, reason=reason)
        assert c.id is not None
        rec = public(list_charges(session=s, ids=[c.id])[0])
    info(f"Charge {charge_id} voided.")
    emit_created(rec, fmt)


@app.command("update")
def update_(
    charge_id: Annotated[int, typer.Argument(help="The charge id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the charge is corrected.")],
    code: Annotated[str | None, typer.Option("--code", help="CPT or HCPCS code.")] = None,
    modifier: Annotated[list[str] | None, typer.Option(
        "--modifier", "-m", help="Modifier; repeat for up to 4 (replaces the line's).")] = None,
    no_modifiers: Annotated[bool, typer.Option(
        "--no-modifiers", help="Remove the line's modifiers.")] = False,
    units: Annotated[int | None, typer.Option("--units", help="Units, 1-999.")] = None,
    dx: Annotated[list[str] | None, typer.Option(
        "--dx", help="ICD-10-CM diagnosis; repeat for up to 4 (replaces the line's).")] = None,
    fee: Annotated[str | None, typer.Option(
        "--fee", help="Fee per unit (default: kept, or the fee schedule for a new code).")] = None,
    provider: Annotated[str | None, typer.Option(
        "--provider", help="Rendering provider's NPI.")] = None,
    pos: Annotated[str | None, typer.Option("--pos", help="Place of service, e.g. 11.")] = None,
    ndc: Annotated[str | None, typer.Option(
        "--ndc", help="Drug lines: NDC, 11 digits or 5-4-2.")] = None,
    ndc_quantity: Annotated[str | None, typer.Option(
        "--ndc-quantity", help="Drug lines: quantity of the NDC unit.")] = None,
    ndc_unit: Annotated[str | None, typer.Option(
        "--ndc-unit", help="Drug lines: F2, GR, ME, ML or UN.")] = None,
    ordering_npi: Annotated[str | None, typer.Option(
        "--ordering-npi", help="Ordering provider's NPI (837P 2420E).")] = None,
    ordering_name: Annotated[str | None, typer.Option(
        "--ordering-name", help='Ordering provider: "LAST, FIRST".')] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Correct an unbilled charge, checked as charge entry checks it; audited before/after.

    A billed charge is corrected through its claim: medbill claim rebuild (not yet sent) or a
    replacement claim (sent).

    Example: medbill charge update 42 --code 99214 --reason "documentation supports 99214"
    """
    from medbill_cli.services.charges import ChargeView
    from medbill_cli.services.corrections import ChargeChange, update_charge

    if no_modifiers and modifier:
        error("Give --modifier or --no-modifiers, not both.")
        raise typer.Exit(2)
    mods = [] if no_modifiers else (list(modifier) if modifier else None)
    change = ChargeChange(code=code, modifiers=mods, units=units, dx=list(dx) if dx else None,
                          fee=fee, provider=provider, pos=pos, ndc=ndc,
                          ndc_quantity=ndc_quantity, ndc_unit=ndc_unit,
                          ordering_npi=ordering_npi, ordering_name=ordering_name)
    with _context.session() as s:
        res = update_charge(session=s, user=_context.state.actor(), charge_id=charge_id,
                            change=change, reason=reason)
        rec = public(ChargeView(res.charge, res.account, res.provider_npi, res.diagnoses))
    for w in res.warnings:
        warn(w)
    info(f"Charge {charge_id} updated.")
    emit_created(rec, fmt)


# The full-screen entry screen lives in its own module (Textual loads only when it runs).
from medbill_cli.cli.charge_entry import register as _register_entry  # noqa: E402

_register_entry(app)
