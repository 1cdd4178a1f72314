"""What acknowledgment codes mean, in words: STC categories, claim status codes, entity
identifiers, 999 IK3/IK4/IK5 codes and TA1 note codes.

The table is shipped data (``medbill_cli/data/ack_codes.csv``, our own wording of the common
codes); a code it does not hold is shown as itself.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources

TABLES = ("category", "status", "entity", "ik3", "ik4", "ik5", "ta1")


@lru_cache(maxsize=1)
def _codes() -> dict[tuple[str, str], str]:
    text = resources.files("medbill_cli").joinpath("data", "ack_codes.csv").read_text("utf-8")
    return {(r["table"], r["code"]): r["meaning"] for r in csv.DictReader(io.StringIO(text))}


def meaning(table: str, code: str) -> str | None:
    """The words for ``code`` in ``table``, or None when the table does not hold it."""
    return _codes().get((table, code.strip().upper()))


def words(table: str, code: str) -> str:
    """``code`` with its meaning (``164 the entity's contract or member number``), or the code
    alone, marked unknown, when the table does not hold it."""
    if not code:
        return ""
    found = meaning(table, code)
    return f"{code} {found}" if found else f"{code} (code not in medbill's table)"


@lru_cache(maxsize=4096)
def status_words(category: str, code: str, entity: str) -> str:
    """One STC composite in words: ``A7 rejected: information invalid; 164 the entity's
    contract or member number; entity IL insured or subscriber``."""
    parts = [words("category", category), words("status", code)]
    if entity:
        parts.append("entity " + words("entity", entity))
    return "; ".join(p for p in parts if p)
