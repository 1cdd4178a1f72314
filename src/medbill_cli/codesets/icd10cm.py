"""ICD-10-CM from the official tabular XML and code list shipped in ``simple-icd-10-cm``.

The package's per-code helpers are slow (about 2 ms a call) and importing it costs over a
second, so this module never imports it: it finds the package's data folder with
``importlib.util.find_spec`` (which does not run the package) and reads the files itself.

The code list is the authority for which codes exist: 22 chapters, 258 ranged blocks, 39
single-category blocks that repeat a category's name (deduplicated here), and 98,186 codes
(FY2026: 74,719 billable, 23,467 headers). A code is billable when no other code extends it.
Codes with a 7th character are not in the XML; their titles are built the way CMS builds
them: the leaf's title, a comma, the 7th-character definition.
"""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "simple_icd_10_cm"
VERSION = "FY2026"
# Notes kept per code, by the XML tag they come from.
NOTE_TAGS = {
    "includes": "includes",
    "inclusionTerm": "inclusion_terms",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional_code",
    "codeAlso": "code_also",
    "notes": "notes",
    "sevenChrNote": "seven_chr_note",
}


@dataclass
class IcdCode:
    code: str  # with the dot: E11.9
    description: str
    billable: bool
    parent: str | None
    notes: dict[str, list[str] | dict[str, str]] = field(default_factory=dict)
    terms: str | None = None  # inclusion terms, for search


def data_dir() -> Path:
    """The folder holding the package's tabular XML and code list (without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{PACKAGE} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def data_files(folder: Path | None = None) -> tuple[Path, Path]:
    """(tabular XML, code list) in ``folder`` (default: the installed package's data)."""
    d = folder or data_dir()
    xmls = sorted(d.glob("*tabular*.xml"))
    lists = sorted(d.glob("code-list*.txt"))
    if not xmls or not lists:
        raise FileNotFoundError(f"No ICD-10-CM tabular XML and code list in {d}")
    return xmls[-1], lists[-1]


def dotted(bare: str) -> str:
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


_BLOCK = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$")


def read_code_list(path: Path) -> list[str]:
    """Codes (no dots) in file order: chapters, ranged blocks and repeated names dropped."""
    seen: set[str] = set()
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        c = line.split(" ")[0].strip().replace(".", "")
        if not c or c.isdigit() or _BLOCK.match(c) or c in seen:
            continue
        seen.add(c)
        out.append(c)
    return out


def _texts(el: ET.Element) -> list[str]:
    return [n.text.strip() for n in el if n.text and n.text.strip()]


def read_icd10cm(folder: Path | None = None) -> Iterator[IcdCode]:
    """Every ICD-10-CM code with its title, billable flag, parent and tabular notes.

    Args:
        folder: a folder with the tabular XML and code list; default the installed package's.

    Returns:
        An iterator of codes in code-list order is not guaranteed; tabular order is.
    """
    xml_path, list_path = data_files(folder)
    codes = read_code_list(list_path)
    exists = set(codes)
    extended = {c for c in exists if len(c) == 7}  # 7th-character codes (and a few 7-char leaves)
    prefixes: set[str] = set()
    for c in codes:
        for i in range(3, len(c)):
            prefixes.add(c[:i])
    root = ET.parse(xml_path).getroot()
    emitted: set[str] = set()

    def walk(el: ET.Element, parent: str | None, seven: dict[str, str] | None) -> Iterator[IcdCode]:
        name_el = el.find("name")
        if name_el is None or not name_el.text:
            return
        name = name_el.text.strip()
        bare = name.replace(".", "")
        desc = (el.findtext("desc") or "").strip()
        notes: dict[str, list[str] | dict[str, str]] = {}
        own_seven: dict[str, str] | None = None
        for sub in el:
            tag = sub.tag
            if tag in NOTE_TAGS:
                vals = _texts(sub)
                if vals:
                    key = NOTE_TAGS[tag]
                    prev = notes.get(key)
                    notes[key] = (prev if isinstance(prev, list) else []) + vals
            elif tag == "sevenChrDef":
                own_seven = {}
                last = None
                for ext in sub:
                    if ext.tag == "extension":
                        last = ext.attrib["char"]
                        own_seven[last] = (ext.text or "").strip()
                    elif ext.tag == "note" and last is not None and ext.text:
                        own_seven[last] += "/" + ext.text.strip()
                notes["seven_chr_def"] = dict(own_seven)
        applicable = own_seven if own_seven is not None else seven
        kids = el.findall("diag")
        terms_list = notes.get("inclusion_terms")
        terms = "; ".join(terms_list) if isinstance(terms_list, list) else None
        if bare in exists and bare not in emitted:
            emitted.add(bare)
            yield IcdCode(dotted(bare), desc, bare not in prefixes, parent, notes, terms)
        for k in kids:
            yield from walk(k, dotted(bare), applicable)
        if not kids and applicable:
            base = bare.ljust(6, "X")
            for ch, meaning in applicable.items():
                full = base + ch
                if full in extended and full not in emitted:
                    emitted.add(full)
                    yield IcdCode(dotted(full), f"{desc}, {meaning}", True, dotted(bare), {}, None)

    for chapter in root.iter("chapter"):
        for section in chapter.findall("section"):
            for diag in section.findall("diag"):
                yield from walk(diag, None, None)
    missing = exists - emitted
    if missing:
        raise ValueError(
            f"{len(missing)} codes of the code list have no title, e.g. {sorted(missing)[:3]}"
        )
