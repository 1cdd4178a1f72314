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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from medbill_cli.dates import in_force
from medbill_cli.db import dialect
from medbill_cli.db.models import Code, CodeSet, CodeWord, MueEdit, PtpEdit
from medbill_cli.db.models._base import utcnow
from medbill_cli.db.query import chunks
from medbill_cli.errors import EnvironmentProblem, InputError
from medbill_cli.inputs import clean_rows
from medbill_cli.services import audit

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


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of ``model``'s table in the session's transaction (COPY on PostgreSQL)."""
    dialect.copy_rows(session.connection(), _table(model), rows)


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
    raw_rows = list(rows)
    incoming = [_norm_row(r, system, version) for r in raw_rows]
    # Fields a file does not carry (an order file has no tabular notes) keep their values.
    provided = [set(r) | {"long_description"} for r in raw_rows]
    res = WriteResult()
    existing: dict[tuple[str, dt.date], tuple[Any, ...]] = {}
    code = _table(Code).c
    cols = [code.id, code.code, code.effective, code.version] + [code[f] for f in CODE_FIELDS]
    for row in session.execute(core_select(*cols).where(code.system == system)):
        existing[(row[1], row[2])] = tuple(row)
    if replace_sample and version != SAMPLE_VERSION:
        codes_in = {r["code"] for r in incoming}
        drop = [v[0] for (c, _e), v in existing.items() if v[3] == SAMPLE_VERSION and c in codes_in]
        if drop:
            for part in chunks(drop):
                session.execute(delete(Code).where(col(Code.id).in_(part)))
            res.removed = len(drop)
            existing = {k: v for k, v in existing.items() if v[0] not in set(drop)}
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    seen: set[tuple[str, dt.date]] = set()
    for r, has in zip(incoming, provided, strict=True):
        key = (r["code"], r["effective"])
        if key in seen:
            continue
        seen.add(key)
        old = existing.get(key)
        if old is None:
            new.append(r)
            continue
        merged = {f: (r[f] if f in has else old[4 + i]) for i, f in enumerate(CODE_FIELDS)}
        if tuple(old[4:]) != tuple(merged.values()):
            changed.append({"_id": old[0], **merged})
    if new:
        bulk_insert(session, Code, new)
    if changed:
        stmt = update(Code).where(col(Code.id) == bindparam("_id")).values(
            {f: bindparam(f) for f in CODE_FIELDS})
        session.connection().execute(stmt, changed)
    res.inserted, res.updated = len(new), len(changed)
    return res


def refresh_search(*, session: Session) -> None:
    """Rebuild the full-text index (SQLite) and the vocabulary after codes changed."""
    dialect.refresh_text_index(session, fts_table="code_fts", gin_index="ix_code_fts")
    rebuild_vocabulary(session=session)
    dialect.analyze(session, "code", "code_word")


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
        bulk_insert(session, CodeWord, rows)
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
        refresh_search(session=session)
    else:
        lines.append("Code sets already loaded; nothing to do.")
    return lines


# ------------------------------------------------------------------ describing what is loaded

def code_set_info(*, session: Session) -> list[dict[str, Any]]:
    """One row per loaded code set version, with counts of codes (billable and headers)."""
    counts: dict[tuple[str, str], list[int]] = {}
    code = _table(Code).c
    q = core_select(code.system, code.version, code.billable, func.count()).group_by(
        code.system, code.version, code.billable)
    for system, version, billable, n in session.execute(q):
        c = counts.setdefault((system, version), [0, 0])
        c[0 if billable else 1] += int(n)
    for model, system in ((PtpEdit, "ncci-ptp"), (MueEdit, "mue")):
        ver = _table(model).c.version
        for version, n in session.execute(core_select(ver, func.count()).group_by(ver)):
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


# ------------------------------------------------------------------ importing files

IMPORT_SYSTEMS = ("icd10cm", "hcpcs", "cpt", "ncci-ptp", "mue", "pos", "carc", "rarc", "modifier",
                  "group")


@dataclass
class ImportResult:
    system: str
    version: str
    rows: int
    inserted: int
    updated: int
    removed: int = 0
    unchanged: bool = False
    code_set_id: int | None = None

    def public(self) -> dict[str, Any]:
        return {"id": self.code_set_id, "system": self.system, "version": self.version,
                "rows": self.rows, "inserted": self.inserted, "updated": self.updated,
                "removed": self.removed, "unchanged": self.unchanged}


def _default_version(path: Path, system: str) -> str:
    """A readable version from CMS's file names, else the file name."""
    import re

    name = path.name
    if system == "mue":
        eff = _mue_effective(path)
        if eff:
            return f"{eff.isoformat()}"
    if system == "ncci-ptp":
        m = re.search(r"v\d{3}r\d+", name, re.I)
        if m:
            return m.group(0).lower()
    if system == "hcpcs":
        m = re.search(r"HCPC(\d{4})_([A-Z]{3})", name, re.I)
        if m:
            return f"{m.group(1)}-{m.group(2).upper()}"
    return path.stem[:40]


