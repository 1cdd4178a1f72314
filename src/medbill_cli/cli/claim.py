"""Claims: generate, scrub, export 837P, resubmit."""

from __future__ import annotations

import typer

app = typer.Typer(help="Claims: generate, scrub, export 837P, resubmit.", no_args_is_help=True)
