"""Patients: register, find, update, import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_record, emit_rows, info, progress

app = typer.Typer(help="Patients: register, find, update, import.", no_args_is_help=True)

LIST_COLUMNS = ["account", "last_name", "first_name", "dob", "sex", "phone"]


def public(p: Any) -> dict[str, Any]:
    return {"id": p.account, "account": p.account, "first_name": p.first_name,
            "middle_name": p.middle_name, "last_name": p.last_name, "dob": p.dob, "sex": p.sex,
            "address": p.address, "address2": p.address2, "city": p.city, "state": p.state,
            "zip": p.zip, "phone": p.phone, "email": p.email,
            "release_of_info": p.release_of_info, "signature_date": p.signature_date}


@app.command("add")
def add(
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: Annotated[str, typer.Option("--last-name")],
    dob: Annotated[str, typer.Option("--dob", help="Date of birth, YYYY-MM-DD.")],
    sex: Annotated[str, typer.Option("--sex", help="M, F or U.")],
    middle_name: Annotated[str | None, typer.Option("--middle-name")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    address2: Annotated[str | None, typer.Option("--address2")] = None,
    city: Annotated[str | None, typer.Option("--city")] = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    zip: Annotated[str | None, typer.Option("--zip")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    release_of_info: Annotated[str | None, typer.Option(
        "--release-of-info", help="Y: signed release on file (default); I: informed consent "
        "only (837P CLM09, CMS-1500 box 12).")] = None,
    signature_date: Annotated[str | None, typer.Option(
        "--signature-date", help="Date the patient signed the release (box 12).")] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate",
            help="Register even if a patient with the same name and DOB exists.",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Register a patient; prints the new account number.

    Example: medbill patient add --first-name Jane --last-name Doe --dob 1980-04-02 --sex F
    """
    from medbill_cli.services.patients import add_patient

    with _context.connection() as s:  # Core: a cold process never loads SQLModel
        p = add_patient(session=s, user=_context.state.actor(), allow_duplicate=allow_duplicate,
                        first_name=first_name, last_name=last_name, middle_name=middle_name,
                        dob=dob, sex=sex, address=address, address2=address2, city=city,
                        state=state, zip=zip, phone=phone, email=email,
                        release_of_info=release_of_info, signature_date=signature_date)
        rec = public(p)
    emit_created(rec, fmt)


@app.command("show")
def show(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    fmt: FormatOpt = Format.table,
) -> None:
    """Show a patient with coverages.

    Example: medbill patient show P000001
    """
    from medbill_cli.cli.coverage import public as cov_public
    from medbill_cli.services.patients import get_patient, list_coverages

    with _context.session(write=False) as s:
        p = get_patient(session=s, account=account)
        rec = public(p)
        rec["coverages"] = [
            cov_public(c, py) for c, py in list_coverages(session=s, account=account)
        ]
    emit_record(rec, fmt)


@app.command("list")
def list_(
    limit: Annotated[int | None, typer.Option("--limit")] = None, fmt: FormatOpt = Format.table
) -> None:
    """List patients.

    Example: medbill patient list --format json
    """
    from medbill_cli.services.patients import list_patients

    with _context.session(write=False) as s:
        rows = [public(p) for p in list_patients(session=s, limit=limit)]
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None,
              empty="No patients yet. Register one with medbill patient add.")


@app.command("search")
def search(
    text: Annotated[str, typer.Argument(help="Name, account, date of birth or member id.")],
    limit: Annotated[int, typer.Option("--limit")] = 50,
    fmt: FormatOpt = Format.table,
) -> None:
    """Find patients by name ("doe", "jane doe"), account, date of birth or member id.

    Example: medbill patient search doe
    """
    from medbill_cli.services.patients import search_patients

    with _context.session(write=False) as s:
        rows = [public(p) for p in search_patients(session=s, text=text, limit=limit)]
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None,
              empty="No patient matches.")


