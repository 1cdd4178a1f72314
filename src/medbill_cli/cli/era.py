"""835 remittances: import and post."""

from __future__ import annotations

import typer

app = typer.Typer(help="835 remittances: import and post.", no_args_is_help=True)
