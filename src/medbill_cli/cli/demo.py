"""``medbill demo``: fill an empty database with a month of a primary-care practice's work."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._output import info


def _out_dir(out: Path | None) -> Path:
    """``--out``, else a ``medbill-demo`` folder next to an SQLite database, else in the
    current folder."""
    from medbill_cli.db.engine import is_sqlite, normalize_url, sqlite_path

    if out is not None:
        return out
    url = normalize_url(_context.state.target())
    path = sqlite_path(url) if is_sqlite(url) else None
    return (path.parent if path is not None else Path.cwd()) / "medbill-demo"


def demo(
    days: Annotated[int, typer.Option("--days", help="Length of the period in calendar days "
                                      "(its business days are simulated).")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="The random seed: the same seed and end "
                                      "date give the same data.")] = 2026,
    end: Annotated[str, typer.Option("--end", help="Last day of the period: YYYY-MM-DD, today "
                                     "or yesterday.")] = "today",
    out_dir: Annotated[str | None, typer.Option(
        "--out", help="Folder for the exported 837P batches and the payers' files "
        "(default: medbill-demo next to the database).")] = None,
) -> None:
    """Fill an empty database with a realistic primary-care practice and a period of its work.

    The practice, four providers, five payers and a few hundred made-up patients; then every
    business day: visits and charges, desk copays, close of day, claims scrubbed and exported,
    the clearinghouse's 999 and 277CA, the payers' 835s (payments, adjustments, denials, a
    reversal) and patients' payments. Creates the database if needed; refuses one that already
    holds patients, charges or claims. Deterministic for the same --seed and --end.

    Example: medbill --db demo.db demo --days 30 && medbill --db demo.db ar aging
    """
    import time

    from medbill_cli.dates import parse_date, today
    from medbill_cli.demo import run

    last = parse_date(end, what="end date")
    run.check_options(days, last, today())
    folder = _out_dir(Path(out_dir).expanduser() if out_dir else None)
    if folder.exists() and not folder.is_dir():
        from medbill_cli.errors import EnvironmentProblem

        raise EnvironmentProblem(f"{folder} is not a folder", "Give a folder with --out")
    eng = _context.engine(create=True, check=False)
    try:
        run.refuse_non_empty(eng)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        opts = run.Options(days=days, seed=seed, end=last, out=folder,
                           user=_context.state.actor())
        d = run.plan_demo(eng, opts)
        started = time.monotonic()
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            cols = (TextColumn("{task.description:<34}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
            with Progress(*cols, console=Console(stderr=True), transient=True) as prog:
                task = prog.add_task("Demo", total=run.total_steps(d))
                counts = run.run_demo(d, lambda label: prog.update(task, advance=1,
                                                                    description=label))
        else:
            counts = run.run_demo(d)
    finally:
        eng.dispose()
    took = time.monotonic() - started
    made = ", ".join(f"{n} {k}" for k, n in counts.items())
    info(f"Demo practice ready: {d.start.isoformat()} to {last.isoformat()} "
         f"({len(d.business_days)} business days, seed {seed}, {took:.0f} s): {made}.")
    info(f"Claim batches and payer files are in {folder}.")
    info("Try: medbill worklist, medbill ar aging, medbill report kpi --from "
         f"{d.start.isoformat()} --to {last.isoformat()}, medbill claim list, medbill era list.")
