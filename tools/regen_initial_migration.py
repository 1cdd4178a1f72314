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
with tempfile.TemporaryDirectory() as tmp:
    engine = create_engine(f"sqlite:///{Path(tmp) / 'empty.db'}")
    command.revision(
        alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001"
    )
generated = next((HERE / "versions").glob("0001_*.py"))
if generated != target:
    generated.rename(target)
text = target.read_text()
# Autogenerate stamps the creation time; keep the file stable between runs.
lines = [ln for ln in text.splitlines() if not ln.startswith("Create Date:")]
target.write_text("\n".join(lines) + "\n")
print(f"wrote {target}")
