"""Reading the CSV files that import (pandas): one rule set for every ``import`` command.

UTF-8 (a byte-order mark is accepted), comma-separated, a header row; column names match
case-insensitively; an unknown column is refused, since it is usually a typo. Line numbers
count the header as line 1. The file must be a regular file of at most 100 MB; every cell is
NFC-normalized, and a cell with a control, invisible or separator character refuses the file
(each such cell reported by line and column, with the character's code point).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medbill_cli.errors import InputError, RowError
from medbill_cli.inputs import clean_text, input_file


def read_rows(
    path: Path, *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Read an import CSV.

    Args:
        path: the file.
        required: columns that must be present.
        optional: columns that may be present.

    Returns:
        (line number, {column: text}) for each data row; empty cells are "".
    """
    import pandas as pd  # type: ignore[import-untyped]

    input_file(path, kind="csv")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=False,
            skip_blank_lines=True,
        )
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text", "Save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name} is empty", "Give a CSV with a header row") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path.name} is not a valid CSV: {str(exc).splitlines()[0]}") from None
    columns = [str(c).strip().lower() for c in frame.columns]
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
    frame.columns = columns
    records = frame.to_dict("records")
    out = [(i + 2, {k: str(v).strip() for k, v in r.items()}) for i, r in enumerate(records)]
    return _clean_cells(out)


def _clean_cells(rows: list[tuple[int, dict[str, str]]]) -> list[tuple[int, dict[str, str]]]:
    bad: list[tuple[int, str]] = []
    for line, row in rows:
        for col, value in row.items():
            try:
                row[col] = clean_text(value, field=f"column {col}")
            except InputError as exc:
                bad.append((line, exc.message))
    if bad:
        raise RowError.nothing_imported(bad[:50], "Remove the characters and import again")
    return rows
