"""Code lookup and import (ICD-10-CM, CPT, HCPCS, modifiers, POS, CARC/RARC, NCCI)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Look up and import code sets.", no_args_is_help=True)
