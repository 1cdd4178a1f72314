"""Regenerate versions/0001_initial.py from the models (only while nothing has shipped).

Usage: python tools/regen_initial_migration.py
It autogenerates against an empty SQLite database, so the result is deterministic.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from medbill_cli.db.migrations import HERE, alembic_config

target = HERE / "versions" / "0001_initial.py"
if target.exists():
    target.unlink()
# Later revisions point at 0001: set them aside while 0001 is generated.
later = [p for p in (HERE / "versions").glob("*.py") if not p.name.startswith("0001")]
with tempfile.TemporaryDirectory() as tmp:
    aside = Path(tmp) / "aside"
    aside.mkdir()
    for p in later:
        p.rename(aside / p.name)
    try:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(
            alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001"
        )
    finally:
        for p in later:
            (aside / p.name).rename(p)
generated = next((HERE / "versions").glob("0001_*.py"))
if generated != target:
    generated.rename(target)
text = target.read_text()
# Autogenerate stamps the creation time; keep the file stable between runs.
lines = [ln for ln in text.splitlines() if not ln.startswith("Create Date:")]
target.write_text("\n".join(lines) + "\n")
print(f"wrote {target}")
