"""Close of day: ``medbill reconcile``."""

from __future__ import annotations


def reconcile() -> None:
    """Balance the day's encounter forms against charges and payments entered."""
