"""Claim ids typed as text, or too large, anywhere a command takes claims: one line naming the
field, exit 3, nothing written (``inputs.claim_ref``). SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli

BAD = ("abc", "x1", "C12", "1.5", "C0000000l", "99999999999999999999999")


def _commands(tmp: Path, ref: str) -> list[tuple[str, ...]]:
    return [
        ("claim", "show", ref),
        ("claim", "rebuild", ref, "--reason", "test"),
        ("claim", "resubmit", ref, "--frequency", "7"),
        ("claim", "scrub", ref),
        ("claim", "history", ref),
        ("claim", "print", ref, "--output", str(tmp / "c.pdf")),
        ("claim", "status-request", ref, "--output", str(tmp / "s.276")),
        ("eob", "post", "--claim", ref, "--date", "today", "--check", "1", "--paid", "0"),
    ]


@pytest.mark.parametrize("ref", BAD)
def test_claim_id_as_text_is_refused_naming_the_field(practice: Cli, tmp_path: Path,
                                                      ref: str) -> None:
    for args in _commands(tmp_path, ref):
        r = practice.fails(3, *args)
        line = r.stderr.strip()
        assert "Traceback" not in r.stderr + r.stdout
        if ref.isdigit():
            assert "out of range" in line, (args, line)
        else:
            assert "must be a claim id (digits) or a patient control number" in line, (args, line)
        assert ("--claim" if "--claim" in args else "Claim id") in line, (args, line)
        if not ref.isdigit():
            assert ref not in line, line  # the value is not echoed


def test_claim_ids_and_pcns_still_found_and_missing_ones_named(practice: Cli) -> None:
    r = practice.fails(3, "claim", "show", "C00000042")
    assert "No claim C00000042" in r.stderr
    r = practice.fails(3, "claim", "show", "42")
    assert "No claim 42" in r.stderr
    r = practice.fails(3, "claim", "show", "c00000042")
    assert "No claim" in r.stderr
