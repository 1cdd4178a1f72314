"""Referrals from a referring provider."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_created, emit_rows

app = typer.Typer(help="Referrals: a referring provider's number for a patient's visits.",
                  no_args_is_help=True)


@app.command("add")
def add(
    account: Annotated[
        str, typer.Argument(help="Patient account number.", autocompletion=_complete.accounts)
    ],
    provider_npi: Annotated[str, typer.Option("--provider-npi", help="Referring provider NPI.")],
    number: Annotated[str, typer.Option("--number", help="Referral number (REF*9F).")],
    from_: Annotated[str, typer.Option("--from", help="First day covered (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Last day covered (YYYY-MM-DD).")],
    visits: Annotated[int | None, typer.Option("--visits", help="Visits allowed.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record a referral for a patient; prints its id.

    Example: medbill referral add P000001 --provider-npi 1987654328 --number R778
    --from 2026-01-01 --to 2026-03-31 --visits 3
    """
    from medbill_cli.dates import parse_date
    from medbill_cli.services.authorizations import add_authorization, public

    start, end = parse_date(from_, what="start date"), parse_date(to, what="end date")
    with _context.session() as s:
        row = add_authorization(session=s, user=_context.state.actor(), account=account,
                                kind="referral", number=number, start=start, end=end,
                                provider_npi=provider_npi, visits=visits)
        rec = public(row, account.strip().upper(), None)
    emit_created(rec, fmt)


@app.command("list")
def list_(
    account: Annotated[str | None, typer.Argument(help="Patient account number; all if left out.",
                                                  show_default=False,
                                                  autocompletion=_complete.accounts)] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List referrals with the visits used so far.

    Example: medbill referral list P000001
    """
    from medbill_cli.services.authorizations import list_authorizations

    with _context.session(write=False) as s:
        rows = list_authorizations(session=s, kind="referral", account=account)
    emit_rows(rows, fmt, columns=["id", "account", "number", "provider_npi", "from", "to",
                                  "visits", "visits_used"], empty="No referrals.")
