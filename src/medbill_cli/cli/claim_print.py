"""``claim print``: CMS-1500 (02/12) PDFs of claims. Wired onto the ``claim`` group in app.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._output import info
from medbill_cli.forms.pdf import FormMode


def print_claims(
    output: Annotated[str, typer.Option("--output", "-o", help="The PDF file to write.")],
    claim_ids: Annotated[
        list[str] | None,
        typer.Argument(help="Claim ids or patient control numbers.", metavar="CLAIM_ID"),
    ] = None,
    batch: Annotated[
        int | None, typer.Option("--batch", help="Every claim of this exported batch.")
    ] = None,
    form: Annotated[FormMode, typer.Option(
        "--form", case_sensitive=False,
        help="data: the data alone, for the red-ink form stock; full: the form drawn too.")
    ] = FormMode.data,
    offset_x: Annotated[float, typer.Option(
        "--offset-x", help="Points to move the print right (negative: left).")] = 0.0,
    offset_y: Annotated[float, typer.Option(
        "--offset-y", help="Points to move the print down (negative: up).")] = 0.0,
) -> None:
    """Print claims as CMS-1500 (02/12) forms in one PDF; six lines a form, more on further pages.

    Example: medbill claim print 1 2 --output claims.pdf --form full
    """
    from medbill_cli.money import fmt
    from medbill_cli.services.paper import print_claims as print_

    with _context.session() as s:
        result = print_(session=s, user=_context.state.actor(), output=Path(output),
                        claim_ids=claim_ids or [], batch_id=batch, form=form, offset_x=offset_x,
                        offset_y=offset_y)
    info(f"Wrote {result.claims} claim(s) on {result.pages} page(s), total "
         f"{fmt(result.total_cents)}, to {output}.")