def _mue_effective(path: Path) -> dt.date | None:
    import re

    m = re.search(r"(\d{2})-(\d{2})-(\d{4})", path.name)
    if m:
        try:
            return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        except ValueError:
            return None
    return None


def _parse(path: Path, system: str) -> list[dict[str, Any]]:
    from medbill_cli.codesets import parsers

    if system == "hcpcs":
        return parsers.read_hcpcs(path)
    if system == "mue":
        return parsers.read_mue(path)
    if system == "ncci-ptp":
        return parsers.read_ptp(path)
    if system == "icd10cm":
        if path.is_dir():
            return _icd10cm_folder(path)
        return parsers.read_icd10cm_order(path)
    return parsers.read_code_csv(path, system=system)


def _icd10cm_folder(folder: Path) -> list[dict[str, Any]]:
    from medbill_cli.codesets import icd10cm

    return [{"code": c.code, "long_description": c.description, "billable": c.billable,
             "parent": c.parent, "notes": json.dumps(c.notes, sort_keys=True) if c.notes else None,
             "terms": c.terms} for c in icd10cm.read_icd10cm(folder)]


def _write_mue(session: Session, rows: list[dict[str, Any]], version: str,
               effective: dt.date | None) -> WriteResult:
    res = WriteResult()
    m = _table(MueEdit).c
    existing = {r[1]: r for r in session.execute(
        core_select(m.id, m.code, m.mue, m.mai, m.rationale, m.effective)
        .where(m.version == version))}
    new, changed = [], []
    for r in rows:
        vals = {"mue": r["mue"], "mai": r["mai"], "rationale": r["rationale"],
                "effective": effective}
        old = existing.get(r["code"])
        if old is None:
            new.append({"code": r["code"], "version": version, **vals})
        elif tuple(old[2:6]) != (vals["mue"], vals["mai"], vals["rationale"], effective):
            changed.append({"_id": old[0], **vals})
    bulk_insert(session, MueEdit, new)
    if changed:
        stmt = update(MueEdit).where(col(MueEdit.id) == bindparam("_id")).values(
            {k: bindparam(k) for k in ("mue", "mai", "rationale", "effective")})
        session.connection().execute(stmt, changed)
    res.inserted, res.updated = len(new), len(changed)
    return res


