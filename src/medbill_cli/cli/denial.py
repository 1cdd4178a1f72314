"""The denial worklist."""

from __future__ import annotations

import typer

app = typer.Typer(help="The denial worklist.", no_args_is_help=True)
