"""Encounters (visits) and their encounter forms."""

from __future__ import annotations

import typer

app = typer.Typer(help="Encounters (visits) and their encounter forms.", no_args_is_help=True)
