"""The one lookup service that charge entry and the claim scrubber use.

Every check is by date of service: a code, an MUE or a PTP edit applies when it is in force on
that date (``dates.in_force``, here its SQL twin ``db.query.in_force_sql``).

Written with SQLAlchemy Core over ``db.tables``: each function takes an ORM session or a bare
Core connection (charge entry's hot path) and returns read-only rows with the columns as
attributes (``row.code``, ``row.billable``, ``row.mue``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from medbill_cli.db import tables as t
from medbill_cli.db.query import in_force_sql
from medbill_cli.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row
    from sqlmodel import Session

    Executor = Session | Connection

PROCEDURE_SYSTEMS = ("cpt", "hcpcs")


def normalize_icd(code: str) -> str:
    """``e119`` -> ``E11.9``; ``E11`` stays ``E11``."""
    bare = code.strip().upper().replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def _valid_on(q: Select[Any], dos: dt.date | None) -> Select[Any]:
    if dos is None:
        return q
    c = t.code.c
    return q.where(in_force_sql(c.effective, c.termination, dos, effective_nullable=False))


def get_code(
    *, session: Executor, system: str | tuple[str, ...], code: str, dos: dt.date | None = None
) -> Row[Any] | None:
    """The code row valid on ``dos`` (latest effective first), or None.

    Args:
        session: any session.
        system: one system name or a tuple of them.
        code: the code as typed (ICD-10-CM with or without the dot).
        dos: the date of service; None ignores dates.
    """
    systems = (system,) if isinstance(system, str) else system
    c = normalize_icd(code) if systems == ("icd10cm",) else code.strip().upper()
    q = select(t.code).where(t.code.c.system.in_(systems), t.code.c.code == c)
    q = _valid_on(q, dos).order_by(t.code.c.effective.desc()).limit(1)
    return session.execute(q).first()


def children(*, session: Executor, code: str, limit: int = 20) -> list[Row[Any]]:
    c = normalize_icd(code)
    q = (select(t.code).where(t.code.c.system == "icd10cm", t.code.c.parent == c)
         .order_by(t.code.c.code).limit(limit))
    return list(session.execute(q).all())


def check_diagnosis(*, session: Executor, code: str, dos: dt.date | None) -> Row[Any]:
    """A billable ICD-10-CM code valid on ``dos``, or InputError saying why not."""
    from medbill_cli.validate import icd10_format

    c = icd10_format(code)
    row = get_code(session=session, system="icd10cm", code=c, dos=dos)
    if row is None:
        if get_code(session=session, system="icd10cm", code=c) is not None:
            raise InputError(f"Diagnosis {c} is not valid on {dos}", "Use the code in force on the date of service")
        raise InputError(f"Unknown diagnosis {c}", f"Look it up with medbill codes search {c}")
    if not row.billable:
        kids = children(session=session, code=c, limit=5)
        more = ", ".join(k.code for k in kids)
        raise InputError(
            f"Diagnosis {c} is a header, not billable",
            f"Use a more specific code{(' such as ' + more) if more else ''} (medbill codes show {c})",
        )
    return row


def check_procedure(*, session: Executor, code: str, dos: dt.date | None) -> Row[Any]:
    """A CPT or HCPCS code valid on ``dos``, or InputError."""
    c = code.strip().upper()
    row = get_code(session=session, system=PROCEDURE_SYSTEMS, code=c, dos=dos)
    if row is None:
        if get_code(session=session, system=PROCEDURE_SYSTEMS, code=c) is not None:
            raise InputError(f"Procedure code {c} is not valid on {dos}", "Use the code in force on the date of service")
        raise InputError(f"Unknown procedure code {c}", f"Look it up with medbill codes search {c} --system cpt")
    return row


def check_modifier(*, session: Executor, modifier: str, dos: dt.date | None) -> Row[Any]:
    m = modifier.strip().upper()
    row = get_code(session=session, system="modifier", code=m, dos=dos)
    if row is None:
        raise InputError(f"Unknown modifier {m}", "See medbill codes search --system modifier")
    return row


def check_pos(*, session: Executor, pos: str) -> Row[Any]:
    p = pos.strip().zfill(2)
    row = get_code(session=session, system="pos", code=p)
    if row is None:
        raise InputError(f"Unknown place of service {p}", "See medbill codes search --system pos")
    return row


def mue_for(*, session: Executor, code: str, dos: dt.date | None = None) -> Row[Any] | None:
    """The MUE of a procedure code (the latest loaded version in force on ``dos``)."""
    m = t.mue_edit.c
    q = select(t.mue_edit).where(m.code == code.strip().upper())
    if dos is not None:
        q = q.where(in_force_sql(m.effective, None, dos))
    q = q.order_by(m.effective.desc(), m.id.desc()).limit(1)
    return session.execute(q).first()


def ptp_pairs(*, session: Executor, codes: list[str], dos: dt.date) -> list[Row[Any]]:
    """NCCI PTP edits in force on ``dos`` between any two of ``codes`` (column 1 first)."""
    cs = sorted({c.strip().upper() for c in codes})
    if len(cs) < 2:
        return []
    p = t.ptp_edit.c
    q = select(t.ptp_edit).where(p.column1.in_(cs), p.column2.in_(cs))
    q = q.where(in_force_sql(p.effective, p.deletion, dos, effective_nullable=False))
    return [e for e in session.execute(q).all() if e.column1 != e.column2]


def history_code_check(session: Executor, code: str) -> str:
    """For medical history: a known ICD-10-CM code (any date, header allowed when nothing is loaded)."""
    row = get_code(session=session, system="icd10cm", code=code)
    if row is None:
        loaded = session.execute(select(t.code.c.id).where(t.code.c.system == "icd10cm").limit(1)).first()
        if loaded is not None:
            raise InputError(f"Unknown diagnosis {normalize_icd(code)}", f"Look it up with medbill codes search {code}")
        return normalize_icd(code)
    return row.code
