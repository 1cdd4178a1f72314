"""Code sets: loading the bundled sets, importing files, describing what is loaded.

Writes go through SQLAlchemy Core ``executemany`` (one statement, many parameter sets): the
ORM's per-row unit of work is far too slow for 98,000 ICD-10-CM codes or a 15,000-row MUE
table. Every load is all-or-nothing (the caller's one transaction) and idempotent: a file
already loaded with the same content changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, update
from sqlmodel import Session, col, select

from medbill_cli.db.models import Code, CodeSet, CodeWord, MueEdit, PtpEdit
from medbill_cli.db.models._base import utcnow
from medbill_cli.errors import EnvironmentProblem, InputError

SAMPLE_VERSION = "medbill-sample-2026.1"
SAMPLE_SOURCE = "medbill sample (descriptions in medbill's own words; not AMA CPT descriptors)"
# system -> file in data/sample_codes, in load order
SAMPLES: tuple[tuple[str, str], ...] = (
    ("cpt", "cpt.csv"),
    ("hcpcs", "hcpcs.csv"),
    ("modifier", "modifier.csv"),
    ("pos", "pos.csv"),
    ("group", "group.csv"),
    ("carc", "carc.csv"),
    ("rarc", "rarc.csv"),
)
EARLIEST = dt.date(1900, 1, 1)  # "in force since before this version": no earlier data loaded
SYSTEM_NAMES = {
    "icd10cm": "ICD-10-CM diagnoses",
    "cpt": "CPT procedures",
    "hcpcs": "HCPCS Level II",
    "modifier": "Modifiers",
    "pos": "Place of service",
    "group": "Claim adjustment group codes",
    "carc": "Claim adjustment reason codes",
    "rarc": "Remittance advice remark codes",
    "ncci-ptp": "NCCI procedure-to-procedure edits",
    "mue": "NCCI medically unlikely edits",
}
CODE_FIELDS = ("short_description", "long_description", "billable", "parent", "termination",
               "notes", "terms")


def sample_dir() -> Path:
    """The shipped sample code sets (inside the package; the repo root links to them)."""
    here = Path(__file__).resolve().parent.parent / "data" / "sample_codes"
    if here.is_dir():
        return here
    root = Path(__file__).resolve().parents[3] / "data" / "sample_codes"
    if root.is_dir():
        return root
    raise EnvironmentProblem("The sample code sets are missing from this installation",
                             "Reinstall medbill")


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _code_set(session: Session, system: str, version: str) -> CodeSet | None:
    return session.exec(
        select(CodeSet).where(CodeSet.system == system, CodeSet.version == version)
    ).first()


# ------------------------------------------------------------------ writing codes in bulk

@dataclass
class WriteResult:
    inserted: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.removed)


def _norm_row(r: dict[str, Any], system: str, version: str) -> dict[str, Any]:
    return {
        "system": system,
        "code": r["code"],
        "short_description": r.get("short_description") or None,
        "long_description": r["long_description"],
        "billable": bool(r.get("billable", True)),
        "parent": r.get("parent"),
        "effective": r.get("effective") or EARLIEST,
        "termination": r.get("termination"),
        "version": version,
        "notes": r.get("notes"),
        "terms": r.get("terms"),
    }


def write_codes(
    *, session: Session, system: str, version: str, rows: Iterable[dict[str, Any]],
    replace_sample: bool = True,
) -> WriteResult:
    """Insert new codes and update changed ones of ``system``, keyed by (code, effective).

    Args:
        session: the command's session.
        system: the code system (icd10cm, cpt, hcpcs, ...).
        version: the version the rows come from (kept on new rows).
        rows: dicts with code, long_description and optionally short_description, billable,
            parent, effective, termination, notes (JSON text), terms.
        replace_sample: drop rows of the shipped sample that the incoming rows supersede.

    Returns:
        How many rows were inserted, updated and removed.
    """
    incoming = [_norm_row(r, system, version) for r in rows]
    res = WriteResult()
    existing: dict[tuple[str, dt.date], tuple[Any, ...]] = {}
    cols = [Code.id, Code.code, Code.effective, Code.version] + [getattr(Code, f) for f in CODE_FIELDS]
    for row in session.execute(select(*cols).where(Code.system == system)):
        existing[(row[1], row[2])] = tuple(row)
    if replace_sample and version != SAMPLE_VERSION:
        codes_in = {r["code"] for r in incoming}
        drop = [v[0] for (c, _e), v in existing.items() if v[3] == SAMPLE_VERSION and c in codes_in]
        if drop:
            for i in range(0, len(drop), 900):
                session.execute(delete(Code).where(col(Code.id).in_(drop[i:i + 900])))
            res.removed = len(drop)
            existing = {k: v for k, v in existing.items() if v[0] not in set(drop)}
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    seen: set[tuple[str, dt.date]] = set()
    for r in incoming:
        key = (r["code"], r["effective"])
        if key in seen:
            continue
        seen.add(key)
        old = existing.get(key)
        if old is None:
            new.append(r)
            continue
        if tuple(old[4:]) != tuple(r[f] for f in CODE_FIELDS):
            changed.append({"_id": old[0], **{f: r[f] for f in CODE_FIELDS}})
    if new:
        session.execute(insert(Code), new)
    if changed:
        stmt = update(Code).where(Code.id == bindparam("_id")).values(
            {f: bindparam(f) for f in CODE_FIELDS})
        session.connection().execute(stmt, changed)
    res.inserted, res.updated = len(new), len(changed)
    return res


def rebuild_vocabulary(*, session: Session) -> int:
    """Recount the search vocabulary from every code's description and terms.

    Returns:
        The number of distinct words.
    """
    from medbill_cli.codesets.vocabulary import document_frequencies

    texts = session.execute(select(Code.long_description, Code.terms))
    df = document_frequencies((t[0], t[1]) for t in texts)
    session.execute(delete(CodeWord))
    rows = [{"word": w[:60], "first": w[0], "length": len(w), "df": n} for w, n in df.items()]
    if rows:
        session.execute(insert(CodeWord), rows)
    return len(rows)


def _record_set(
    session: Session, *, system: str, version: str, source: str, digest: str | None,
    row_count: int, user: str,
) -> CodeSet:
    cs = _code_set(session, system, version)
    if cs is None:
        cs = CodeSet(system=system, version=version, source=source)
    cs.file_hash = digest
    cs.row_count = row_count
    cs.loaded_at = utcnow()
    cs.loaded_by = user
    session.add(cs)
    session.flush()
    return cs


# ------------------------------------------------------------------ the bundled sets (init)

def _icd10cm_rows() -> tuple[list[dict[str, Any]], str]:
    from medbill_cli.codesets import icd10cm

    try:
        xml_path, list_path = icd10cm.data_files()
    except FileNotFoundError as exc:
        raise EnvironmentProblem(f"Cannot find the ICD-10-CM data: {exc}",
                                 "Reinstall medbill (it needs simple-icd-10-cm==1.5.0)") from None
    rows = []
    for c in icd10cm.read_icd10cm():
        rows.append({
            "code": c.code, "long_description": c.description, "billable": c.billable,
            "parent": c.parent, "notes": json.dumps(c.notes, sort_keys=True) if c.notes else None,
            "terms": c.terms,
        })
    return rows, f"simple-icd-10-cm 1.5.0: {xml_path.name}, {list_path.name}"


def load_icd10cm_bundled(*, session: Session, user: str) -> str | None:
    """ICD-10-CM FY2026 from the installed ``simple-icd-10-cm`` data, unless already loaded."""
    from medbill_cli.codesets.icd10cm import VERSION

    if _code_set(session, "icd10cm", VERSION) is not None:
        return None
    rows, source = _icd10cm_rows()
    res = write_codes(session=session, system="icd10cm", version=VERSION, rows=rows)
    _record_set(session, system="icd10cm", version=VERSION, source=source, digest=None,
                row_count=len(rows), user=user)
    billable = sum(1 for r in rows if r["billable"])
    return (f"Loaded ICD-10-CM {VERSION}: {billable:,} billable codes, "
            f"{len(rows) - billable:,} headers ({res.inserted:,} new).")


def load_samples(*, session: Session, user: str) -> list[str]:
    """The shipped samples (CPT, HCPCS, modifiers, POS, group codes, CARC, RARC) if missing."""
    from medbill_cli.codesets.parsers import read_code_csv

    out = []
    folder = sample_dir()
    for system, name in SAMPLES:
        if _code_set(session, system, SAMPLE_VERSION) is not None:
            continue
        path = folder / name
        rows = read_code_csv(path, system=system)
        have = {c for (c,) in session.execute(select(Code.code).where(Code.system == system))}
        # A real release already imported wins over the sample.
        rows = [r for r in rows if r["code"] not in have]
        res = write_codes(session=session, system=system, version=SAMPLE_VERSION, rows=rows,
                          replace_sample=False)
        _record_set(session, system=system, version=SAMPLE_VERSION, source=SAMPLE_SOURCE,
                    digest=file_hash(path), row_count=len(rows), user=user)
        out.append(f"Loaded sample {SYSTEM_NAMES[system]}: {res.inserted} codes.")
    return out


def load_bundled(*, session: Session, user: str) -> list[str]:
    """ICD-10-CM and the shipped samples, each only if not loaded yet; then the vocabulary.

    Returns:
        One summary line per code set loaded (nothing on a second run).
    """
    lines: list[str] = []
    icd = load_icd10cm_bundled(session=session, user=user)
    if icd:
        lines.append(icd)
    lines.extend(load_samples(session=session, user=user))
    if lines:
        rebuild_vocabulary(session=session)
    else:
        lines.append("Code sets already loaded; nothing to do.")
    return lines


# ------------------------------------------------------------------ describing what is loaded

def code_set_info(*, session: Session) -> list[dict[str, Any]]:
    """One row per loaded code set version, with counts of codes (billable and headers)."""
    counts: dict[tuple[str, str], list[int]] = {}
    q = select(Code.system, Code.version, Code.billable, func.count()).group_by(
        Code.system, Code.version, Code.billable)
    for system, version, billable, n in session.execute(q):
        c = counts.setdefault((system, version), [0, 0])
        c[0 if billable else 1] += int(n)
    for model, system in ((PtpEdit, "ncci-ptp"), (MueEdit, "mue")):
        for version, n in session.execute(select(model.version, func.count()).group_by(model.version)):
            counts[(system, version)] = [int(n), 0]
    sets = {(s.system, s.version): s for s in session.exec(select(CodeSet))}
    out = []
    for key in sorted(set(counts) | set(sets)):
        system, version = key
        cs = sets.get(key)
        billable, headers = counts.get(key, [0, 0])
        out.append({
            "system": system, "name": SYSTEM_NAMES.get(system, system), "version": version,
            "codes": billable + headers, "billable": billable, "headers": headers,
            "source": cs.source if cs else None,
            "loaded_at": cs.loaded_at.replace(microsecond=0) if cs else None,
        })
    return out
