"""Report commands registered on ``medbill report``."""

from __future__ import annotations

from medbill_cli.cli.report import app  # noqa: F401
