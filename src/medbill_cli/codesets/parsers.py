"""Readers for the code-set files users import. Pure: no database, no printing.

Every reader checks the whole file and raises ``ParseError`` naming the first bad line, so
that nothing is half-loaded. Line numbers are physical lines of the file (1-based).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CODE_PATTERNS = {
    "cpt": re.compile(r"^\d{4}[0-9FTU]$"),
    "hcpcs": re.compile(r"^[A-V]\d{4}$"),
    "modifier": re.compile(r"^[0-9A-Z]{2}$"),
    "pos": re.compile(r"^\d{2}$"),
    "group": re.compile(r"^(CO|PR|OA|PI|CR)$"),
    "carc": re.compile(r"^[A-Z]?\d{1,3}$"),
    "rarc": re.compile(r"^[A-Z]{1,2}\d{1,4}$"),
    "icd10cm": re.compile(r"^[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$"),
    "list": re.compile(r"^[0-9A-Z.]{1,10}$"),
}
PROCEDURE = re.compile(r"^[0-9A-Z]{5}$")

CODE_COLUMNS = ("code", "hcpcs", "hcpc", "cpt", "place_of_service_code", "pos")
DESC_COLUMNS = ("description", "long_description", "place_of_service_description", "descriptor",
                "long_descriptor")
OPTIONAL_COLUMNS = ("short_description", "effective", "termination", "seqnum", "recid")


class ParseError(Exception):
    """A bad line in an import file."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _read_text(path: Path, encoding: str = "utf-8-sig") -> str:
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ParseError(line, "is not UTF-8 text (save the file as UTF-8)") from None


def _ymd(text: str, line: int, what: str) -> dt.date | None:
    t = text.strip()
    if not t or t == "*":
        return None
    try:
        if re.fullmatch(r"\d{8}", t):
            return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))
        return dt.date.fromisoformat(t)
    except ValueError:
        raise ParseError(line, f"{what} '{t}' is not a date (YYYYMMDD or YYYY-MM-DD)") from None


def normalize_code(system: str, raw: str) -> str:
    c = raw.strip().upper()
    if system == "pos" and c.isdigit():
        c = c.zfill(2)
    if system == "icd10cm":
        bare = c.replace(".", "")
        c = bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"
    return c


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text))
    start = 1
    for rec in reader:
        yield start, rec
        start = reader.line_num + 1


def read_code_csv(path: Path, *, system: str) -> list[dict[str, Any]]:
    """A code list as CSV: ``code,description`` (or ``long_description``), optionally
    ``short_description``, ``effective``, ``termination``.

    Also reads CMS-derived CSVs whose code column is ``hcpcs`` or ``place_of_service_code``.

    Args:
        path: the file.
        system: the code system, for checking the code format.

    Returns:
        Rows with code, long_description, short_description, effective, termination.
    """
    text = _read_text(path)
    records = list(_csv_records(text))
    records = [(n, r) for n, r in records if any(c.strip() for c in r)]
    if not records:
        raise ParseError(1, "is empty; give a CSV with a header row")
    _, header = records[0]
    cols = [h.strip().lower() for h in header]
    known = set(CODE_COLUMNS) | set(DESC_COLUMNS) | set(OPTIONAL_COLUMNS)
    for c in cols:
        if c not in known:
            raise ParseError(1, f"has an unknown column '{c}' (expected code, description, "
                                "short_description, effective, termination)")
    code_col = next((c for c in CODE_COLUMNS if c in cols), None)
    desc_col = next((c for c in DESC_COLUMNS if c in cols), None)
    if code_col is None or desc_col is None:
        raise ParseError(1, "lacks a code or description column")
    pattern = CODE_PATTERNS.get(system, CODE_PATTERNS["list"])
    out: list[dict[str, Any]] = []
    for line, rec in records[1:]:
        if len(rec) != len(cols):
            raise ParseError(line, f"has {len(rec)} fields, the header has {len(cols)}")
        row = dict(zip(cols, (v.strip() for v in rec), strict=True))
        code = normalize_code(system, row[code_col])
        rec_system = system
        if system == "hcpcs" and row.get("recid") in ("7", "8"):
            rec_system = "modifier"
            pattern_here = CODE_PATTERNS["modifier"]
        else:
            pattern_here = pattern
        if row.get("recid") in ("4", "8") and out and out[-1]["code"] == code:
            # A continuation record: the rest of the long description.
            out[-1]["long_description"] = f"{out[-1]['long_description']} {row[desc_col]}".strip()
            continue
        if not pattern_here.match(code):
            raise ParseError(line, f"'{row[code_col]}' is not a valid {rec_system} code")
        desc = row[desc_col]
        if not desc:
            raise ParseError(line, f"code {code} has no description")
        out.append({
            "system": rec_system, "code": code, "long_description": desc,
            "short_description": row.get("short_description") or None,
            "effective": _ymd(row.get("effective", ""), line, "effective date"),
            "termination": _ymd(row.get("termination", ""), line, "termination date"),
        })
    return out


