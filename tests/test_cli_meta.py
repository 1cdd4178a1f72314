"""Meta-tests over the whole command surface: help, examples, formats, errors without PHI."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from medbill_cli.cli._output import Format
from medbill_cli.cli.app import GROUPS, app


def _walk(cmd: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, cmd)]
    for name, sub in getattr(cmd, "commands", {}).items():
        out += _walk(sub, (*path, name))
    return out


def all_commands() -> list[tuple[tuple[str, ...], Any]]:
    import typer

    root = typer.main.get_command(app)
    found = []
    for name in GROUPS:
        cmd = root.get_command(None, name)  # type: ignore[attr-defined]
        found += _walk(cmd, (name,))
    return [(p, c) for p, c in found if not getattr(c, "commands", None)]


def test_every_group_loads_and_has_help() -> None:
    r = CliRunner().invoke(app, ["--help"])
    assert r.exit_code == 0
    for name in GROUPS:
        assert f"  {name} " in r.stdout


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=lambda p: " ".join(p))
def test_command_help_has_runnable_example(path: tuple[str, ...]) -> None:
    r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "Example: medbill " in r.stdout, f"medbill {' '.join(path)} --help has no example"


@pytest.mark.parametrize(
    "path",
    [
        p
        for p, c in all_commands()
        if p[-1] in ("list", "show", "search") or p in (("ar", "aging"),)
    ],
    ids=lambda p: " ".join(p),
)
def test_listings_take_format(path: tuple[str, ...]) -> None:
    r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert "--format" in r.stdout


def test_format_enum_is_exhaustive() -> None:
    assert {f.value for f in Format} == {"table", "json", "csv"}


def test_internal_error_prints_one_line_without_traceback(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Any) -> None:
    import medbill_cli.services.patients as patients

    def boom(**_: Any) -> None:
        raise RuntimeError("Jane Doe 1980-04-02")  # data that must not reach the user's screen

    monkeypatch.setattr(patients, "list_patients", boom)
    db = tmp_path / "m.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "init", "--no-codes"]).exit_code == 0
    r = runner.invoke(app, ["--db", str(db), "patient", "list"], env={"MEDBILL_DEBUG": ""})
    assert r.exit_code == 70
    assert "Traceback" not in r.output and "Jane" not in r.output
    assert r.stderr.startswith("Error: Internal error (RuntimeError)")
