"""Words of code descriptions: tokenizing for the search vocabulary and query correction."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

WORD = re.compile(r"[a-z0-9]+")
# Too common to narrow a search; dropped from full-text queries (kept in the vocabulary).
STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or the to with nos".split()
)


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words of ``text``."""
    return WORD.findall(text.lower())


def document_frequencies(texts: Iterable[tuple[str | None, str | None]]) -> Counter[str]:
    """How many (description, terms) pairs use each word of three or more letters."""
    df: Counter[str] = Counter()
    find = WORD.findall
    for desc, terms in texts:
        text = f"{desc or ''} {terms or ''}".lower() if terms else (desc or "").lower()
        df.update(set(find(text)))
    for w in [w for w in df if len(w) < 3 or w.isdigit()]:
        del df[w]
    return df