def _write_ptp(session: Session, rows: list[dict[str, Any]], version: str) -> WriteResult:
    res = WriteResult()
    codes1 = {r["column1"] for r in rows}
    existing: dict[tuple[str, str, dt.date], tuple[Any, ...]] = {}
    p = _table(PtpEdit).c
    for part in chunks(sorted(codes1)):
        for e in session.execute(
            core_select(p.id, p.column1, p.column2, p.effective, p.deletion, p.modifier_indicator,
                   p.rationale).where(p.column1.in_(part))
        ):
            existing[(e[1], e[2], e[3])] = tuple(e)
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    seen: set[tuple[str, str, dt.date]] = set()
    for r in rows:
        key = (r["column1"], r["column2"], r["effective"])
        if key in seen:
            continue
        seen.add(key)
        old = existing.get(key)
        vals = {"deletion": r["deletion"], "modifier_indicator": r["modifier_indicator"],
                "rationale": r["rationale"]}
        if old is None:
            new.append({"column1": key[0], "column2": key[1], "effective": key[2],
                        "version": version, **vals})
        elif (old[4], old[5], old[6]) != tuple(vals.values()):
            changed.append({"_id": old[0], **vals})
    bulk_insert(session, PtpEdit, new)
    if changed:
        stmt = update(PtpEdit).where(col(PtpEdit.id) == bindparam("_id")).values(
            {k: bindparam(k) for k in ("deletion", "modifier_indicator", "rationale")})
        session.connection().execute(stmt, changed)
    res.inserted, res.updated = len(new), len(changed)
    return res


def import_code_file(
    *, session: Session, user: str, path: Path, system: str, version: str | None = None,
) -> ImportResult:
    """Import one code-set file, all or nothing; the same file again changes nothing.

    Args:
        session: the command's session.
        user: who imports, for the audit trail.
        path: the file (or, for icd10cm, a folder with the tabular XML and code list).
        system: hcpcs, cpt, ncci-ptp, mue, pos, carc, rarc, icd10cm (also modifier, group).
        version: the code-set version; default the file's name.

    Returns:
        What was loaded.
    """
    from medbill_cli.codesets.parsers import ParseError

    system = system.strip().lower()
    if system not in IMPORT_SYSTEMS:
        raise InputError(f"Unknown code system '{system}'",
                         "Use one of " + ", ".join(IMPORT_SYSTEMS))
    if not path.exists() or not (path.is_file() or (system == "icd10cm" and path.is_dir())):
        raise EnvironmentProblem(f"Cannot read {path}: no such file", "Check the path")
    ver = (version or _default_version(path, system)).strip()
    if not ver or len(ver) > 40:
        raise InputError("The version must be 1 to 40 characters", "Give --version")
    digest = file_hash(path) if path.is_file() else None
    cs = _code_set(session, system, ver)
    if cs is not None and digest is not None and cs.file_hash == digest:
        return ImportResult(system, ver, cs.row_count, 0, 0, unchanged=True, code_set_id=cs.id)
    try:
        rows = _parse(path, system)
    except ParseError as exc:
        where = f" line {exc.line}" if exc.line else ""
        raise InputError(f"{path.name}{where} {exc.reason}",
                         "Nothing was imported; fix the file and import it again") from None
    clean_rows(rows, source=path.name)
    before = audit.snapshot(cs) if cs is not None else None
    if system == "mue":
        res = _write_mue(session, rows, ver, _mue_effective(path))
    elif system == "ncci-ptp":
        res = _write_ptp(session, rows, ver)
    else:
        res = WriteResult()
        by_system: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_system.setdefault(r.get("system") or system, []).append(r)
        for sys_name, rs in by_system.items():
            one = write_codes(session=session, system=sys_name, version=ver, rows=rs)
            res.inserted += one.inserted
            res.updated += one.updated
            res.removed += one.removed
        if res.changed:
            refresh_search(session=session)
    if system in ("mue", "ncci-ptp"):
        dialect.analyze(session, "mue_edit" if system == "mue" else "ptp_edit")
    source = f"{path.name} (sha256 {digest[:12]})" if digest else str(path)
    cs = _record_set(session, system=system, version=ver, source=source, digest=digest,
                     row_count=len(rows), user=user)
    audit.record(session=session, user=user, action="import", entity="code_set",
                 entity_id=cs.id, before=before, after=audit.snapshot(cs))
    return ImportResult(system, ver, len(rows), res.inserted, res.updated, res.removed,
                        unchanged=not res.changed, code_set_id=cs.id)


