"""Settings: a flag wins over a ``MEDBILL_*`` environment variable, which wins over the default."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("medbill", appauthor=False)) / "medbill.db"


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return os.environ.get("USER") or "unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDBILL_", extra="ignore")

    db: str | None = None
    user: str | None = None

    def db_target(self) -> str:
        return self.db or str(default_db_path())

    def actor(self) -> str:
        return self.user or login_name()
