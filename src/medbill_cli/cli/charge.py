"""Charges: enter, import, list, void."""

from __future__ import annotations

import typer

app = typer.Typer(help="Charges: enter, import, list, void.", no_args_is_help=True)
