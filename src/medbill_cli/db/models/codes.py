"""Reference code sets: ICD-10-CM, CPT, HCPCS, modifiers, POS, CARC, RARC; NCCI PTP and MUE."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from medbill_cli.db.models._base import utcnow


class CodeSet(SQLModel, table=True):
    """One loaded version of a code system."""

    __tablename__ = "code_set"
    __table_args__ = (UniqueConstraint("system", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=12)
    version: str = Field(max_length=40)
    source: str | None = None
    file_hash: str | None = Field(default=None, max_length=64)
    row_count: int = 0
    loaded_at: dt.datetime = Field(default_factory=utcnow)
    loaded_by: str | None = None


class Code(SQLModel, table=True):
    """A code of any system. ICD-10-CM codes are stored with their dot (``E11.9``)."""

    __table_args__ = (
        UniqueConstraint("system", "code", "effective"),
        Index("ix_code_system_code", "system", "code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=12)  # icd10cm|cpt|hcpcs|modifier|pos|carc|rarc|group
    code: str = Field(max_length=10)
    short_description: str | None = None
    long_description: str
    billable: bool = True  # False: a header/category, not valid on a claim
    parent: str | None = Field(default=None, max_length=10)
    effective: dt.date = Field(default=dt.date(1900, 1, 1))
    termination: dt.date | None = None
    version: str = Field(max_length=40)
    notes: str | None = None  # JSON: tabular notes (excludes1, code_first, ...)
    terms: str | None = None  # inclusion terms and synonyms, for search


class PtpEdit(SQLModel, table=True):
    """An NCCI procedure-to-procedure edit: column 2 is not paid with column 1."""

    __tablename__ = "ptp_edit"
    __table_args__ = (
        UniqueConstraint("column1", "column2", "effective"),
        Index("ix_ptp_edit_column2", "column2"),
    )

    id: int | None = Field(default=None, primary_key=True)
    column1: str = Field(max_length=5, index=True)
    column2: str = Field(max_length=5)
    effective: dt.date
    deletion: dt.date | None = None
    modifier_indicator: str = Field(max_length=1)  # 0 not allowed, 1 allowed, 9 n/a
    rationale: str | None = None
    version: str = Field(max_length=40)


class MueEdit(SQLModel, table=True):
    """A medically unlikely edit: the most units of a code per line or per day."""

    __tablename__ = "mue_edit"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=5, index=True)
    mue: int
    mai: int  # 1 line edit, 2 date of service (policy), 3 date of service (clinical)
    rationale: str | None = None
    effective: dt.date | None = None
    version: str = Field(max_length=40)


class CodeWord(SQLModel, table=True):
    """The search vocabulary: every word of the code descriptions, with how many codes use it.

    Typo correction matches unknown query words against this table instead of re-reading
    every description on each search. Rebuilt after each load or import.
    """

    __tablename__ = "code_word"
    __table_args__ = (Index("ix_code_word_first_len", "first", "length"),)

    word: str = Field(primary_key=True, max_length=60)
    first: str = Field(max_length=1)
    length: int
    df: int  # how many codes use the word
