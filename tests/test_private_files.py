"""Files medbill writes that can hold patient data are readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from conftest import NPI_PROVIDER, Cli

from medbill_cli.privfile import write_private


def mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_write_private_tightens_an_existing_file(tmp_path: Path) -> None:
    f = tmp_path / "out.txt"
    f.write_text("old")
    os.chmod(f, 0o644)
    write_private(f, "new")
    assert f.read_text() == "new" and mode(f) == 0o600


def test_claim_export_batch_and_statement_files_are_private(coded: Cli, tmp_path: Path) -> None:
    coded.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob", "1980-04-02",
             "--sex", "F", "--address", "1 Oak St", "--city", "Albany", "--state", "NY",
             "--zip", "12208")
    coded.ok("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "XJ1234")
    coded.ok("charge", "add", "--patient", "P000001", "--date", "2026-03-16", "--code", "99213",
             "--dx", "I10", "--fee", "95", "--provider", NPI_PROVIDER)
    coded.ok("claim", "generate")
    coded.ok("claim", "scrub")
    batch = tmp_path / "batch.x12"
    coded.ok("claim", "export", "--format", "x12", "--output", str(batch))
    assert mode(batch) == 0o600
    again = tmp_path / "again.x12"
    coded.ok("claim", "batch", "show", "1", "--output", str(again))
    assert mode(again) == 0o600 and again.read_bytes() == batch.read_bytes()
    statement = tmp_path / "statement.txt"
    coded.ok("patient", "statement", "P000001", "--output", str(statement))
    assert mode(statement) == 0o600
