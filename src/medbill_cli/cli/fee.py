"""The fee schedule."""

from __future__ import annotations

import typer

app = typer.Typer(help="The fee schedule.", no_args_is_help=True)
