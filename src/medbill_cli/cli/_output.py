"""The only printer: tables for people, JSON and CSV for scripts.

Results go to stdout; progress, summaries, warnings and errors go to stderr.
JSON and CSV carry no colour and no thousands separators; amounts are strings like "125.00".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from enum import Enum
from typing import Any

from medbill_cli.csvsafe import csv_safe


class Format(str, Enum):  # noqa: UP042 - str() of a member stays "Format.x" for Typer
    table = "table"
    json = "json"
    csv = "csv"


def jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return " ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(jsonable(value), sort_keys=True)
    return str(jsonable(value))


def _stdout_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n")


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_safe(c) for c in columns])
    for r in rows:
        w.writerow([csv_safe(_cell(r.get(c))) for c in columns])
    sys.stdout.write(buf.getvalue())


def emit_rows(
    rows: Sequence[dict[str, Any]], fmt: Format, *, columns: Sequence[str] | None = None,
    title: str | None = None, empty: str = "Nothing found.",
) -> None:
    """A listing in the chosen format. ``columns`` picks and orders table/CSV columns."""
    cols = list(columns) if columns else (list(rows[0].keys()) if rows else [])
    if fmt is Format.json:
        write_json(list(rows))
        return
    if fmt is Format.csv:
        write_csv(rows, cols)
        return
    if not rows:
        info(empty)
        return
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for c in cols:
        justify = "right" if c.endswith(("amount", "fee", "total", "balance", "units", "charges",
                                         "collected", "paid", "difference", "expected", "actual",
                                         "copay")) else "left"
        table.add_column(c.replace("_", " "), justify=justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(*(_cell(r.get(c)) for c in cols))
    _stdout_console().print(table)


def emit_record(record: dict[str, Any], fmt: Format, *, title: str | None = None) -> None:
    """One record: key/value table, a JSON object, or a one-row CSV."""
    if fmt is Format.json:
        write_json(record)
        return
    if fmt is Format.csv:
        flat = {k: v for k, v in record.items() if not isinstance(v, (list, dict))}
        write_csv([flat], list(flat.keys()))
        return
    from rich.table import Table

    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for k, v in record.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            table.add_row(k.replace("_", " "), "")
            for item in v:
                table.add_row("", "  ".join(f"{ik}={_cell(iv)}" for ik, iv in item.items()))
        else:
            table.add_row(k.replace("_", " "), _cell(v))
    _stdout_console().print(table)


def emit_created(record: dict[str, Any], fmt: Format, *, id_key: str = "id") -> None:
    """After add/set/import: the new id on stdout, or the record as JSON."""
    if fmt is Format.json:
        write_json(record)
    elif fmt is Format.csv:
        emit_record(record, fmt)
    else:
        sys.stdout.write(f"{record[id_key]}\n")


def emit_text(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def info(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"Warning: {message.rstrip()}\n")


def error(message: str) -> None:
    sys.stderr.write(f"Error: {message.rstrip()}\n")


@contextmanager
def progress(total: int, label: str) -> Iterator[Any]:
    """A progress bar on stderr, shown only at a terminal and for large jobs."""
    if total < 500 or not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.progress import Progress

    with Progress(console=_stderr_console(), transient=True) as prog:
        task = prog.add_task(label, total=total)
        yield lambda n=1: prog.advance(task, n)
