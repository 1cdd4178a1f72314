"""Prior authorizations, and the codes each payer wants authorized."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows, info

app = typer.Typer(help="Prior authorizations, and the codes a payer wants authorized.",
                  no_args_is_help=True)

LIST_COLUMNS = ["id", "account", "number", "payer_id", "from", "to", "visits", "visits_used",
                "units", "units_used", "codes"]


@app.command("add")
def add(
    account: Annotated[
        str, typer.Argument(help="Patient account number.", autocompletion=_complete.accounts)
    ],
    payer: Annotated[str, typer.Option("--payer", help="Payer id that issued it.")],
    number: Annotated[str, typer.Option("--number", help="Authorization number (REF*G1).")],
    from_: Annotated[str, typer.Option("--from", help="First day covered (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Last day covered (YYYY-MM-DD).")],
    visits: Annotated[int | None, typer.Option("--visits", help="Visits allowed.")] = None,
    units: Annotated[int | None, typer.Option("--units", help="Units allowed.")] = None,
    code: Annotated[list[str] | None, typer.Option(
        "--code", help="Procedure code covered (repeatable); none: any code.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record a payer's prior authorization for a patient; prints its id.

    Visits and units used are counted from the patient's charges, so a voided charge gives
    its visit back.

    Example: medbill auth add P000001 --payer ACME1 --number A12345 --from 2026-01-01
    --to 2026-06-30 --visits 12 --code 97110
    """
    from medbill_cli.dates import parse_date
    from medbill_cli.services.authorizations import add_authorization, public

    start, end = parse_date(from_, what="start date"), parse_date(to, what="end date")
    with _context.session() as s:
        row = add_authorization(session=s, user=_context.state.actor(), account=account,
                                kind="auth", number=number, start=start, end=end, payer=payer,
                                visits=visits, units=units, codes=code or [])
        rec = public(row, account.strip().upper(), payer.strip().upper())
    emit_created(rec, fmt)


@app.command("list")
def list_(
    account: Annotated[str | None, typer.Argument(help="Patient account number; all if left out.",
                                                  show_default=False,
                                                  autocompletion=_complete.accounts)] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List prior authorizations with the visits and units used so far.

    Example: medbill auth list P000001
    """
    from medbill_cli.services.authorizations import list_authorizations

    with _context.session(write=False) as s:
        rows = list_authorizations(session=s, kind="auth", account=account)
    emit_rows(rows, fmt, columns=LIST_COLUMNS, empty="No authorizations.")


@app.command("code-add")
def code_add(
    payer: Annotated[str, typer.Argument(help="Payer id.")],
    code: Annotated[list[str], typer.Option("--code", help="Procedure code (repeatable).")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Mark procedure codes as needing the payer's prior authorization (the claim scrub holds a
    line with such a code and no authorization).

    Example: medbill auth code-add ACME1 --code 97110 --code 97112
    """
    from medbill_cli.services.authorizations import add_auth_codes

    with _context.session() as s:
        added = add_auth_codes(session=s, user=_context.state.actor(), payer=payer, codes=code)
    rows = [{"payer_id": payer.strip().upper(), "code": c} for c in added]
    emit_rows(rows, fmt, columns=["payer_id", "code"], empty="Every code was already listed.")
    if rows:
        info(f"{len(rows)} code(s) now need authorization.")


@app.command("code-list")
def code_list(
    payer: Annotated[str | None, typer.Argument(help="Payer id; all if left out.",
                                                show_default=False)] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the codes that need prior authorization, by payer.

    Example: medbill auth code-list ACME1
    """
    from medbill_cli.services.authorizations import list_auth_codes

    with _context.session(write=False) as s:
        rows = list_auth_codes(session=s, payer=payer)
    emit_rows(rows, fmt, columns=["payer_id", "code"], empty="No codes need authorization.")
