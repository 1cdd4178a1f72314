"""Patient payments: at the desk and later."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt, OptDateOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows, emit_text, warn

app = typer.Typer(help="Patient payments: at the desk and later.", no_args_is_help=True)

LIST_COLUMNS = ["id", "date", "patient", "amount", "method", "kind", "reference", "encounter",
                "status"]


def public(view: Any) -> dict[str, Any]:
    from medbill_cli.money import fmt

    p = view.payment
    return {"id": p.id, "patient": view.account, "account": view.account, "date": p.date,
            "amount": fmt(p.amount_cents), "method": p.method, "kind": p.kind,
            "reference": p.reference, "encounter": p.encounter_id, "claim": p.claim_id,
            "status": p.status, "reversed_reason": p.reversed_reason, "reversed_by": p.reversed_by,
            "reversed_at": p.reversed_at, "created_by": p.created_by, "created_at": p.created_at}


@app.command("add")
def add(
    patient: Annotated[str, typer.Option("--patient", help="Account number.")],
    amount: Annotated[str, typer.Option("--amount", help="e.g. 25, 25.00 or $1,250.00.")],
    method: Annotated[str, typer.Option("--method", help="cash, check, card or eft.")],
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            help="Check number (required for a check), card authorization or EFT trace.",
        ),
    ] = None,
    date: OptDateOpt = None,
    encounter: Annotated[
        int | None,
        typer.Option("--encounter", help="Encounter id (default: the patient's visit that day)."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="copay, coinsurance, prepayment or patient (default copay)."),
    ] = None,
    claim: Annotated[
        int | None, typer.Option("--claim", help="The claim a later payment is for.",
                                 autocompletion=_complete.claim_ids)
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Post a payment from a patient; prints the payment id.

    Example: medbill payment add --patient P000001 --amount 25 --method card --reference 8841
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.payments import add_payment, get_payment

    d = parse_date(date) if date else None
    with _context.session() as s:
        pay, warnings = add_payment(session=s, user=_context.state.actor(), patient=patient,
                                    amount=amount, method=method, reference=reference, date=d,
                                    encounter=encounter, kind=kind, claim=claim)
        assert pay.id is not None
        rec = public(get_payment(session=s, payment_id=pay.id))
    for w in warnings:
        warn(w)
    emit_created(rec, fmt)


@app.command("list")
def list_(
    date: OptDateOpt = None,
    patient: Annotated[str | None, typer.Option("--patient", help="Account number.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List payments.

    Example: medbill payment list --date today
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.services.payments import list_payments

    d = parse_date(date) if date else None
    with _context.session(write=False) as s:
        rows = [public(v) for v in list_payments(session=s, date=d, patient=patient)]
    emit_rows(
        rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None, empty="No payments."
    )


@app.command("receipt")
def receipt(payment_id: Annotated[int, typer.Argument(help="The payment id.")]) -> None:
    """Print a plain-text receipt for a payment.

    Example: medbill payment receipt 7
    """
    from medbill_cli.services.payments import receipt_text

    with _context.session(write=False) as s:
        text = receipt_text(session=s, payment_id=payment_id)
    emit_text(text)


@app.command("reverse")
def reverse(
    payment_id: Annotated[int, typer.Argument(help="The payment id.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why: entered in error, bounced check, refunded ...")
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Reverse a posted payment; the payment stays on record, marked reversed.

    Post the right amount again with payment add.
    Example: medbill payment reverse 7 --reason "entered twice"
    """
    from medbill_cli.services.payments import get_payment, reverse_payment

    with _context.session() as s:
        pay = reverse_payment(session=s, user=_context.state.actor(), payment_id=payment_id,
                              reason=reason)
        assert pay.id is not None
        rec = public(get_payment(session=s, payment_id=pay.id))
    emit_created(rec, fmt)
