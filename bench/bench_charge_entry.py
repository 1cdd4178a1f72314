"""Charge entry screen benchmark: each save inside the running screen.

Target: every Enter that saves a line (the field checks, the same service call as charge add,
the new row and the side panel's day totals) takes <= 50 ms, measured by the screen itself
while it runs headless (Textual's run_test) at 80x24. The first save of a screen also compiles
the statements of charge entry once (SQLAlchemy caches them for the process): it is shown
apart and not held to the target. Run: python bench/bench_charge_entry.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys

from _util import report, scratch_db
from bench_charge import setup

LINES = 40
TARGET = 0.050


async def drive(target: str) -> list[float]:
    from medbill_cli.cli._entry_backend import EntryBackend
    from medbill_cli.cli.entry_screen import ChargeEntryApp

    app = ChargeEntryApp(EntryBackend.on(target, "bench"), dt.date.today())
    codes = ("99213", "99214", "36415")
    async with app.run_test(size=(80, 24)) as pilot:
        for i in range(LINES):
            if i % 2 == 0:
                app.select_patient(f"P{1 + i // 2:06d}")
            app.set_value("code", codes[i % 3])
            app.set_value("dx", "E11.9 I10" if i % 2 else "I10")
            app.query_one("#dx").focus()
            await pilot.press("enter")
            await pilot.pause()
        await pilot.press("ctrl+q")
    app.backend.close()
    assert len(app.saved) == LINES, f"saved {len(app.saved)} of {LINES}"
    return app.save_seconds


def main() -> int:
    _d, env = scratch_db()
    setup(env)
    times = asyncio.run(drive(env["MEDBILL_DB"]))
    first, warm = times[0], sorted(times[1:])
    print(f"      first save {first * 1000:.1f} ms; then {len(warm)} saves: median "
          f"{statistics.median(warm) * 1000:.1f} ms, p95 {warm[int(len(warm) * 0.95)] * 1000:.1f}"
          f" ms, max {warm[-1] * 1000:.1f} ms")
    ok = report("charge entry screen, one save (p95)", warm[int(len(warm) * 0.95)], TARGET)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
