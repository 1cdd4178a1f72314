"""``claim history`` and ``claim status-request``, added to the ``claim`` group.

They live here, not in ``cli/claim.py``, and join the group when ``app.py`` loads it through
this module (``claim_app``), so the claims commands and these change independently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_rows, info
from medbill_cli.cli.claim import app as claim_app

HISTORY_COLUMNS = ["at", "event", "source", "status", "detail", "user"]


def history(
    claim_id: Annotated[str, typer.Argument(help="Claim id or patient control number.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Every event of a claim, oldest first: generated, scrubbed, exported, acknowledged,
    rejected, status requested, paid or denied, replaced, with its source and date.

    Example: medbill claim history 12
    """
    from medbill_cli.services.claim_history import claim_history

    with _context.session(write=False) as s:
        head, events = claim_history(session=s, claim_id=claim_id)
    emit_rows([e.public() for e in events], fmt, columns=HISTORY_COLUMNS)
    info(f"Claim {head['id']} ({head['pcn']}) is {head['status']}: {len(events)} event(s).")


def status_request(
    output: Annotated[Path, typer.Option("--output", "-o", help="The 276 file to write.")],
    claim_ids: Annotated[list[str] | None, typer.Argument(
        help="Claim ids or PCNs (default: every submitted or accepted claim).")] = None,
    older_than: Annotated[int | None, typer.Option(
        "--older-than", help="Only claims submitted at least this many days ago.")] = None,
) -> None:
    """Write a 276 claim status request (005010X212); import the 277 answer with medbill ack import.

    Example: medbill claim status-request --older-than 30 --output status.276
    """
    from medbill_cli.errors import InputError
    from medbill_cli.privfile import write_private
    from medbill_cli.services.status_request import build_status_request

    if not output.parent.exists():
        raise InputError(f"Folder {output.parent} does not exist",
                         "Create it or choose another --output")
    with _context.session() as s:
        req = build_status_request(session=s, user=_context.state.actor(),
                                   claim_ids=list(claim_ids or []), older_than=older_than,
                                   file_name=output.name)
        write_private(output, req.text)
    info(f"Wrote a 276 for {len(req.pcns)} claim(s) to {output} (control number {req.control}).")


claim_app.command("history")(history)
claim_app.command("status-request")(status_request)
