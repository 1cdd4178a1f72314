"""Regenerate src/medbill_cli/db/tables.py, the Core mirror of the SQLModel tables.

Usage: python tools/regen_tables.py [--check]
With --check nothing is written; the exit status is 1 when the file is out of date.
The models stay the one place the schema is written; tests/test_tables.py checks the mirror
column by column against them.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Boolean, Date, Integer, LargeBinary
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from medbill_cli.db import models
from medbill_cli.db.models._base import utcnow

LINE_LENGTH = 100  # ruff's limit in pyproject.toml
TARGET = Path(__file__).resolve().parents[1] / "src" / "medbill_cli" / "db" / "tables.py"

HEADER = '''"""\
The tables as SQLAlchemy Core objects, generated from the SQLModel models: do not edit.

Regenerate with ``python tools/regen_tables.py``; ``tests/test_tables.py`` fails when this file
and the models disagree. Hot paths (``charge add``) work on these with SQLAlchemy Core, which
spares a cold process the import of SQLModel and pydantic and the building of every model
class. Columns carry the models' Python-side defaults, so a Core insert fills a row as the ORM
would. Foreign keys, indexes and constraints live in the models and the migrations, not here.
Each table is built on first use (``tables.charge``), as building all of them costs a cold
process more than the few a command touches; ``load_all()`` builds every one.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable

from sqlalchemy import Boolean, Column, Date, Integer, LargeBinary, MetaData, String, Table

from medbill_cli.db.models._base import utcnow
from medbill_cli.db.types import UTCDateTime

metadata = MetaData()
'''


FOOTER = '''
NAMES = tuple(_BUILD)


def __getattr__(name: str) -> Table:
    build = _BUILD.get(name)
    if build is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    table = globals()[name] = build()
    return table


def load_all() -> MetaData:
    """Build every table; returns the metadata holding them."""
    module = sys.modules[__name__]
    for name in NAMES:
        getattr(module, name)
    return metadata
'''


def _type(col: Any) -> str:
    t = col.type
    if isinstance(t, AutoString):
        return f"String({t.impl.length})" if t.impl.length else "String()"
    if isinstance(t, UTCDateTime):
        return "UTCDateTime()"
    for cls in (Boolean, Date, Integer, LargeBinary):
        if type(t) is cls:
            return f"{cls.__name__}()"
    raise SystemExit(f"{col.table.name}.{col.name}: no Core mirror for type {t!r}")


def _default(model: type[SQLModel] | None, name: str) -> str | None:
    if model is None or name not in model.model_fields:
        return None
    f = model.model_fields[name]
    if f.default_factory is not None:
        if f.default_factory is not utcnow:
            raise SystemExit(f"{model.__name__}.{name}: unsupported default factory")
        return "utcnow"
    if f.default is PydanticUndefined or f.default is None:
        return None
    if isinstance(f.default, bool | int | str | dt.date):
        return repr(f.default)
    raise SystemExit(f"{model.__name__}.{name}: unsupported default {f.default!r}")


def _column(args: list[str]) -> str:
    """One ``Column(...)`` line at eight spaces, or one argument a line when that is too long."""
    line = f"        Column({', '.join(args)}),"
    if len(line) <= LINE_LENGTH:
        return line
    return "        Column(\n" + "".join(f"            {a},\n" for a in args) + "        ),"


def render() -> str:
    models.load_all()
    by_table = {m.__table__.name: m for m in SQLModel.__subclasses__() if hasattr(m, "__table__")}
    out = [HEADER]
    for name in sorted(SQLModel.metadata.tables):
        table = SQLModel.metadata.tables[name]
        cols = []
        for c in table.columns:
            args = [repr(c.name), _type(c)]
            if c.primary_key:
                args.append("primary_key=True")
            elif not c.nullable:
                args.append("nullable=False")
            d = _default(by_table.get(name), c.name)
            if d is not None:
                args.append(f"default={d}")
            cols.append(_column(args))
        out.append(f"\n\ndef _{name}() -> Table:\n    return Table(\n        {name!r}, metadata,\n"
                   + "\n".join(cols) + "\n    )\n")
    names = sorted(SQLModel.metadata.tables)
    out.append("\n\n_BUILD: dict[str, Callable[[], Table]] = {\n"
               + "".join(f"    {n!r}: _{n},\n" for n in names) + "}\n")
    out.append(FOOTER)
    return "".join(out)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text() if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python tools/regen_tables.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
