"""Files that may hold patient data (837P batches, statements, backups) are created owner-only
(0600), and a finished file appears whole or not at all (a temp file renamed over it)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

T = TypeVar("T")


def open_private(path: Path) -> BinaryIO:
    """Open ``path`` for binary writing, created or truncated, readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
    return os.fdopen(fd, "wb")


def write_private(path: Path, data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path``, owner-only (0600) and atomically: a temp file
    in the same folder, flushed to disk, then renamed over the target, so that a crash or a full
    disk leaves the old file (or none), never half of the new one."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_recorded(target: Path, data: bytes, record: Callable[[], T]) -> T:
    """Write ``data`` beside ``target`` (owner-only, synced), run ``record`` (the audit trail,
    a run's rows), then rename the file into place: a failure before the rename leaves no
    file and, the caller's transaction rolling back, no record; the caller commits right after.

    Returns:
        What ``record`` returns.
    """
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open_private(tmp) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        out = record()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
