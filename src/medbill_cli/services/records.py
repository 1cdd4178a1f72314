"""Frozen records: the one shape of a row on the Core paths (charge, encounter and patient entry).

A command that runs on SQLAlchemy Core (``charge add``, ``patient add``, the imports) never
builds a model, so its rows come back as these instead of Core ``Row`` objects or ad-hoc
namespaces. Each mirrors its table column for column, in the table's order
(``tests/test_tables.py`` checks it against the models), and dumps its columns with
``model_dump()`` as a model does: ``audit.snapshot`` records either the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from sqlalchemy import Table

from medbill_cli.db import dialect

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    Executor = Session | Connection

R = TypeVar("R", bound="Record")


class Record:
    """The behaviour every frozen record shares."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        """From a Core row (or a mapping) that holds at least the table's columns."""
        m: Mapping[str, Any] = row if isinstance(row, Mapping) else row._mapping
        return cls(**{k: m[k] for k in cls.__dataclass_fields__})

    def model_dump(self) -> dict[str, Any]:
        """The column values by name, as ``SQLModel.model_dump`` gives them."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class ChargeRecord(Record):
    id: int
    encounter_id: int
    patient_id: int
    date_of_service: dt.date
    code: str
    modifiers: str
    units: int
    fee_cents: int
    amount_cents: int
    dx_pointers: str
    provider_id: int | None
    pos: str
    ndc: str | None
    ndc_unit: str | None
    ndc_quantity: str | None
    status: str
    void_reason: str | None
    voided_by: str | None
    voided_at: dt.datetime | None
    created_at: dt.datetime
    created_by: str | None
    ordering_npi: str | None = None
    ordering_name: str | None = None


@dataclass(frozen=True)
class EncounterRecord(Record):
    id: int
    patient_id: int
    date_of_service: dt.date
    provider_id: int | None
    facility_id: int | None
    pos: str
    form_number: str | None
    form_charges_cents: int | None
    form_collected_cents: int | None
    source: str
    created_at: dt.datetime
    created_by: str | None
    referring_npi: str | None = None
    referring_name: str | None = None
    onset_date: dt.date | None = None
    accident: str | None = None
    accident_date: dt.date | None = None
    accident_state: str | None = None
    supervising_npi: str | None = None
    supervising_name: str | None = None


@dataclass(frozen=True)
class DiagnosisRecord(Record):
    """One of an encounter's diagnoses (``encounter_diagnosis``), in entry order ``seq``."""

    id: int
    encounter_id: int
    seq: int
    code: str


@dataclass(frozen=True)
class PatientRecord(Record):
    id: int
    account: str | None
    first_name: str
    last_name: str
    middle_name: str | None
    dob: dt.date
    sex: str
    address: str | None
    address2: str | None
    city: str | None
    state: str | None
    zip: str | None
    phone: str | None
    email: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    release_of_info: str = "Y"
    signature_date: dt.date | None = None


# table -> its record, for the test that keeps them column for column with the models
RECORDS: dict[str, type[Record]] = {"charge": ChargeRecord, "encounter": EncounterRecord,
                                    "encounter_diagnosis": DiagnosisRecord,
                                    "patient": PatientRecord}

def insert_records(session: Executor, table: Table, kind: type[R],
                   rows: Sequence[dict[str, Any]]) -> list[R]:
    """Insert rows and return them as written, in order, as ``kind`` records.

    The defaults are filled here (``created_at`` and the like), so the records are known
    without reading the rows back: only the new ids come from the database
    (``dialect.insert_many``), never an ORM object or a row-at-a-time RETURNING.
    """
    full = [dialect.fill_defaults(table, dict(r)) for r in rows]
    ids = dialect.insert_many(session, table, full, ids=True)
    return [kind.from_row({**r, "id": i}) for r, i in zip(full, ids, strict=True)]


@dataclass(frozen=True)
class RowRecord:
    """Any Core row (a table with no frozen record of its own: periods, refunds, ...), for the
    audit trail: its column values, as read or as returned by ``INSERT ... RETURNING``."""

    values: Mapping[str, Any]

    @classmethod
    def of(cls, row: Any) -> RowRecord:
        return cls(dict(row if isinstance(row, Mapping) else row._mapping))

    def model_dump(self) -> dict[str, Any]:
        return dict(self.values)