@app.command("update")
def update(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    first_name: Annotated[str | None, typer.Option("--first-name")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name")] = None,
    middle_name: Annotated[str | None, typer.Option("--middle-name")] = None,
    dob: Annotated[str | None, typer.Option("--dob")] = None,
    sex: Annotated[str | None, typer.Option("--sex")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    address2: Annotated[str | None, typer.Option("--address2")] = None,
    city: Annotated[str | None, typer.Option("--city")] = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    zip: Annotated[str | None, typer.Option("--zip")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    release_of_info: Annotated[str | None, typer.Option(
        "--release-of-info", help="Y: signed release on file (default); I: informed consent "
        "only (837P CLM09, CMS-1500 box 12).")] = None,
    signature_date: Annotated[str | None, typer.Option(
        "--signature-date", help="Date the patient signed the release (box 12).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a patient's demographics; the audit trail keeps the old values.

    Example: medbill patient update P000001 --phone 518-555-0100
    """
    from medbill_cli.services.patients import update_patient

    with _context.session() as s:
        p = update_patient(session=s, user=_context.state.actor(), account=account,
                           first_name=first_name, last_name=last_name, middle_name=middle_name,
                           dob=dob, sex=sex, address=address, address2=address2, city=city,
                           state=state, zip=zip, phone=phone, email=email,
                           release_of_info=release_of_info, signature_date=signature_date)
        rec = public(p)
    emit_created(rec, fmt)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV: first_name,last_name,dob,sex[,...].")],
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Import the good rows; report the bad ones.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Register many patients from a CSV; all-or-nothing unless --skip-bad.

    Example: medbill patient import patients.csv
    """
    from medbill_cli.errors import ExitCode
    from medbill_cli.services import csvfile
    from medbill_cli.services.patients import IMPORT_OPTIONAL, IMPORT_REQUIRED, import_patients

    skipped: list[tuple[int, str]] = []
    rows = csvfile.read_rows(file, required=IMPORT_REQUIRED, optional=IMPORT_OPTIONAL,
                             skipped=skipped if skip_bad else None)
    with _context.session() as s, progress(len(rows), "Importing patients") as advance:
        result = import_patients(session=s, user=_context.state.actor(), rows=rows,
                                 skip_bad=skip_bad, progress=advance, skipped=skipped)
        created = [public(p) for p in result.created]
    if fmt is Format.json:
        from medbill_cli.cli._output import write_json

        write_json(created)
    else:
        for rec in created:
            emit_created(rec, Format.table)
    info(f"Imported {len(created)} patient(s).")
    if result.bad:
        info(f"Skipped {len(result.bad)} bad row(s):")
        for line, reason in result.bad:
            info(f"  line {line}: {reason}")
        raise typer.Exit(int(ExitCode.PROBLEMS))




# ------------------------------------------------------------------ balances and statements


@app.command("balance")
def balance(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    as_of: Annotated[
        str, typer.Option("--as-of", help="YYYY-MM-DD, today or yesterday.")
    ] = "today",
    fmt: FormatOpt = Format.table,
) -> None:
    """What each party owes on a patient's lines, from the ledger: charges, insurance paid,
    adjustments, patient payments, refunds, each party's share, the patient's credit.

    ``balance`` is what is owed on the account less the credit; ``patient_due`` is the
    patient's share on the lines, ``credit`` their unapplied money.

    Example: medbill patient balance P000001 --format json
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.ledger_reports import patient_balance

    day = parse_date(as_of, "--as-of date")
    with _context.connection(write=False) as c:
        b = patient_balance(session=c, account=account, as_of=day)
    emit_record(balance_public(b), fmt, title=f"Balance of {b['account']}")


def balance_public(b: dict[str, Any]) -> dict[str, Any]:
    """``patient balance --format json`` as CLI.md gives it: amounts as strings."""
    from medbill_cli.money import fmt as money

    out: dict[str, Any] = {}
    for k, v in b.items():
        if k == "owed_by":
            out[k] = {p: money(c) for p, c in v.items()}
        elif isinstance(v, int):
            out[k] = money(v)
        else:
            out[k] = v
    return out


@app.command("statement")
def statement(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    output: Annotated[Path | None, typer.Option(
        "--output", help="Write the statement to FILE: a PDF (the layout statement run "
                         "prints, with the remittance slip) when FILE ends in .pdf, else text.")
    ] = None,
    as_of: Annotated[
        str, typer.Option("--as-of", help="YYYY-MM-DD, today or yesterday.")
    ] = "today",
) -> None:
    """A statement for the patient: charges, insurance paid, adjustments, patient payments
    and the balance due; plain text, or a PDF with --output FILE.pdf (nothing is recorded:
    the dunning cycle does not advance).

    Example: medbill patient statement P000001 --output statement.pdf
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.cli._output import emit_text
    from medbill_cli.services.ledger_reports import statement_text

    day = parse_date(as_of, "--as-of date")
    if output is not None and output.suffix.lower() == ".pdf":
        from medbill_cli.services.statements import patient_statement_pdf

        with _context.connection(write=False) as c:
            patient_statement_pdf(session=c, account=account, output=output, as_of=day)
        info(f"Wrote the statement of {account.strip().upper()} to {output}.")
        return
    with _context.connection(write=False) as c:
        text = statement_text(session=c, account=account, as_of=day)
    if output is None:
        emit_text(text)
    else:
        from medbill_cli.inputs import output_file
        from medbill_cli.privfile import write_private

        write_private(output_file(output), text)
        info(f"Wrote the statement of {account.strip().upper()} to {output}.")
