"""``medbill charge entry``: the full-screen charge-entry screen.

This module is imported with ``charge``'s group, so it imports only Typer; Textual and the
screen (``cli/entry_screen.py``) load when the command runs, and ``charge add`` or
``medbill --help`` never pay for them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from medbill_cli.cli._output import error


def _terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def entry(
    date: Annotated[
        str | None,
        typer.Option("--date", help="Date of service: YYYY-MM-DD, today or yesterday."),
    ] = None,
) -> None:
    """Enter a day's charges on one screen: patient search, code search, running day totals.

    Keyboard only (80x24 is enough): type a patient, then each line's code, modifiers, units
    and diagnoses; Enter saves the line as charge add does. Ctrl+N next patient, Ctrl+Q quits.
    Needs a terminal; scripts use charge add or charge import.

    Example: medbill charge entry --date today
    """
    if not _terminal():
        error("charge entry needs a terminal. Use medbill charge add or medbill charge import "
              "from a script.")
        raise typer.Exit(2)
    from medbill_cli.cli._entry_backend import EntryBackend
    from medbill_cli.dates import parse_date

    day = parse_date(date, what="date of service") if date else None
    backend = EntryBackend.open()
    try:
        from medbill_cli.cli.entry_screen import ChargeEntryApp

        app = ChargeEntryApp(backend, day)
        app.run()
    finally:
        backend.close()
    if app.return_code:
        raise typer.Exit(70)  # the screen failed (a bug); it printed one line


def register(app: typer.Typer) -> None:
    """Add ``entry`` to the charge group."""
    app.command("entry")(entry)
