"""Validation helpers for the 837P files tests produce: pyx12 itself, and ../shared x12check."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path


def pyx12_errors(path: Path) -> list[str]:
    """pyx12 4.0.0 against the 005010X222A1 map: the list of problems (empty when clean)."""
    import pyx12.params
    import pyx12.x12n_document

    logger = logging.getLogger("pyx12")
    saved = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    out = io.StringIO()
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.ParamsBase(), src_file=str(path), fd_997=None, fd_html=None,
            fd_xmldoc=None, fd_json=out)
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    problems: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for e in node.get("errors", []) or []:
                problems.append(
                    f"{node.get('seg_id', '')}@{node.get('cur_line', '')}: {e.get('err_str')}"
                )
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    text = out.getvalue()
    if text.strip():
        walk(json.loads(text))
    if not ok and not problems:
        problems.append("pyx12 reported the file invalid")
    return problems


def x12check(tool: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(tool), str(path)], capture_output=True, text=True,
                          timeout=300)


def segments(text: str) -> list[list[str]]:
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def claim_balances(text: str) -> list[tuple[str, Decimal, Decimal]]:
    """(CLM01, CLM02, sum of SV102) for each claim."""
    out: list[tuple[str, Decimal, Decimal]] = []
    for seg in segments(text):
        if seg[0] == "CLM":
            out.append((seg[1], Decimal(seg[2]), Decimal(0)))
        elif seg[0] == "SV1":
            pcn, clm, total = out[-1]
            out[-1] = (pcn, clm, total + Decimal(seg[2]))
    return out


def assert_valid_837(path: Path, shared_tool: Path | None) -> None:
    """Clean per pyx12, per x12check (when ../shared is there), and CLM02 == sum of SV102."""
    text = path.read_text(encoding="ascii")
    assert text == text.upper() or re.search(r"[a-z]", text) is None, "lowercase data in the 837"
    problems = pyx12_errors(path)
    assert not problems, "\n".join(problems)
    for pcn, clm02, lines in claim_balances(text):
        assert clm02 == lines, f"{pcn}: CLM02 {clm02} != sum of SV102 {lines}"
    if shared_tool is not None:
        r = x12check(shared_tool, path)
        assert r.returncode == 0, r.stdout + r.stderr
