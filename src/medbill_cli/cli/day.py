"""Closed days: list and reopen."""

from __future__ import annotations

import typer

app = typer.Typer(help="Closed days: list and reopen.", no_args_is_help=True)
