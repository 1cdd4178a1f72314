"""Shell completion: the completers on a real database, their silence on errors, and one
completion through the shell protocol (``_MEDBILL_COMPLETE=complete_bash``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from charge_support import charging  # noqa: F401
from conftest import Cli

from medbill_cli.cli import _complete

MEDBILL = str(Path(sys.executable).parent / "medbill")


def test_complete_accounts_by_prefix(charging: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDBILL_DB", charging.db.url)
    assert _complete.accounts(None, "") == ["P000001", "P000002"]
    assert _complete.accounts(None, "p00000") == ["P000001", "P000002"]
    assert _complete.accounts(None, "P000002") == ["P000002"]
    assert _complete.accounts(None, "Q") == []
    assert _complete.accounts(None, "%") == []  # a LIKE wildcard typed alone matches no account


def test_complete_claim_ids_newest_first(charging: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDBILL_DB", charging.db.url)
    assert _complete.claim_ids(None, "") == []
    for _ in range(2):
        charging.ok("charge", "add", "--patient", "P000001", "--date", "today", "--code", "99213",
                    "--dx", "E11.9")
        charging.ok("claim", "generate")
    ids = [str(i) for i in sorted(
        int(r["id"]) for r in charging.json("claim", "list"))]  # type: ignore[union-attr]
    assert len(ids) == 2
    assert _complete.claim_ids(None, "") == ids[::-1]
    assert _complete.claim_ids(None, ids[0]) == [ids[0]]
    assert _complete.claim_ids(None, "x") == []


def test_complete_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDBILL_DB", str(tmp_path / "missing.db"))
    assert _complete.accounts(None, "P") == []
    assert _complete.claim_ids(None, "1") == []
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")  # a file with no medbill schema
    monkeypatch.setenv("MEDBILL_DB", str(empty))
    assert _complete.accounts(None, "P") == []
    monkeypatch.setenv("MEDBILL_DB", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert _complete.accounts(None, "P") == []


def test_complete_code_systems() -> None:
    assert _complete.search_systems("c") == ["cpt", "carc"]
    assert _complete.search_systems("ICD") == ["icd10cm"]
    assert _complete.search_systems("zz") == []
    assert _complete.import_systems("n") == ["ncci-ptp"]
    assert "mue" in _complete.import_systems("")


def _complete_bash(words: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    parts = words.split(" ")
    full = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    full.update(env, COMP_WORDS=words, COMP_CWORD=str(len(parts) - 1),
                _MEDBILL_COMPLETE="complete_bash")
    return subprocess.run([MEDBILL], env=full, capture_output=True, text=True, timeout=60)


def test_complete_through_the_bash_protocol(charging: Cli, tmp_path: Path) -> None:
    # --db on the line being completed names the database.
    r = _complete_bash(f"medbill --db {charging.db.url} coverage list P", {})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["P000001", "P000002"]
    r = _complete_bash("medbill codes search diabetes --system ic", {})
    assert r.stdout.split() == ["icd10cm"]
    # Commands complete too, and a missing database completes nothing, silently.
    r = _complete_bash("medbill patient sh", {"MEDBILL_DB": str(tmp_path / "none.db")})
    assert r.stdout.split() == ["show"]
    r = _complete_bash("medbill patient show P", {"MEDBILL_DB": str(tmp_path / "none.db")})
    assert r.returncode == 0 and r.stdout.strip() == "" and "Traceback" not in r.stderr


def test_complete_install_completion_is_offered(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update(HOME=str(tmp_path), SHELL="/bin/bash")
    r = subprocess.run([MEDBILL, "--help"], env=env, capture_output=True, text=True)
    assert "--install-completion" in r.stdout
    r = subprocess.run([MEDBILL, "--install-completion", "bash"], env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    script = (tmp_path / ".bash_completions" / "medbill.sh").read_text()
    assert "_MEDBILL_COMPLETE=complete_bash" in script
    assert "medbill.sh" in (tmp_path / ".bashrc").read_text()
