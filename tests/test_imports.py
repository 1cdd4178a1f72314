"""No two medbill modules import each other, directly or round a loop (tools/import_cycles.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_no_import_cycles() -> None:
    pytest.importorskip("grimp")
    path = ROOT / "tools" / "import_cycles.py"
    spec = importlib.util.spec_from_file_location("import_cycles", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.cycles() == []
