"""Reading the CSV files that import: one rule set for every ``import`` command.

UTF-8 (a byte-order mark is accepted), comma-separated, a header row; column names match
case-insensitively; an unknown column is refused, since it is usually a typo. Every cell is
text, stripped of surrounding spaces and NFC-normalized; blank lines are skipped. Line numbers
are the file's own, counting the header as line 1. The file must be a regular file of at most
100 MB; a cell with a control, invisible or separator character refuses the file (each such
cell reported by line and column, with the character's code point), unless the caller skips
bad rows: then such a row is left out and reported the same way. The standard library's
``csv`` reads it: importing pandas would cost an import command more than checking thousands
of rows does.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from medbill_cli.errors import InputError, RowError
from medbill_cli.inputs import clean_text, input_file


def read_rows(
    path: Path, *, required: Sequence[str], optional: Sequence[str] = (),
    skipped: list[tuple[int, str]] | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """Read an import CSV.

    Args:
        path: the file.
        required: columns that must be present.
        optional: columns that may be present.
        skipped: for an import that skips bad rows (``--skip-bad``): a row with a refused
            character is left out and (line, reason naming the column) appended here, never
            the cell's value. None: such a row refuses the whole file.

    Returns:
        (line number, {column: text}) for each data row; empty cells are "".
    """
    input_file(path, kind="csv")
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            while header is not None and not any(c.strip() for c in header):
                header = next(reader, None)
            if header is None:
                raise InputError(f"{path.name} is empty", "Give a CSV with a header row")
            columns = _check_header(path, header, required, optional)
            out: list[tuple[int, dict[str, str]]] = []
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(columns):
                    raise InputError(f"{path.name} is not a valid CSV: line {reader.line_num} "
                                     f"has {len(cells)} fields, the header {len(columns)}")
                out.append((reader.line_num, {c: (cells[i].strip() if i < len(cells) else "")
                                              for i, c in enumerate(columns)}))
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text", "Save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise InputError(f"{path.name} is not a valid CSV: {exc}") from None
    return _clean_cells(out, skipped)


def _check_header(path: Path, header: list[str], required: Sequence[str],
                  optional: Sequence[str]) -> list[str]:
    columns = [c.strip().lower() for c in header]
    known = set(required) | set(optional)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise InputError(
            f"Unknown column '{unknown[0]}' in {path.name}",
            "Known columns: " + ", ".join(list(required) + list(optional)),
        )
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(f"{path.name} lacks the required column '{missing[0]}'",
                         "Required: " + ", ".join(required))
    if len(set(columns)) != len(columns):
        raise InputError(f"{path.name} has a column twice")
    return columns


def _clean_cells(rows: list[tuple[int, dict[str, str]]],
                 skipped: list[tuple[int, str]] | None) -> list[tuple[int, dict[str, str]]]:
    bad: list[tuple[int, str]] = []
    kept: list[tuple[int, dict[str, str]]] = []
    for line, row in rows:
        ok = True
        for col, value in row.items():
            try:
                row[col] = clean_text(value, field=f"column {col}")
            except InputError as exc:
                bad.append((line, exc.message))
                ok = False
        if ok:
            kept.append((line, row))
    if bad and skipped is None:
        raise RowError.nothing_imported(bad[:50], "Remove the characters and import again")
    if skipped is not None:
        skipped.extend(bad)
    return kept