# ------------------------------------------------------------------ one code in detail

def show_code(
    *, session: Session, code: str, system: str | None = None, dos: dt.date | None = None,
) -> dict[str, Any]:
    """A code with its status, dates, children, notes (own and inherited) and NCCI edits."""
    from medbill_cli.codesets.search import code_variants
    from medbill_cli.errors import NotFoundError
    from medbill_cli.services import lookup

    variants = code_variants(code)
    q = select(Code).where(col(Code.code).in_(variants))
    if system:
        q = q.where(Code.system == system)
    typed = code.strip().upper()
    rows = sorted(session.exec(q.order_by(col(Code.system), col(Code.effective).desc())),
                  key=lambda r: r.code != typed)  # the code as typed wins over its dotted twin
    if dos is not None:
        valid = [r for r in rows if in_force(r.effective, r.termination, dos)]
        if rows and not valid:
            raise NotFoundError(f"Code {rows[0].code} is not valid on {dos}",
                                "Use the code in force on the date of service")
        rows = valid
    if not rows:
        raise NotFoundError(f"Unknown code {code.strip().upper()}",
                            f"Search for it with medbill codes search {code.strip()}")
    row = rows[0]
    rec: dict[str, Any] = {
        "system": row.system, "code": row.code, "description": row.long_description,
        "short_description": row.short_description, "billable": row.billable,
        "status": "billable" if row.billable else "header (not billable; use a more specific code)",
        "effective": None if row.effective == EARLIEST else row.effective,
        "termination": row.termination, "version": row.version,
    }
    if row.version == SAMPLE_VERSION and row.system == "cpt":
        rec["source"] = "medbill sample: description in our own words, not the AMA's CPT descriptor"
    if row.parent:
        rec["parent"] = row.parent
    if row.system == "icd10cm":
        kids = session.exec(select(Code).where(Code.system == "icd10cm", Code.parent == row.code)
                            .order_by(col(Code.code))).all()
        if kids:
            rec["children"] = [{"code": k.code, "description": k.long_description,
                                "billable": k.billable} for k in kids]
        rec["notes"] = _notes_with_inherited(session, row)
    if row.system in ("cpt", "hcpcs"):
        mue = lookup.mue_for(session=session, code=row.code, dos=dos)
        if mue is not None:
            rec["mue"] = {"units": mue.mue, "mai": mue.mai, "rationale": mue.rationale,
                          "version": mue.version}
        edits = session.exec(
            select(PtpEdit).where((PtpEdit.column1 == row.code) | (PtpEdit.column2 == row.code))
            .order_by(col(PtpEdit.column1), col(PtpEdit.column2), col(PtpEdit.effective)).limit(200)
        ).all()
        if dos is not None:
            edits = [e for e in edits if in_force(e.effective, e.deletion, dos)]
        if edits:
            rec["ptp_edits"] = [{"column1": e.column1, "column2": e.column2,
                                 "effective": e.effective, "deletion": e.deletion,
                                 "modifier_indicator": e.modifier_indicator} for e in edits]
    if len(rows) > 1 and len({r.system for r in rows}) > 1:
        rec["also_in"] = sorted({r.system for r in rows[1:] if r.system != row.system})
    return rec


def _notes_with_inherited(session: Session, row: Code) -> dict[str, Any]:
    """The code's own tabular notes, and those of its ancestors that apply to it."""
    out: dict[str, Any] = {}
    if row.notes:
        out.update(json.loads(row.notes))
    parent, depth = row.parent, 0
    while parent and depth < 6:
        p = session.exec(select(Code).where(Code.system == "icd10cm", Code.code == parent)).first()
        if p is None:
            break
        if p.notes:
            for k, v in json.loads(p.notes).items():
                if k in ("inclusion_terms",):
                    continue
                out.setdefault(f"{k} (from {p.code})", v)
        parent, depth = p.parent, depth + 1
    return out
