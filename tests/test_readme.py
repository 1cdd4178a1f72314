"""The README's tour runs as pasted, on a fresh default database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tour_commands() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## A short tour"):]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_readme_has_exactly_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text()
    setup = text[text.index("## Set up"):text.index("## A short tour")]
    block = re.search(r"```sh\n(.*?)```", setup, re.S).group(1)  # type: ignore[union-attr]
    commands = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(commands) == 2
    assert commands[1] == "pip install -e '.[test]' && pytest"
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci


def test_readme_tour_runs_as_pasted(tmp_path: Path) -> None:
    work = tmp_path / "clone"
    work.mkdir()
    (work / "src").symlink_to(ROOT / "src")
    bindir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBILL_")}
    env.update(HOME=str(tmp_path / "home"), PATH=bindir + os.pathsep + env.get("PATH", ""),
               XDG_DATA_HOME=str(tmp_path / "home" / ".local" / "share"))
    # The first set-up command ran the demo on the default database; the tour pastes after it.
    demo = subprocess.run(["medbill", "demo", "--days", "3", "--end", "2026-11-20"], cwd=work,
                          env=env, capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stderr[-2000:]
    r = subprocess.run(["bash", "-e", "-c", tour_commands()], cwd=work, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "the day balances" in r.stdout
    assert "Audit trail intact" in r.stderr
    x12 = (work / "batch.x12").read_text()
    assert x12.startswith("ISA*") and "CLM*C00000001*95***11:B:1" in x12
    db = work / "tour.db"  # the tour keeps to its own database, beside the demo's
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    default = tmp_path / "home" / ".local" / "share" / "medbill" / "medbill.db"
    assert oct(default.stat().st_mode & 0o777) == "0o600"
    assert (default.parent / "medbill-demo").is_dir()
