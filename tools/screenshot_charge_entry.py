"""Save a screenshot of the charge-entry screen to docs/charge-entry.svg (README shows it).

Usage: python tools/screenshot_charge_entry.py
Builds a scratch database (a practice, two patients, a few codes and fees, one encounter form
with its copay), enters two lines on the screen at 80x24, starts a code search, and saves
what the screen shows. Names and numbers are made up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # charge_support: the test code list


def medbill(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "medbill_cli", *args], env={**os.environ, **env},
                   check=True, capture_output=True)


def build(env: dict[str, str]) -> None:
    from charge_support import insert_codes

    medbill(env, "init", "--no-codes")
    insert_codes(env["MEDBILL_DB"])
    medbill(env, "practice", "set", "--name", "Main Street Family Medicine", "--npi",
            "1234567893", "--tin", "12-3456789", "--address", "100 Main St", "--city", "Albany",
            "--state", "NY", "--zip", "12207-1234")
    medbill(env, "provider", "add", "--npi", "1987654328", "--first-name", "Ana", "--last-name",
            "Ruiz")
    for first, last, dob in (("Jane", "Doe", "1980-04-02"), ("Sam", "Poe", "2000-01-01")):
        medbill(env, "patient", "add", "--first-name", first, "--last-name", last, "--dob", dob,
                "--sex", "F")
    for code, amount in (("99213", "75.00"), ("99214", "110.00"), ("36415", "12.00")):
        medbill(env, "fee", "set", code, amount)
    medbill(env, "encounter", "add", "--patient", "P000001", "--date", "today", "--provider",
            "1987654328", "--form", "1001", "--form-charges", "87.00", "--form-collected", "25.00")
    medbill(env, "payment", "add", "--patient", "P000001", "--amount", "25", "--method", "card")
    medbill(env, "encounter", "add", "--patient", "P000002", "--date", "today", "--provider",
            "1987654328", "--form", "1002", "--form-charges", "110.00")


async def shoot(target: str, out: Path) -> None:
    from medbill_cli.cli._entry_backend import EntryBackend
    from medbill_cli.cli.entry_screen import ChargeEntryApp

    app = ChargeEntryApp(EntryBackend.on(target, "screenshot"), dt.date.today())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d", "o", "e", "enter")
        for code, dx in (("99213", "E11.9 I10"), ("36415", "E11.9")):
            app.set_value("code", code)
            app.set_value("dx", dx)
            app.query_one("#dx").focus()
            await pilot.press("enter")
            await pilot.pause()
        await pilot.press("ctrl+n", "p", "o", "e", "enter", "9", "9", "2")
        await pilot.pause()
        app.save_screenshot(filename=out.name, path=str(out.parent))
        await pilot.press("ctrl+q")
    app.backend.close()


def main() -> int:
    d = Path(tempfile.mkdtemp(prefix="medbill-shot-"))
    env = {"MEDBILL_DB": str(d / "shot.db"), "MEDBILL_USER": "screenshot"}
    build(env)
    out = ROOT / "docs" / "charge-entry.svg"
    asyncio.run(shoot(env["MEDBILL_DB"], out))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
