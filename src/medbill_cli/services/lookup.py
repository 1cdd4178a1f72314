"""The one lookup service that charge entry and the claim scrubber use.

Every check is by date of service: a code, an MUE or a PTP edit applies when it is in force on
that date (``dates.in_force``, here its SQL twin ``db.query.in_force_sql``).

Written with SQLAlchemy Core over ``db.tables``: each function takes an ORM session or a bare
Core connection (charge entry's hot path) and returns read-only rows with the columns as
attributes (``row.code``, ``row.billable``, ``row.mue``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from medbill_cli.dates import in_force
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
            raise InputError(
                f"Diagnosis {c} is not valid on {dos}",
                "Use the code in force on the date of service",
            )
        raise InputError(f"Unknown diagnosis {c}", f"Look it up with medbill codes search {c}")
    if not row.billable:
        kids = children(session=session, code=c, limit=5)
        more = ", ".join(k.code for k in kids)
        raise InputError(
            f"Diagnosis {c} is a header, not billable",
            f"Use a more specific code{(' such as ' + more) if more else ''}"
            f" (medbill codes show {c})",
        )
    return row


def check_procedure(*, session: Executor, code: str, dos: dt.date | None) -> Row[Any]:
    """A CPT or HCPCS code valid on ``dos``, or InputError."""
    c = code.strip().upper()
    row = get_code(session=session, system=PROCEDURE_SYSTEMS, code=c, dos=dos)
    if row is None:
        if get_code(session=session, system=PROCEDURE_SYSTEMS, code=c) is not None:
            raise InputError(
                f"Procedure code {c} is not valid on {dos}",
                "Use the code in force on the date of service",
            )
        raise InputError(
            f"Unknown procedure code {c}", f"Look it up with medbill codes search {c} --system cpt"
        )
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


def _loaded(session: Executor, systems: tuple[str, ...]) -> bool:
    q = select(t.code.c.id).where(t.code.c.system.in_(systems)).limit(1)
    return session.execute(q).first() is not None


def history_code_check(session: Executor, code: str) -> str:
    """For medical history: a known, billable ICD-10-CM code (any date). A category header
    (E11) says too little to be a condition; with no ICD-10-CM loaded, any code is kept."""
    row = get_code(session=session, system="icd10cm", code=code)
    if row is None:
        if _loaded(session, ("icd10cm",)):
            raise InputError(
                f"Unknown diagnosis {normalize_icd(code)}",
                f"Look it up with medbill codes search {code}",
            )
        return normalize_icd(code)
    if not row.billable:
        raise InputError(f"Diagnosis {row.code} is a category header, not a billable code",
                         f"Pick one of its codes: medbill codes show {row.code}")
    return str(row.code)


def fee_code_check(session: Executor, code: str) -> None:
    """A fee is for a CPT or HCPCS code that exists in some version of a loaded code set
    (fees outlive code versions, so no date applies). With neither set loaded, any code."""
    c = code.strip().upper()
    if get_code(session=session, system=PROCEDURE_SYSTEMS, code=c) is None and _loaded(
            session, PROCEDURE_SYSTEMS):
        raise InputError(f"Unknown procedure code {c}",
                         f"Look it up with medbill codes search {c} --system cpt")


# --------------------------------------------------------------------------- in bulk


@dataclass(frozen=True)
class Reference:
    """Reference rows for a batch of claims, loaded in a few queries (the claim scrubber's view).

    ``loaded`` names the systems that have any row at all: a code missing from a system that
    was never loaded is not "unknown". The ``*_on`` methods apply the same date rules as the
    one-code lookups above (``dates.in_force``).
    """

    loaded: frozenset[str]
    codes: Mapping[tuple[str, str], tuple[Row[Any], ...]]  # (system, code) -> its versions
    mue: Mapping[str, tuple[Row[Any], ...]]  # code -> every loaded MUE version
    ptp: Mapping[str, tuple[Row[Any], ...]]  # column 1 -> edits whose column 2 is in the batch

    def versions(self, systems: tuple[str, ...], code: str) -> list[Row[Any]]:
        return [r for s in systems for r in self.codes.get((s, code), ())]

    def code_on(self, systems: tuple[str, ...], code: str, dos: dt.date) -> Row[Any] | None:
        """The version of ``code`` in force on ``dos`` (latest effective first), or None."""
        ok = [r for r in self.versions(systems, code) if in_force(r.effective, r.termination, dos)]
        return max(ok, key=lambda r: r.effective) if ok else None

    def mue_on(self, code: str, dos: dt.date) -> Row[Any] | None:
        """The latest MUE of ``code`` in force on ``dos`` (no effective date: always)."""
        ok = [m for m in self.mue.get(code, ()) if in_force(m.effective, None, dos)]
        return max(ok, key=lambda m: (m.effective or dt.date.min, m.id)) if ok else None

    def ptp_on(self, codes: set[str], dates: set[dt.date]) -> list[Row[Any]]:
        """PTP edits between two different ``codes``, in force on any of ``dates``."""
        return [e for c1 in codes for e in self.ptp.get(c1, ())
                if e.column2 in codes and e.column1 != e.column2
                and any(in_force(e.effective, e.deletion, d) for d in dates)]


_BULK_SYSTEMS = ("icd10cm", "cpt", "hcpcs", "modifier")


def _grouped(session: Executor, q: Any, key: Callable[[Row[Any]], Any],
             keep: Callable[[Row[Any]], bool] = lambda r: True) -> dict[Any, tuple[Row[Any], ...]]:
    out: dict[Any, list[Row[Any]]] = {}
    for row in session.execute(q):
        if keep(row):
            out.setdefault(key(row), []).append(row)
    return {k: tuple(v) for k, v in out.items()}


def load_reference(*, session: Executor, diagnoses: Iterable[str], procedures: Iterable[str],
                   modifiers: Iterable[str]) -> Reference:
    """Every code, MUE and PTP row that a batch of claims can ask about.

    Args:
        session: an ORM session or a Core connection.
        diagnoses: ICD-10-CM codes as stored (with the dot).
        procedures: CPT/HCPCS codes.
        modifiers: procedure modifiers.
    """
    from medbill_cli.db.query import chunks

    loaded = frozenset(s for s in _BULK_SYSTEMS if session.execute(
        select(t.code.c.id).where(t.code.c.system == s).limit(1)).first() is not None)
    wanted = {"icd10cm": set(diagnoses), "cpt": set(procedures), "hcpcs": set(procedures),
              "modifier": set(modifiers)}
    codes: dict[tuple[str, str], tuple[Row[Any], ...]] = {}
    for system in sorted(loaded):
        for part in chunks(sorted(wanted[system])):
            q = select(t.code).where(t.code.c.system == system, t.code.c.code.in_(part))
            codes.update(_grouped(session, q, lambda r: (r.system, r.code)))
    procs = sorted(set(procedures))
    mue: dict[str, tuple[Row[Any], ...]] = {}
    ptp: dict[str, tuple[Row[Any], ...]] = {}
    in_batch = set(procs)
    for part in chunks(procs):
        mue.update(_grouped(session, select(t.mue_edit).where(t.mue_edit.c.code.in_(part)),
                            lambda r: r.code))
        ptp.update(_grouped(session, select(t.ptp_edit).where(t.ptp_edit.c.column1.in_(part)),
                            lambda r: r.column1, lambda r: r.column2 in in_batch))
    return Reference(loaded, codes, mue, ptp)
