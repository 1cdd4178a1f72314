"""charge entry: the full-screen screen, driven headless with Textual's Pilot."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from charge_support import charging  # noqa: F401
from conftest import Cli

from medbill_cli.cli._entry_backend import EntryBackend
from medbill_cli.cli.entry_screen import ChargeEntryApp

TODAY = dt.date.today()


def _app(cli: Cli) -> ChargeEntryApp:
    return ChargeEntryApp(EntryBackend.on(cli.db.url, cli.user), TODAY)


def _text(app: ChargeEntryApp, wid: str) -> str:
    from textual.widgets import Static

    return str(app.query_one(f"#{wid}", Static).render())


async def _type(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*[{" ": "space", ".": "full_stop"}.get(ch, ch) for ch in text])


async def _drive(app: ChargeEntryApp, cli: Cli) -> dict[str, object]:
    seen: dict[str, object] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(pilot, "doe")  # the patient, by name
        await pilot.pause()
        seen["patient_suggestions"] = list(app._suggest_values)
        await pilot.press("enter")
        seen["patient"] = app.patient.account if app.patient else None
        # Line 1: the code by search (down into the suggestions, enter takes the first).
        await _type(pilot, "9921")
        await pilot.pause()
        seen["code_suggestions"] = list(app._suggest_values)
        await pilot.press("down", "enter")
        seen["code_after_pick"] = app.value("code")
        seen["fee_filled"] = app.value("fee")
        await pilot.press("tab", "tab", "tab")  # mods, units, dx
        await _type(pilot, "E11")
        await pilot.pause()
        seen["dx_suggestions"] = list(app._suggest_values)
        await _type(pilot, ".9 I10")
        await pilot.press("enter")
        await pilot.pause()
        seen["after_1"] = cli.db.count("charge")
        # Line 2: two units of 36415, typed in full.
        await _type(pilot, "36415")
        await pilot.press("tab", "tab")
        await pilot.press("backspace")
        await _type(pilot, "2")
        await pilot.press("tab")
        await _type(pilot, "E11.9")
        await pilot.press("enter")
        await pilot.pause()
        # A wrong code: shown inline, nothing saved.
        await _type(pilot, "99999")
        await pilot.press("tab", "tab", "tab")
        await _type(pilot, "I10")
        await pilot.press("enter")
        await pilot.pause()
        seen["wrong_msg"] = _text(app, "msg")
        seen["wrong_check"] = _text(app, "check")
        seen["after_wrong"] = cli.db.count("charge")
        # Line 3: fix the code; a modifier from its search.
        app.set_value("code", "")
        app.query_one("#code").focus()
        await _type(pilot, "99214")
        await pilot.press("tab")
        await _type(pilot, "2")
        await pilot.pause()
        seen["mod_suggestions"] = list(app._suggest_values)
        await pilot.press("down", "enter")
        await pilot.press("tab", "tab")
        await _type(pilot, "I10")
        await pilot.press("enter")
        await pilot.pause()
        seen["msg"] = _text(app, "msg")
        seen["side"] = _text(app, "side")
        seen["saved"] = [(s.code, s.modifiers, s.units, s.amount_cents, s.diagnoses, s.pointers)
                         for s in app.saved]
        await pilot.press("ctrl+q")
    app.backend.close()
    return seen


def test_charge_entry_patient_three_lines_wrong_code_saved(charging: Cli) -> None:
    app = _app(charging)
    seen = asyncio.run(_drive(app, charging))
    assert seen["patient_suggestions"] == ["P000001"]
    assert seen["patient"] == "P000001"
    assert seen["code_suggestions"] == ["99213", "99214"]
    assert seen["code_after_pick"] == "99213" and seen["fee_filled"] == "75.00"
    assert "E11.9" in seen["dx_suggestions"]  # type: ignore[operator]
    assert seen["after_1"] == 1
    assert "99999" in str(seen["wrong_check"]) and str(seen["wrong_check"]).startswith("Error:")
    assert "Not saved" in str(seen["wrong_msg"])
    assert seen["after_wrong"] == 2  # the wrong line wrote nothing
    assert seen["mod_suggestions"][:2] == ["25"]  # type: ignore[index]
    assert seen["saved"] == [
        ("99213", "", 1, 7500, ("E11.9", "I10"), "1 2"),
        ("36415", "", 2, 2400, ("E11.9",), "1"),
        ("99214", "25", 1, 11000, ("I10",), "2"),
    ]
    assert "Saved charge" in str(seen["msg"])
    # The side panel: one encounter (opened by charge entry), 209.00 entered.
    assert "209.00" in str(seen["side"]) and "no form" in str(seen["side"])
    rows = charging.json("charge", "list", "--date", "today")
    assert isinstance(rows, list)
    got = [(r["code"], r["units"], r["amount"], r["diagnoses"], r["created_by"]) for r in rows]
    assert got == [
        ("99213", 1, "75.00", ["E11.9", "I10"], "tester"),
        ("36415", 2, "24.00", ["E11.9"], "tester"),
        ("99214", 1, "110.00", ["I10"], "tester"),
    ]
    assert charging.db.scalar(
        "SELECT count(*) FROM audit_log WHERE entity = 'charge' AND action = 'create'") == 3


def test_charge_entry_without_terminal_exits_2(charging: Cli) -> None:
    before = charging.db.counts()
    r = charging("charge", "entry")
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "charge add" in lines[0] and "charge import" in lines[0]
    assert charging.db.counts() == before


def test_charge_entry_loads_no_textual_for_charge_add() -> None:
    import subprocess
    import sys

    code = ("import sys; from medbill_cli.cli.app import app; "
            "import medbill_cli.cli.charge; "
            "assert 'textual' not in sys.modules, 'textual imported'; "
            "assert 'medbill_cli.cli.entry_screen' not in sys.modules")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


async def _balance(app: ChargeEntryApp) -> dict[str, str]:
    seen: dict[str, str] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        seen["start"] = _text(app, "side")
        await pilot.press("ctrl+t")
        app.set_value("date", "")
        await _type(pilot, "31/12/2026")
        await pilot.press("enter")
        seen["bad_date"] = _text(app, "msg")
        app.set_value("date", "")
        await _type(pilot, "today")
        await pilot.press("enter")
        await _type(pilot, "P000001")
        await pilot.press("enter")
        await _type(pilot, "99213")
        await pilot.press("tab", "tab", "tab")
        await _type(pilot, "E11.9")
        await pilot.press("enter")
        await pilot.pause()
        seen["one_line"] = _text(app, "side")
        # The form says 95.00: the second line's fee is typed over the schedule's 12.00.
        await _type(pilot, "36415")
        await pilot.press("tab", "tab", "tab", "tab")
        await pilot.pause()
        seen["fee_filled"] = app.value("fee")
        app.set_value("fee", "")
        await _type(pilot, "20.00")
        await pilot.press("shift+tab")
        await _type(pilot, "E11.9")
        await pilot.press("enter")
        await pilot.pause()
        seen["balanced"] = _text(app, "side")
        await pilot.press("ctrl+q")
    app.backend.close()
    return seen


def test_charge_entry_side_panel_balances_the_form(charging: Cli) -> None:
    charging.ok("encounter", "add", "--patient", "P000001", "--date", "today", "--provider",
                "1987654328", "--form", "1001", "--form-charges", "95.00", "--form-collected",
                "25.00")
    charging.ok("payment", "add", "--patient", "P000001", "--amount", "25", "--method", "card")
    seen = asyncio.run(_balance(_app(charging)))
    assert "!#1 P000001 form 1001" in seen["start"]
    assert "chg    95.00     0.00" in seen["start"] and "col    25.00    25.00" in seen["start"]
    assert seen["bad_date"].startswith("Error:") and "31/12/2026" in seen["bad_date"]
    assert "chg    95.00    75.00" in seen["one_line"] and "Not balanced yet" in seen["one_line"]
    assert seen["fee_filled"] == "12.00"
    assert " #1 P000001 form 1001" in seen["balanced"] and "Balanced" in seen["balanced"]
    assert "chg    95.00    95.00" in seen["balanced"]
    rows = charging.json("charge", "list", "--date", "today")
    assert [(r["code"], r["fee"], r["encounter"]) for r in rows] == [  # type: ignore[index]
        ("99213", "75.00", 1), ("36415", "20.00", 1)]
    assert charging.ok("reconcile", "--date", "today").exit_code == 0


def test_charge_entry_internal_error_is_one_line(
    charging: Cli, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rich.text import Text

    monkeypatch.delenv("MEDBILL_DEBUG", raising=False)
    app = _app(charging)

    shown: list[object] = []

    async def run() -> None:
        async with app.run_test(size=(80, 24)):
            app._exception = RuntimeError("P000001 Doe Jane")
            app._fatal_error()
            shown.extend(app._exit_renderables)

    with pytest.raises(RuntimeError):  # run_test re-raises the app's error for the test
        asyncio.run(run())
    app.backend.close()
    assert len(shown) == 1 and isinstance(shown[0], Text)
    line = shown[0].plain
    assert line.startswith("Error: Internal error (RuntimeError)") and "MEDBILL_DEBUG=1" in line
    assert "Doe" not in line and "\n" not in line
