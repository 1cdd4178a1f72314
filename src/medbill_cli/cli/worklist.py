"""``medbill worklist``: follow-up lists a biller (or a cron job) works every day."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_rows, info

COLUMNS = ["kind", "record", "pcn", "patient", "payer", "age_days", "amount", "reason", "action"]


def worklist(
    kinds: Annotated[list[str] | None, typer.Argument(
        help="held, rejected, no-response, timely-filing, denied, credit, unbilled, eligibility "
             "(default: all).")] = None,
    days: Annotated[int | None, typer.Option(
        "--days", help="Each kind's threshold in days (no-response 30, timely-filing 30, "
                       "unbilled 3, eligibility 1 ahead, others 0).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Claims and charges that need follow-up, each with its age and what to do.

    Exit 1 when anything is found, 0 when every list is clear.

    Example: medbill worklist rejected no-response --days 30 --format json
    """
    from medbill_cli.errors import ExitCode
    from medbill_cli.services.worklist import worklist as build

    with _context.connection(write=False) as s:
        items = build(session=s, kinds=kinds or [], days=days)
    emit_rows([i.public() for i in items], fmt, columns=COLUMNS, empty="Nothing to follow up.")
    if items:
        counts: dict[str, int] = {}
        for i in items:
            counts[i.kind] = counts.get(i.kind, 0) + 1
        info("Found " + ", ".join(f"{n} {k}" for k, n in counts.items()) + ".")
        raise typer.Exit(int(ExitCode.PROBLEMS))
