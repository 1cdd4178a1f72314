"""Patient payments: at the desk and later."""

from __future__ import annotations

import typer

app = typer.Typer(help="Patient payments: at the desk and later.", no_args_is_help=True)
