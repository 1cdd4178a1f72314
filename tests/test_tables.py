"""The Core mirror of the tables (db/tables.py) and the hot path that uses it.

The models are the one place the schema is written; db/tables.py is generated from them. These
tests fail when the two drift apart, when a Core write reads back differently through the ORM,
and when `charge add` starts importing SQLModel again (its cold-start budget depends on that).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from charge_support import charging  # noqa: F401
from conftest import Cli

ROOT = Path(__file__).resolve().parents[1]


def _regen_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "regen_tables", ROOT / "tools" / "regen_tables.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_tables_file_is_what_the_models_generate() -> None:
    regen = _regen_module()
    assert regen.TARGET.read_text() == regen.render(), "run python tools/regen_tables.py"


def test_tables_mirror_every_model_column() -> None:
    from sqlalchemy import String
    from sqlmodel import SQLModel
    from sqlmodel.sql.sqltypes import AutoString
    from sqlmodel.sql.sqltypes import UTCDateTime as ModelUTC

    from medbill_cli.db import models, tables
    from medbill_cli.db.types import UTCDateTime

    models.load_all()
    assert set(tables.load_all().tables) == set(SQLModel.metadata.tables)
    for name, table in SQLModel.metadata.tables.items():
        core = tables.load_all().tables[name]
        assert [c.name for c in core.columns] == [c.name for c in table.columns], name
        for mc in table.columns:
            cc = core.c[mc.name]
            where = f"{name}.{mc.name}"
            assert (cc.primary_key, cc.nullable) == (mc.primary_key, mc.nullable), where
            if isinstance(mc.type, AutoString):
                assert type(cc.type) is String and cc.type.length == mc.type.impl.length, where
            elif isinstance(mc.type, ModelUTC):
                assert isinstance(cc.type, UTCDateTime), where
            else:
                assert type(cc.type) is type(mc.type), where


def test_records_mirror_their_tables() -> None:
    """The frozen records of the Core paths list every column of their model, in order, with
    the model's Python types, and dump the same keys as the model."""
    import dataclasses
    import typing

    from sqlmodel import SQLModel

    from medbill_cli.db import models, tables
    from medbill_cli.services import records

    models.load_all()
    for name, kind in records.RECORDS.items():
        table = SQLModel.metadata.tables[name]
        core = tables.load_all().tables[name]
        fields = dataclasses.fields(kind)  # type: ignore[arg-type]
        assert [f.name for f in fields] == [c.name for c in table.columns], name
        hints = typing.get_type_hints(kind)
        for c in core.columns:
            impl = getattr(c.type, "impl", c.type)  # UTCDateTime decorates DateTime
            want = impl.python_type
            allowed = {want} if not c.nullable or c.primary_key else {want, type(None)}
            got = set(typing.get_args(hints[c.name])) or {hints[c.name]}
            assert got == allowed, f"{name}.{c.name}: {hints[c.name]} is not {allowed}"


def test_tables_defaults_fill_a_row_as_the_model_does() -> None:
    from medbill_cli.db import tables
    from medbill_cli.db.models import Charge, Encounter

    for model, table in ((Charge, tables.charge), (Encounter, tables.encounter)):
        for name, f in model.model_fields.items():
            col = table.c[name]
            if f.default_factory is not None:
                assert col.default is not None and col.default.is_callable, name
            elif f.default is not None and not f.is_required():
                assert col.default is not None and col.default.arg == f.default, name


def test_tables_are_built_on_first_use() -> None:
    from medbill_cli.db import tables

    assert tables.charge is tables.charge and tables.charge.name == "charge"
    assert tables.metadata.tables["charge"] is tables.charge
    try:
        tables.no_such_table  # noqa: B018
        raise AssertionError("an unknown table name must raise AttributeError")
    except AttributeError:
        pass


def test_utc_datetime_matches_sqlmodel() -> None:
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlmodel.sql.sqltypes import UTCDateTime as ModelUTC

    from medbill_cli.db.types import UTCDateTime

    ours, theirs = UTCDateTime(), ModelUTC()
    est = dt.timezone(dt.timedelta(hours=-5))
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        for value in (
            None,
            dt.datetime(2026, 11, 27, 9, 30, tzinfo=est),
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        ):
            assert ours.process_bind_param(value, dialect) == theirs.process_bind_param(
                value, dialect
            )
        for value in (
            None,
            dt.datetime(2026, 11, 27, 14, 30),
            dt.datetime(2026, 11, 27, 9, 30, tzinfo=est),
        ):
            got = ours.process_result_value(value, dialect)
            assert got == theirs.process_result_value(value, dialect)
            assert got is None or got.tzinfo == dt.UTC
    try:
        ours.process_bind_param(dt.datetime(2026, 1, 1), sqlite.dialect())
        raise AssertionError("a naive datetime must be refused")
    except ValueError:
        pass


PROBE = """
import json, sys
from medbill_cli.cli.app import app
try:
    code = app(sys.argv[1:], prog_name="medbill", standalone_mode=False) or 0
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted(m for m in ("sqlmodel", "pydantic", "sqlalchemy.orm", "pandas", "rich", "alembic")
               if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _probe(cli: Cli, *args: str) -> dict[str, object]:
    env = {**os.environ, "MEDBILL_DB": cli.db.url, "MEDBILL_USER": "biller"}
    r = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    out: dict[str, object] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def test_charge_add_cold_path_loads_no_orm(charging: Cli) -> None:
    """`charge add` runs on Core: SQLModel, pydantic, the ORM, pandas and rich stay unloaded."""
    assert _probe(
        charging,
        "charge",
        "add",
        "--patient",
        "P000001",
        "--date",
        "today",
        "--code",
        "99213",
        "--dx",
        "E11.9",
        "--dx",
        "I10",
    ) == {"code": 0, "heavy": []}
    # ... and what it wrote reads back through the models, audit chain intact.
    listed = charging.json("charge", "list", "--date", "today", "--format", "json")
    assert [(c["code"], c["diagnoses"], c["pointers"], c["fee"]) for c in listed] == [
        ("99213", ["E11.9", "I10"], [1, 2], "75.00")]
    assert listed[0]["created_at"].endswith("+00:00")
    charging.ok("audit", "verify")


def test_patient_add_cold_path_loads_no_orm(charging: Cli) -> None:
    """`patient add` at the front desk runs on Core too; the row reads back through the models."""
    assert _probe(charging, "patient", "add", "--first-name", "Nora", "--last-name", "Quick",
                  "--dob", "1990-03-04", "--sex", "F", "--zip", "12207") == {"code": 0, "heavy": []}
    shown = charging.json("patient", "search", "Quick")
    assert [(p["first_name"], p["dob"], p["zip"]) for p in shown] == [
        ("Nora", "1990-03-04", "12207")
    ]
    assert shown[0]["account"].startswith("P")
    dup = _probe(charging, "patient", "add", "--first-name", "nora", "--last-name", "QUICK",
                 "--dob", "1990-03-04", "--sex", "F")
    assert dup["code"] == 3 and dup["heavy"] == []
    charging.ok("audit", "verify")
