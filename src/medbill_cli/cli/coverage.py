"""Insurance coverages."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows

app = typer.Typer(help="Insurance coverages of a patient.", no_args_is_help=True)


def public(c: Any, payer: Any) -> dict[str, Any]:
    from medbill_cli.money import fmt

    return {"id": c.id, "payer_id": payer.payer_id, "payer": payer.name, "priority": c.priority,
            "member_id": c.member_id, "group": c.group_number, "relationship": c.relationship,
            "subscriber_first_name": c.subscriber_first_name,
            "subscriber_last_name": c.subscriber_last_name, "subscriber_dob": c.subscriber_dob,
            "subscriber_sex": c.subscriber_sex, "effective": c.effective,
            "termination": c.termination,
            "copay": fmt(c.copay_cents) if c.copay_cents is not None else None,
            "assignment": c.benefits_assigned, "insurance_type": c.insurance_type}


InsuranceTypeOpt = typer.Option(
    "--insurance-type", help="Why Medicare pays second (837P SBR05, sent when Medicare is "
    "billed as secondary): 12 working aged, 13 ESRD, 14 no-fault, 15 workers' comp, "
    "16 PHS, 41 black lung, 42 VA, 43 disability, 47 other liability.")


@app.command("add")
def add(
    account: Annotated[
        str, typer.Argument(help="Patient account number.", autocompletion=_complete.accounts)
    ],
    payer: Annotated[str, typer.Option("--payer", help="Payer id.")],
    member_id: Annotated[str, typer.Option("--member-id")],
    group: Annotated[str | None, typer.Option("--group")] = None,
    priority: Annotated[
        str, typer.Option("--priority", help="primary, secondary or tertiary.")
    ] = "primary",
    relationship: Annotated[
        str,
        typer.Option("--relationship", help="Patient to subscriber: self, spouse, child, other."),
    ] = "self",
    subscriber_first_name: Annotated[str | None, typer.Option("--subscriber-first-name")] = None,
    subscriber_last_name: Annotated[str | None, typer.Option("--subscriber-last-name")] = None,
    subscriber_middle_name: Annotated[str | None, typer.Option("--subscriber-middle-name")] = None,
    subscriber_dob: Annotated[str | None, typer.Option("--subscriber-dob")] = None,
    subscriber_sex: Annotated[str | None, typer.Option("--subscriber-sex")] = None,
    effective: Annotated[str | None, typer.Option("--effective")] = None,
    termination: Annotated[str | None, typer.Option("--termination")] = None,
    copay: Annotated[str | None, typer.Option("--copay")] = None,
    assignment: Annotated[bool, typer.Option(
        "--assignment/--no-assignment", help="The insured assigned this plan's benefits to the "
        "provider (837P CLM08, CMS-1500 box 13; default yes).")] = True,
    insurance_type: Annotated[str | None, InsuranceTypeOpt] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add insurance coverage to a patient; prints the coverage id.

    Example: medbill coverage add P000001 --payer ACME1 --member-id XJ123456789 --group G100
    """
    from medbill_cli.services.patients import add_coverage
    from medbill_cli.services.registration import get_payer

    with _context.session() as s:
        c = add_coverage(session=s, user=_context.state.actor(), account=account, payer=payer,
                         member_id=member_id, group=group, priority=priority,
                         relationship=relationship, subscriber_first_name=subscriber_first_name,
                         subscriber_last_name=subscriber_last_name,
                         subscriber_middle_name=subscriber_middle_name,
                         subscriber_dob=subscriber_dob, subscriber_sex=subscriber_sex,
                         effective=effective, termination=termination, copay=copay,
                         benefits_assigned=assignment, insurance_type=insurance_type)
        rec = public(c, get_payer(session=s, payer_id=payer))
    emit_created(rec, fmt)


@app.command("update")
def update(
    coverage_id: Annotated[int, typer.Argument(help="Coverage id (see coverage list).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")],
    member_id: Annotated[str | None, typer.Option("--member-id")] = None,
    group: Annotated[str | None, typer.Option("--group")] = None,
    payer: Annotated[str | None, typer.Option("--payer", help="Payer id.")] = None,
    subscriber_first_name: Annotated[str | None, typer.Option("--subscriber-first-name")] = None,
    subscriber_last_name: Annotated[str | None, typer.Option("--subscriber-last-name")] = None,
    subscriber_dob: Annotated[str | None, typer.Option("--subscriber-dob")] = None,
    subscriber_sex: Annotated[str | None, typer.Option("--subscriber-sex")] = None,
    copay: Annotated[str | None, typer.Option("--copay")] = None,
    assignment: Annotated[bool | None, typer.Option(
        "--assignment/--no-assignment", help="Benefits assigned to the provider (CLM08, "
        "box 13).")] = None,
    insurance_type: Annotated[str | None, InsuranceTypeOpt] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Fix a coverage's data (a member id a payer rejected), checked as coverage add checks it.

    Example: medbill coverage update 3 --member-id XJ123456780 --reason "277CA A7:164"
    """
    from medbill_cli.db.models import Payer
    from medbill_cli.services.patients import update_coverage

    with _context.session() as s:
        c = update_coverage(session=s, user=_context.state.actor(), coverage_id=coverage_id,
                            reason=reason, member_id=member_id, group=group, payer=payer,
                            subscriber_first_name=subscriber_first_name,
                            subscriber_last_name=subscriber_last_name,
                            subscriber_dob=subscriber_dob, subscriber_sex=subscriber_sex,
                            copay=copay, benefits_assigned=assignment,
                            insurance_type=insurance_type)
        rec = public(c, s.get(Payer, c.payer_id))
    emit_created(rec, fmt)


@app.command("list")
def list_(
    account: Annotated[str, typer.Argument(autocompletion=_complete.accounts)],
    fmt: FormatOpt = Format.table,
) -> None:
    """List a patient's coverages.

    Example: medbill coverage list P000001
    """
    from medbill_cli.services.patients import list_coverages

    with _context.session(write=False) as s:
        rows = [public(c, p) for c, p in list_coverages(session=s, account=account)]
    emit_rows(rows, fmt, columns=["id", "priority", "payer_id", "member_id", "group",
                                  "relationship", "effective", "termination", "copay"]
              if fmt is Format.table else None, empty="No coverage (self-pay).")


@app.command("end")
def end(
    coverage_id: Annotated[int, typer.Argument()],
    date: Annotated[str, typer.Option("--date", help="Last covered day.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """End a coverage on a date (the last day it covers).

    Example: medbill coverage end 3 --date 2026-06-30
    """
    from medbill_cli.dates import parse_date
    from medbill_cli.db.models import Payer
    from medbill_cli.services.patients import end_coverage

    with _context.session() as s:
        c = end_coverage(session=s, user=_context.state.actor(), coverage_id=coverage_id,
                         date=parse_date(date))
        rec = public(c, s.get(Payer, c.payer_id))
    emit_created(rec, fmt)
