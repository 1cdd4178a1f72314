"""Alembic migrations shipped in the package.

``HEAD_REVISION`` lets every command check the schema without loading Alembic (a test
keeps it equal to the script directory's head). Add a revision: append it to
``REVISION_ORDER`` and move ``HEAD_REVISION``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

REVISION_ORDER = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010",
                  "0011", "0012", "0013")
HEAD_REVISION = REVISION_ORDER[-1]

HERE = Path(__file__).parent


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine`` up to ``revision`` (one transaction)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