# ------------------------------------------------------------------ HCPCS (CMS ANWEB release)

# CMS HCPCS contractor record layout (HCPC<YYYY>_recordlayout.txt): 320-character records.
ANWEB = {
    "code": (0, 5), "seqnum": (5, 10), "recid": (10, 11), "long": (11, 91), "short": (91, 119),
    "add_dt": (268, 276), "act_eff_dt": (276, 284), "term_dt": (284, 292), "action": (292, 293),
}


def _hcpcs_record(
    line: int, code: str, recid: str, long_desc: str, short_desc: str, add_dt: str, term_dt: str,
    out: list[dict[str, Any]],
) -> None:
    code = code.strip().upper()
    recid = recid.strip()
    if recid not in ("3", "4", "7", "8"):
        raise ParseError(line, f"record id '{recid}' is not 3, 4, 7 or 8")
    system = "modifier" if recid in ("7", "8") else "hcpcs"
    if recid in ("4", "8"):
        if not out or out[-1]["code"] != code or out[-1]["system"] != system:
            raise ParseError(line, f"continuation of {code} does not follow its first record")
        out[-1]["long_description"] = f"{out[-1]['long_description']} {long_desc.strip()}".strip()
        return
    if not CODE_PATTERNS[system].match(code):
        raise ParseError(
            line, f"'{code}' is not a valid {'modifier' if system == 'modifier' else 'HCPCS'} code"
        )
    desc = long_desc.strip()
    if not desc:
        raise ParseError(line, f"code {code} has no description")
    out.append({
        "system": system, "code": code, "long_description": desc,
        "short_description": short_desc.strip() or None,
        "effective": _ymd(add_dt, line, "add date"),
        "termination": _ymd(term_dt, line, "termination date"),
    })


