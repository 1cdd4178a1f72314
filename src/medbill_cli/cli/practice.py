"""The practice: the billing provider and its EDI settings."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_record

app = typer.Typer(
    help="The practice (billing provider) and its EDI settings.", no_args_is_help=True
)

Opt = typer.Option


def public(p: Any) -> dict[str, Any]:
    return {
        "id": p.id, "name": p.name, "npi": p.npi, "tin": p.tin, "taxonomy": p.taxonomy,
        "address": p.address, "address2": p.address2, "city": p.city, "state": p.state,
        "zip": p.zip, "phone": p.phone, "submitter_id": p.submitter_id,
        "submitter_name": p.submitter_name, "contact_name": p.contact_name,
        "contact_phone": p.contact_phone, "contact_email": p.contact_email,
        "receiver_id": p.receiver_id, "receiver_name": p.receiver_name,
        "remit_name": p.remit_name, "remit_address": p.remit_address,
        "remit_city": p.remit_city, "remit_state": p.remit_state, "remit_zip": p.remit_zip,
        "pay_url": p.pay_url, "dunning_second_days": p.dunning_second_days,
        "dunning_final_days": p.dunning_final_days,
        "dunning_collections_days": p.dunning_collections_days,
    }


@app.command("set")
def set_(
    name: Annotated[str | None, Opt("--name", help="Legal name as billed.")] = None,
    npi: Annotated[str | None, Opt("--npi", help="Type-2 (organization) NPI.")] = None,
    tin: Annotated[
        str | None, Opt("--tin", "--ein", help="Employer identification number.")
    ] = None,
    taxonomy: Annotated[str | None, Opt("--taxonomy", help="Provider taxonomy code.")] = None,
    address: Annotated[str | None, Opt("--address", help="Street address (no PO box).")] = None,
    address2: Annotated[str | None, Opt("--address2")] = None,
    city: Annotated[str | None, Opt("--city")] = None,
    state: Annotated[str | None, Opt("--state")] = None,
    zip: Annotated[str | None, Opt("--zip", help="ZIP+4, e.g. 12345-6789.")] = None,
    phone: Annotated[str | None, Opt("--phone")] = None,
    submitter_id: Annotated[
        str | None, Opt("--submitter-id", help="ISA06/1000A id from the clearinghouse.")
    ] = None,
    submitter_name: Annotated[str | None, Opt("--submitter-name")] = None,
    contact_name: Annotated[
        str | None, Opt("--contact-name", help="EDI contact (1000A PER).")
    ] = None,
    contact_phone: Annotated[str | None, Opt("--contact-phone")] = None,
    contact_email: Annotated[str | None, Opt("--contact-email")] = None,
    receiver_id: Annotated[
        str | None, Opt("--receiver-id", help="ISA08/1000B id of the clearinghouse.")
    ] = None,
    receiver_name: Annotated[str | None, Opt("--receiver-name")] = None,
    remit_name: Annotated[str | None, Opt(
        "--remit-name", help="Statements: who checks are payable to (default the name).")] = None,
    remit_address: Annotated[str | None, Opt(
        "--remit-address", help="Statements: where payments are mailed (default the address; "
                                "give --remit-city, --remit-state, --remit-zip too).")] = None,
    remit_city: Annotated[str | None, Opt("--remit-city")] = None,
    remit_state: Annotated[str | None, Opt("--remit-state")] = None,
    remit_zip: Annotated[str | None, Opt("--remit-zip")] = None,
    pay_url: Annotated[str | None, Opt(
        "--pay-url", help="Statements: where patients pay online.")] = None,
    dunning_second_days: Annotated[int | None, Opt(
        "--dunning-second-days", help="Days from the first statement to the second notice "
                                      "(30).")] = None,
    dunning_final_days: Annotated[int | None, Opt(
        "--dunning-final-days", help="Days from the first statement to the final notice "
                                     "(60).")] = None,
    dunning_collections_days: Annotated[int | None, Opt(
        "--dunning-collections-days", help="Days from the first statement until the account "
                                           "is proposed for collections (90).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Set up the practice, or change some of its fields.

    Example: medbill practice set --name "Main Street Family Medicine" --npi 1234567893
    --tin 12-3456789 --address "100 Main St" --city Albany --state NY --zip 12207-1234
    """
    from medbill_cli.services.registration import set_practice

    with _context.session() as s:
        p = set_practice(
            session=s, user=_context.state.actor(), name=name, npi=npi, tin=tin, taxonomy=taxonomy,
            address=address, address2=address2, city=city, state=state, zip=zip, phone=phone,
            submitter_id=submitter_id, submitter_name=submitter_name, contact_name=contact_name,
            contact_phone=contact_phone, contact_email=contact_email, receiver_id=receiver_id,
            receiver_name=receiver_name, remit_name=remit_name, remit_address=remit_address,
            remit_city=remit_city, remit_state=remit_state, remit_zip=remit_zip, pay_url=pay_url,
            dunning_second_days=dunning_second_days, dunning_final_days=dunning_final_days,
            dunning_collections_days=dunning_collections_days,
        )
        rec = public(p)
    emit_created(rec, fmt)


@app.command("show")
def show(fmt: FormatOpt = Format.table) -> None:
    """Show the practice.

    Example: medbill practice show --format json
    """
    from medbill_cli.services.registration import require_practice

    with _context.session(write=False) as s:
        rec = public(require_practice(session=s))
    emit_record(rec, fmt)
