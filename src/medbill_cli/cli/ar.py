"""Accounts receivable."""

from __future__ import annotations

import typer

app = typer.Typer(help="Accounts receivable.", no_args_is_help=True)