def read_hcpcs_anweb_txt(path: Path) -> list[dict[str, Any]]:
    """CMS's fixed-width HCPCS file (HCPC<YYYY>_<MON>_ANWEB*.txt)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # older CMS files are Windows-1252/Latin-1
    out: list[dict[str, Any]] = []
    for n, ln in enumerate(text.splitlines(), start=1):
        if not ln.strip():
            continue
        if len(ln) < 12:
            raise ParseError(n, f"is {len(ln)} characters long, not a {320}-character HCPCS record")
        f = {k: ln[a:b] for k, (a, b) in ANWEB.items()}
        if f["recid"] in ("3", "7") and len(ln.rstrip()) > 119:
            for k in ("add_dt", "term_dt"):
                if f[k].strip() and not f[k].strip().isdigit():
                    raise ParseError(n, f"has '{f[k]}' where the record layout puts a date "
                                        f"(columns {ANWEB[k][0] + 1}-{ANWEB[k][1]})")
        _hcpcs_record(
            n, f["code"], f["recid"], f["long"], f["short"], f["add_dt"], f["term_dt"], out
        )
    if not out:
        raise ParseError(1, "holds no HCPCS records")
    return out


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y%m%d")
    if isinstance(v, dt.date):
        return v.strftime("%Y%m%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_hcpcs_xlsx(path: Path) -> list[dict[str, Any]]:
    """The .xlsx twin of the ANWEB file (same 48 columns, a header row)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # not a zip, corrupt workbook
        raise ParseError(None, f"is not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ParseError(1, "is empty")
        names = [re.sub(r"[^a-z0-9]", "", _cell(h).lower()) for h in header]

        def idx(*cands: str) -> int:
            for c in cands:
                if c in names:
                    return names.index(c)
            raise ParseError(1, f"lacks the column {cands[0].upper()}")

        ic, ir = idx("hcpc", "hcpcs", "hcpcscode"), idx("recid")
        il, ish = idx("longdescription"), idx("shortdescription")
        ia, it = idx("adddt", "adddate"), idx("termdt", "termdate", "terminationdate")
        out: list[dict[str, Any]] = []
        for n, r in enumerate(rows, start=2):
            vals = [_cell(v) for v in r]
            if not any(v.strip() for v in vals):
                continue
            vals += [""] * (len(names) - len(vals))
            _hcpcs_record(n, vals[ic], vals[ir], vals[il], vals[ish], vals[ia], vals[it], out)
        return out
    finally:
        wb.close()


def read_hcpcs(path: Path) -> list[dict[str, Any]]:
    """HCPCS Level II codes and modifiers from the ANWEB .txt, its .xlsx twin or a CSV."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_hcpcs_xlsx(path)
    if suffix == ".csv":
        return read_code_csv(path, system="hcpcs")
    return read_hcpcs_anweb_txt(path)


# ------------------------------------------------------------------ NCCI

MAI = re.compile(r"^\s*([123])\b")


def read_mue(path: Path) -> list[dict[str, Any]]:
    """CMS's practitioner MUE table (CSV, Latin-1, a multi-line notice and header first)."""
    text = path.read_bytes().decode("latin-1")
    out: list[dict[str, Any]] = []
    in_data = False
    seen: set[str] = set()
    for line, rec in _csv_records(text):
        if not any(c.strip() for c in rec):
            continue
        if not in_data:
            head = rec[0].replace("\n", " ").upper()
            if "HCPCS" in head and "CPT" in head:
                in_data = True
            elif line > 60:
                break
            continue
        if len(rec) < 3:
            raise ParseError(
                line, f"has {len(rec)} fields, expected code, MUE value, adjudication indicator"
            )
        code = rec[0].strip().upper()
        if not PROCEDURE.match(code):
            raise ParseError(line, f"'{rec[0].strip()}' is not a CPT/HCPCS code")
        try:
            mue = int(rec[1].strip())
        except ValueError:
            raise ParseError(line, f"MUE value '{rec[1].strip()}' is not a whole number") from None
        m = MAI.match(rec[2])
        if not m:
            raise ParseError(line, f"adjudication indicator '{rec[2].strip()}' is not 1, 2 or 3")
        if code in seen:
            raise ParseError(line, f"code {code} appears twice")
        seen.add(code)
        out.append({"code": code, "mue": mue, "mai": int(m.group(1)),
                    "rationale": (rec[3].strip() if len(rec) > 3 else "") or None})
    if not in_data:
        raise ParseError(None, "has no 'HCPCS/CPT Code' header row; is it CMS's MUE table?")
    if not out:
        raise ParseError(None, "has a header but no MUE rows")
    return out


def read_ptp(path: Path) -> list[dict[str, Any]]:
    """A CMS practitioner PTP edit file (tab-separated, notice and header lines first)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    out: list[dict[str, Any]] = []
    in_data = False
    for n, ln in enumerate(text.splitlines(), start=1):
        if not ln.strip():
            continue
        f = ln.split("\t")
        looks = len(f) >= 6 and PROCEDURE.match(f[0].strip().upper() or "-") and re.fullmatch(
            r"\d{8}", f[3].strip() or "-")
        if not in_data:
            if looks:
                in_data = True
            elif n > 20:
                raise ParseError(n, "is not a PTP edit row (column 1, column 2, *, effective, "
                                    "deletion, modifier, rationale)")
            else:
                continue
        if len(f) < 6:
            raise ParseError(n, f"has {len(f)} tab-separated fields, expected 7")
        c1, c2 = f[0].strip().upper(), f[1].strip().upper()
        for c in (c1, c2):
            if not PROCEDURE.match(c):
                raise ParseError(n, f"'{c}' is not a CPT/HCPCS code")
        eff = _ymd(f[3], n, "effective date")
        if eff is None:
            raise ParseError(n, "has no effective date")
        deletion = _ymd(f[4], n, "deletion date")
        mod = f[5].strip()
        if mod not in ("0", "1", "9"):
            raise ParseError(n, f"modifier indicator '{mod}' is not 0, 1 or 9")
        out.append({"column1": c1, "column2": c2, "effective": eff, "deletion": deletion,
                    "modifier_indicator": mod,
                    "rationale": (f[6].strip() if len(f) > 6 else "") or None})
    if not out:
        raise ParseError(None, "holds no PTP edit rows")
    return out


# ------------------------------------------------------------------ ICD-10-CM order file

def read_icd10cm_order(path: Path) -> list[dict[str, Any]]:
    """CMS's ``icd10cm_order_<year>.txt`` (order, code, header flag, short and long title) or
    ``icd10cm_codes_<year>.txt`` (code and title, all billable)."""
    text = _read_text(path)
    out: list[dict[str, Any]] = []
    order = re.compile(r"^(\d{5}) ([A-Z0-9]{3,7})\s+([01]) (.{60}) ?(.*)$")
    codes = re.compile(r"^([A-Z][0-9A-Z]{2,6})\s+(\S.*)$")
    for n, ln in enumerate(text.splitlines(), start=1):
        if not ln.strip():
            continue
        m = order.match(ln.ljust(77))
        if m:
            bare, flag, short, long_ = (m.group(2), m.group(3), m.group(4).strip(),
                                        m.group(5).strip())
            billable = flag == "1"
        else:
            m2 = codes.match(ln)
            if not m2:
                raise ParseError(n, "is neither an order-file nor a code-file line")
            bare, short, long_, billable = m2.group(1), None, m2.group(2).strip(), True
        code = normalize_code("icd10cm", bare)
        if not CODE_PATTERNS["icd10cm"].match(code):
            raise ParseError(n, f"'{bare}' is not an ICD-10-CM code")
        out.append({"code": code, "long_description": long_ or short or "",
                    "short_description": short, "billable": billable})
    if not out:
        raise ParseError(None, "holds no codes")
    known = {r["code"].replace(".", "") for r in out}
    for r in out:
        bare = r["code"].replace(".", "")
        parent = next((bare[:i] for i in range(len(bare) - 1, 2, -1) if bare[:i] in known), None)
        r["parent"] = normalize_code("icd10cm", parent) if parent else None
    return out
