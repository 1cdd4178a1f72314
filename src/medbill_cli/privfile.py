"""Files that may hold patient data (837P batches, statements) are created owner-only (0600)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO


def open_private(path: Path) -> BinaryIO:
    """Open ``path`` for binary writing, created or truncated, readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
    return os.fdopen(fd, "wb")


def write_private(path: Path, data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path``, owner-only."""
    with open_private(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
