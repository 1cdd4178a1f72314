"""Paper EOBs: posted exactly as an 835 claim payment would be."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import DateOpt, FormatOpt
from medbill_cli.cli._output import Format, emit_created, info

app = typer.Typer(help="Paper EOBs: posted exactly as an 835 claim payment would be.",
                  no_args_is_help=True)


@app.command("post")
def post(
    claim: Annotated[str, typer.Option("--claim", help="The claim (id or PCN).")],
    date: DateOpt,
    check: Annotated[str, typer.Option("--check", help="The check number.")],
    paid: Annotated[str, typer.Option("--paid", help="What the payer paid on the claim.")],
    line: Annotated[list[str] | None, typer.Option(
        "--line", help="N=PAID for claim line N; give every line, or none.")] = None,
    adjust: Annotated[list[str] | None, typer.Option(
        "--adjust", help="Claim-level GROUP-CARC=AMOUNT, e.g. CO-45=10.00.")] = None,
    line_adjust: Annotated[list[str] | None, typer.Option(
        "--line-adjust", help="N:GROUP-CARC=AMOUNT on claim line N, e.g. 1:PR-2=20.00.")] = None,
    payer_claim_number: Annotated[str, typer.Option(
        "--payer-claim-number", help="The payer's claim number printed on the EOB.")] = "",
    fmt: FormatOpt = Format.table,
) -> None:
    """Post a paper EOB for one claim: payments, adjustments (CO, OA, PI, PR with CARC),
    claim status and denials, exactly as an 835 with the same numbers; PR amounts move to the
    next party.

    Each line balances (charge = paid + adjustments) and the lines add up to --paid.

    Example: medbill eob post --claim C00000001 --date today --check 10423 --paid 70
    --line 1=70 --line-adjust 1:CO-45=10 --line-adjust 1:PR-2=20
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.money import fmt as money
    from medbill_cli.services.eob import post_eob

    day = parse_date(date, what="--date")
    with _context.session() as s:
        res = post_eob(session=s, user=_context.state.actor(), claim_id=claim, date=day,
                       check=check, paid=paid, lines=line or (), adjust=adjust or (),
                       line_adjust=line_adjust or (), payer_claim_number=payer_claim_number)
    info(f"EOB posted on claim {res.claim_pcn} as ERA {res.era_id}: {res.outcome}, "
         f"{res.entries} ledger entries.")
    emit_created({"era": res.era_id, "era_claim": res.era_claim_id, "claim": res.claim_pcn,
                  "status": res.status, "outcome": res.outcome, "paid": money(res.paid_cents),
                  "entries": res.entries}, fmt, id_key="era")
