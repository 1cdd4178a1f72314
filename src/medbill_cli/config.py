"""Settings: a flag wins over a ``MEDBILL_*`` environment variable, which wins over the default.

Plain ``os.environ`` on purpose: this runs on every command, and pydantic-settings would add
its import time to each one for two strings.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("medbill", appauthor=False)) / "medbill.db"


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return os.environ.get("USER") or "unknown"


def _env(name: str) -> str | None:
    value = os.environ.get(f"MEDBILL_{name}", "").strip()
    return value or None


@dataclass
class Settings:
    db: str | None = field(default_factory=lambda: _env("DB"))
    user: str | None = field(default_factory=lambda: _env("USER"))

    def db_target(self) -> str:
        return self.db or str(default_db_path())

    def actor(self) -> str:
        return self.user or login_name()
