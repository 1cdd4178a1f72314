"""Code search: exact code, then code prefixes, then typo-tolerant full text.

Ranking: an exact code (``E11.9``, ``e119``) comes first, then codes that start with the query
(``E11.2`` -> E11.21, E11.22, E11.29; the dot is optional), then full-text matches over
descriptions and inclusion terms (SQLite FTS5 with bm25; PostgreSQL tsvector with ts_rank).
Query words missing from the description vocabulary (the ``code_word`` table) are corrected
with rapidfuzz against the words of about the same length and first letter ("diabetis" ->
diabetes, "kidny" -> kidney), so a typo costs one small indexed query, not a pass over
98,000 descriptions. Every match of all the words comes before matches of some of them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from rapidfuzz import fuzz, process

from medbill_cli.codesets.vocabulary import STOPWORDS, words
from medbill_cli.dates import in_force_text


@runtime_checkable
class Runner(Protocol):
    """What the search needs of a database: its dialect name and a query that returns rows.

    ``SessionRunner`` below wraps a SQLAlchemy session; ``db.readonly.DbapiRunner`` wraps a bare
    driver connection (``codes search``)."""

    dialect: str

    def all(self, sql: str, params: dict[str, Any]) -> list[Any]: ...


def _runner(session: Any) -> Runner:
    if not isinstance(session, Runner):
        raise TypeError("search needs a Runner: db.readonly.SessionRunner or DbapiRunner")
    return session


SYSTEMS = ("icd10cm", "cpt", "hcpcs", "modifier", "pos", "group", "carc", "rarc")
CODE_LIKE = re.compile(r"^[A-Za-z0-9]{1,3}(\.?[A-Za-z0-9]{0,4})$")


@dataclass(frozen=True)
class Hit:
    system: str
    code: str
    description: str
    billable: bool

    def public(self) -> dict[str, Any]:
        return {"system": self.system, "code": self.code, "description": self.description,
                "billable": self.billable}


def looks_like_code(q: str) -> bool:
    """``E11.9``, ``e119``, ``99213``, ``J1100``, ``25``, ``LT``: no spaces, short, mostly code."""
    q = q.strip()
    if not CODE_LIKE.match(q):
        return False
    return any(ch.isdigit() for ch in q) or len(q) <= 2


def code_variants(q: str) -> list[str]:
    """The ways a typed code may be stored: as typed (upper case) and with the ICD-10 dot."""
    up = q.strip().upper()
    bare = up.replace(".", "")
    out = [up]
    if len(bare) > 3 and bare[0].isalpha():
        out.append(f"{bare[:3]}.{bare[3:]}")
    if bare != up:
        out.append(bare)
    if up.isdigit() and len(up) == 1:
        out.append(up.zfill(2))  # place of service "1" -> "01"
    return list(dict.fromkeys(out))


def _filters(
    system: str | None, billable: bool, dos: dt.date | None, alias: str = "c"
) -> tuple[str, dict[str, Any]]:
    sql: list[str] = []
    params: dict[str, Any] = {}
    if system:
        sql.append(f"{alias}.system = :system")
        params["system"] = system
    if billable:
        sql.append(f"{alias}.billable = :billable")
        params["billable"] = True
    if dos is not None:
        sql.append(in_force_text(f"{alias}.effective", f"{alias}.termination", ":dos"))
        params["dos"] = dos
    return "".join(f" AND {s}" for s in sql), params


def _hits(rows: Any) -> list[Hit]:
    return [Hit(r[0], r[1], r[2], bool(r[3])) for r in rows]


def _by_code(session: Runner, q: str, where: str, params: dict[str, Any], limit: int) -> list[Hit]:
    variants = code_variants(q)
    names = {f"v{i}": v for i, v in enumerate(variants)}
    inlist = ", ".join(f":{k}" for k in names)
    # Name the systems so that SQLite walks the (system, code) index once per system.
    systems = {f"s{i}": s for i, s in enumerate(SYSTEMS)}
    sysin = "c.system IN (" + ", ".join(f":{k}" for k in systems) + ")"
    exact = session.all(
        f"SELECT c.system, c.code, c.long_description, c.billable FROM code c "
        f"WHERE {sysin} AND c.code IN ({inlist}){where} ORDER BY c.system, c.effective DESC",
        {**params, **names, **systems},
    )
    if session.dialect == "postgresql":
        prefixes = {
            f"p{i}": v.replace("%", "").replace("_", "") + "%" for i, v in enumerate(variants)
        }
        cond = " OR ".join(f"c.code LIKE :{k}" for k in prefixes)
    else:
        # A range, not LIKE: SQLite's LIKE is case-insensitive and cannot use the index.
        prefixes = {}
        conds = []
        for i, v in enumerate(variants):
            prefixes[f"lo{i}"], prefixes[f"hi{i}"] = v, v + "\uffff"
            conds.append(f"(c.code >= :lo{i} AND c.code < :hi{i})")
        cond = " OR ".join(conds)
    pref = session.all(
        f"SELECT c.system, c.code, c.long_description, c.billable FROM code c "
        f"WHERE {sysin} AND ({cond}) AND c.code NOT IN ({inlist}){where} "
        f"ORDER BY c.code, c.system, c.effective DESC LIMIT :lim",
        {**params, **names, **prefixes, **systems, "lim": limit * 2},
    )
    return _hits(exact) + _hits(pref)


# ------------------------------------------------------------------ query words and typos

def _known(session: Runner, ws: list[str]) -> dict[str, int]:
    """The words of ``ws`` in the vocabulary, with how many codes use each."""
    if not ws:
        return {}
    names = {f"w{i}": w for i, w in enumerate(ws)}
    inlist = ", ".join(f":{k}" for k in names)
    rows = session.all(f"SELECT word, df FROM code_word WHERE word IN ({inlist})", names)
    return {r[0]: int(r[1]) for r in rows}


def _corrections(session: Runner, w: str) -> list[str]:
    """Vocabulary words the user probably meant by ``w`` (best first), or []."""
    n = len(w)
    cutoff = 75 if n >= 6 else 70
    for first_only in (True, False):
        sql = "SELECT word, df FROM code_word WHERE length BETWEEN :lo AND :hi"
        params: dict[str, Any] = {"lo": max(3, n - 2), "hi": n + 2}
        if first_only:
            sql += " AND first = :f"
            params["f"] = w[0]
        rows = session.all(sql, params)
        df = {r[0]: int(r[1]) for r in rows}
        found = process.extract(w, list(df), scorer=fuzz.ratio, limit=10, score_cutoff=cutoff)
        if found:
            best = found[0][1]
            close = [m for m, score, _ in found if score >= best - 3]
            close.sort(key=lambda m: -df[m])
            return close[:3]
    if n >= 4:
        rows = session.all("SELECT word FROM code_word WHERE word LIKE :p ORDER BY df DESC LIMIT 3",
                           {"p": w + "%"})
        return [r[0] for r in rows]
    return []


def query_groups(session: Runner, query: str) -> list[list[str]]:
    """The query as groups of alternatives: one group per word, typos replaced by corrections."""
    ws = [w for w in words(query)]
    content = [w for w in ws if w not in STOPWORDS] or ws
    content = list(dict.fromkeys(content))
    checkable = [w for w in content if len(w) >= 3 and not w.isdigit()]
    known = _known(session, checkable)
    groups: list[list[str]] = []
    for w in content:
        if w in known or len(w) < 3 or w.isdigit():
            groups.append([w])
            continue
        fixes = _corrections(session, w)
        groups.append(fixes or [w])
    return groups


# ------------------------------------------------------------------ full text

# ICD-10-CM categories (three characters: E11, I10, N18) that match come before their many
# subcodes: "diabetes" shows E08-E13 first rather than one short title such as "Diabetes
# insipidus", and a coder drills down from the category.
CATEGORY_FIRST = "(CASE WHEN c.system = 'icd10cm' AND length(c.code) = 3 THEN 0 ELSE 1 END)"

def _fts_sqlite(
    session: Runner, groups: list[list[str]], any_word: bool, where: str, params: dict[str, Any],
    limit: int,
) -> list[Hit]:
    def grp(g: list[str]) -> str:
        alts = " OR ".join(f'"{w}"' for w in g)
        return f"({alts})" if len(g) > 1 else alts

    match = (" OR " if any_word else " AND ").join(grp(g) for g in groups)
    rows = session.all(
        "SELECT c.system, c.code, c.long_description, c.billable FROM code_fts f "
        "JOIN code c ON c.id = f.rowid "
        f"WHERE code_fts MATCH :match{where} "
        f"ORDER BY {'1' if any_word else CATEGORY_FIRST}, bm25(code_fts, 1.0, 0.3), "
        "c.billable DESC, "
        "c.code LIMIT :lim",
        {**params, "match": match, "lim": limit},
    )
    return _hits(rows)


def _fts_postgresql(
    session: Runner, groups: list[list[str]], any_word: bool, where: str, params: dict[str, Any],
    limit: int,
) -> list[Hit]:
    def grp(g: list[str]) -> str:
        return "(" + " | ".join(g) + ")" if len(g) > 1 else g[0]

    tsq = (" | " if any_word else " & ").join(grp(g) for g in groups)
    rows = session.all(
        "SELECT c.system, c.code, c.long_description, c.billable FROM code c, "
        "to_tsquery('english', :tsq) q "
        f"WHERE c.search_vector @@ q{where} "
        f"ORDER BY {'1' if any_word else CATEGORY_FIRST}, ts_rank(c.search_vector, q, 1) DESC, "
        "length(c.long_description), c.code "
        "LIMIT :lim",
        {**params, "tsq": tsq, "lim": limit},
    )
    return _hits(rows)


def search_codes(
    *, session: Any, query: str, system: str | None = None, billable: bool = False,
    dos: dt.date | None = None, limit: int = 20,
) -> list[Hit]:
    """Codes matching ``query``, best first.

    Args:
        session: a SQLAlchemy session, or a runner from ``db.readonly.open_readonly``.
        query: a code, a code prefix or words of a description (typos allowed).
        system: only this system (icd10cm, cpt, hcpcs, modifier, pos, group, carc, rarc).
        billable: only codes valid on a claim (no headers).
        dos: only codes in force on this date of service.
        limit: at most this many results.

    Returns:
        Hits without duplicates (one per system and code).
    """
    q = query.strip()
    if not q or limit <= 0:
        return []
    session = _runner(session)
    where, params = _filters(system, billable, dos)
    out: list[Hit] = []
    seen: set[tuple[str, str]] = set()

    def add(hits: list[Hit]) -> None:
        for h in hits:
            key = (h.system, h.code)
            if key not in seen and len(out) < limit:
                seen.add(key)
                out.append(h)

    if looks_like_code(q):
        add(_by_code(session, q, where, params, limit))
        if out:
            return out
    if len(out) >= limit:
        return out
    groups = query_groups(session, q)
    if not groups:
        return out
    fts = _fts_postgresql if session.dialect == "postgresql" else _fts_sqlite
    add(fts(session, groups, False, where, params, limit + len(out)))
    if len(out) < limit and len(groups) > 2:
        # Codes that match all words but one: drop the most common words first, so the
        # rarer, more telling words stay ("type 2 diabetes ... kidney" without "2" finds the
        # type 1 and other-diabetes twins of E11.22).
        df = _known(session, sorted({w for g in groups for w in g}))
        weight = [max(df.get(w, 1_000_000) for w in g) for g in groups]
        order = sorted(range(len(groups)), key=lambda i: -weight[i])[:6]
        for i in order:
            if len(out) >= limit:
                break
            rest = groups[:i] + groups[i + 1:]
            add(fts(session, rest, False, where, params, limit + len(out)))
        # Then fewer and fewer words, still dropping the most common ones first.
        for k in range(2, len(groups)):
            if len(out) >= limit:
                break
            keep = sorted(order[k:] + [i for i in range(len(groups)) if i not in order])
            add(fts(session, [groups[i] for i in keep], False, where, params, limit + len(out)))
    if not out and len(groups) > 1:
        add(fts(session, groups, True, where, params, limit))
    return out
