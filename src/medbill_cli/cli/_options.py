"""Options shared by many commands."""

from __future__ import annotations

from typing import Annotated

import typer

from medbill_cli.cli._output import Format

FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
DateOpt = Annotated[str, typer.Option("--date", help="YYYY-MM-DD, today or yesterday.")]
OptDateOpt = Annotated[
    str | None, typer.Option("--date", help="YYYY-MM-DD, today or yesterday.")
]


def parse_date(text: str, what: str = "date"):  # type: ignore[no-untyped-def]
    from medbill_cli.dates import parse_date as _parse

    return _parse(text, what=what)

