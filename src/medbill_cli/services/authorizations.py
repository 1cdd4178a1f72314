"""Prior authorizations, referrals, and the codes a payer wants authorized.

Use is never stored: ``authorization_for`` counts the visits (distinct encounters) and units of
the patient's live charges that the authorization covers (its dates, and its codes if it lists
any), so voiding a charge gives its visit back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medbill_cli import validate as v
from medbill_cli.errors import DuplicateError, InputError, NotFoundError
from medbill_cli.services import audit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from medbill_cli.db.models.eligibility import PriorAuth
    from medbill_cli.scrub.authorization import AuthLine

    Executor = Session | Connection

KINDS = ("auth", "referral")
_CODE = re.compile(r"^[A-Z0-9]{5}$")


def clean_codes(codes: Sequence[str]) -> list[str]:
    """CPT/HCPCS codes as typed; five letters or digits each."""
    out: list[str] = []
    for raw in codes:
        for part in raw.replace(",", " ").split():
            code = part.strip().upper()
            if not _CODE.match(code):
                raise InputError(f"'{part}' is not a CPT or HCPCS code",
                                 "Give five characters, e.g. 97110")
            if code not in out:
                out.append(code)
    return out


def _count(value: int | None, what: str) -> int | None:
    if value is None:
        return None
    if value < 1:
        raise InputError(f"The number of {what} must be at least 1",
                         f"Give --{what} 1 or more, or leave it out")
    return value


def add_authorization(
    *, session: Session, user: str, account: str, kind: str, number: str, start: dt.date,
    end: dt.date, payer: str | None = None, provider_npi: str | None = None,
    visits: int | None = None, units: int | None = None, codes: Sequence[str] = (),
) -> PriorAuth:
    """Record a prior authorization (a payer's) or a referral (a referring provider's).

    Args:
        session: the command's session.
        user: who acts.
        account: the patient's account number.
        kind: ``auth`` or ``referral``.
        number: the authorization or referral number (837P REF*G1 / REF*9F).
        start: first day covered.
        end: last day covered (inclusive).
        payer: the payer id (authorizations).
        provider_npi: the referring provider's NPI (referrals).
        visits: visits allowed (None: not limited).
        units: units allowed (None: not limited).
        codes: procedure codes covered (empty: any).

    Returns:
        The new row.
    """
    from sqlmodel import select

    from medbill_cli.db.models.eligibility import PriorAuth
    from medbill_cli.services.patients import get_patient
    from medbill_cli.services.registration import get_payer

    if kind not in KINDS:
        raise InputError(f"Unknown kind '{kind}'")
    patient = get_patient(session=session, account=account)
    num = v.text(number, field="Number", max_len=50).upper()
    if end < start:
        raise InputError(f"The end date {end} is before the start date {start}",
                         "Check --from and --to")
    payer_pk = get_payer(session=session, payer_id=payer).id if payer else None
    npi = v.npi(provider_npi, field="Referring provider NPI") if provider_npi else None
    code_list = clean_codes(codes)
    if len(" ".join(code_list)) > 200:
        raise InputError("Too many codes for one authorization", "Give at most 33")
    assert patient.id is not None
    row = PriorAuth(kind=kind, patient_id=patient.id, payer_id=payer_pk, provider_npi=npi,
                    number=num, start=start, end=end, visits=_count(visits, "visits"),
                    units=_count(units, "units"), codes=" ".join(code_list), created_by=user)
    dup = session.exec(select(PriorAuth.id).where(PriorAuth.kind == kind, PriorAuth.number == num,
                                                  PriorAuth.patient_id == patient.id)).first()
    if dup is not None:
        what = "authorization" if kind == "auth" else "referral"
        raise DuplicateError(f"{patient.account} already has {what} {num}",
                             f"See medbill {kind} list {patient.account}")
    session.add(row)
    session.flush()
    audit.record(session=session, user=user, action="create", entity=f"prior_auth:{kind}",
                 entity_id=row.id, after=audit.snapshot(row))
    return row


@dataclass(frozen=True)
class AuthMatch:
    """The authorization found for a service, and its use counted from the charges."""

    id: int
    number: str
    start: dt.date
    end: dt.date
    visits_allowed: int | None
    units_allowed: int | None
    visits_used: int  # distinct visits covered, through the one asked about
    units_used: int
    covers_date: bool  # False: the nearest authorization, which has expired or not yet begun

    @property
    def exhausted(self) -> bool:
        return ((self.visits_allowed is not None and self.visits_used > self.visits_allowed)
                or (self.units_allowed is not None and self.units_used > self.units_allowed))


def _usage(conn: Executor, auth: Any, *, through: tuple[dt.date, int] | None) -> tuple[int, int]:
    """(visits, units) of the patient's live charges the authorization covers, up to ``through``
    ((date, encounter id); None: the whole range)."""
    from sqlalchemy import and_, func, or_, select

    from medbill_cli.db import tables as t

    ch = t.charge
    q = select(func.count(func.distinct(ch.c.encounter_id)),
               func.coalesce(func.sum(ch.c.units), 0)).where(
        ch.c.patient_id == auth.patient_id, ch.c.status != "void",
        ch.c.date_of_service >= auth.start, ch.c.date_of_service <= auth.end)
    if auth.codes:
        q = q.where(ch.c.code.in_(auth.codes.split()))
    if through is not None:
        dos, enc = through
        q = q.where(or_(ch.c.date_of_service < dos,
                        and_(ch.c.date_of_service == dos, ch.c.encounter_id <= enc)))
    visits, units = conn.execute(q).one()
    return int(visits), int(units)


def authorization_for(conn: Executor, patient_id: int, payer_id: int, dos: dt.date, code: str,
                      *, encounter_id: int | None = None, kind: str = "auth") -> AuthMatch | None:
    """The authorization that covers a service, with its use counted from the billed charges.

    Among the patient's authorizations from ``payer_id`` (the payer's row id) that list ``code``
    (or list no codes), one whose dates cover ``dos`` is chosen, the first not yet exhausted;
    with none covering the date, the nearest one is returned with ``covers_date`` False so a
    check can say it expired. Use is counted through this service: charges on earlier dates,
    and on the same date up to ``encounter_id`` (every encounter that day when None).

    Args:
        conn: a Session or Core connection.
        patient_id: the patient's row id.
        payer_id: the payer's row id (ignored for referrals).
        dos: the date of service.
        code: the procedure code.
        encounter_id: the service's encounter, to count through.
        kind: ``auth`` (default) or ``referral``.

    Returns:
        The match, or None when the patient has no authorization for that code at all.
    """
    from sqlalchemy import select

    from medbill_cli.db import tables as t

    pa = t.prior_auth
    q = (select(pa).where(pa.c.patient_id == patient_id, pa.c.kind == kind)
         .order_by(pa.c.start, pa.c.id))
    if kind == "auth":
        q = q.where(pa.c.payer_id == payer_id)
    rows = [r for r in conn.execute(q) if not r.codes or code.upper() in r.codes.split()]
    if not rows:
        return None
    big = 2**31 - 1
    through = (dos, encounter_id if encounter_id is not None else big)
    covering = [r for r in rows if r.start <= dos <= r.end]
    best: AuthMatch | None = None
    for r in covering:
        visits, units = _usage(conn, r, through=through)
        m = _match(r, visits, units, covers=True)
        if not m.exhausted:
            return m
        best = best or m
    if best is not None:
        return best
    nearest = min(rows, key=lambda r: min(abs((r.start - dos).days), abs((r.end - dos).days)))
    visits, units = _usage(conn, nearest, through=None)
    return _match(nearest, visits, units, covers=False)


def _match(r: Any, visits: int, units: int, *, covers: bool) -> AuthMatch:
    return AuthMatch(id=r.id, number=r.number, start=r.start, end=r.end,
                     visits_allowed=r.visits, units_allowed=r.units, visits_used=visits,
                     units_used=units, covers_date=covers)


def auth_lines(conn: Executor, patient_id: int, payer_id: int,
               lines: Sequence[tuple[int, str, dt.date, int | None]]) -> tuple[AuthLine, ...]:
    """What the prior-auth edit needs for a claim's lines: (line number, code, date of service,
    encounter id) each, looked up against the payer's list and the patient's authorizations.

    Args:
        conn: a Session or Core connection.
        patient_id: the patient's row id.
        payer_id: the billed payer's row id.
        lines: the claim's lines.

    Returns:
        One ``scrub.authorization.AuthLine`` per line, in order.
    """
    from sqlalchemy import select

    from medbill_cli.db import tables as t
    from medbill_cli.scrub.authorization import AuthInfo, AuthLine

    needed = codes_needing_auth(conn, payer_id)
    pa = t.prior_auth
    has_any = conn.execute(select(pa.c.id).where(pa.c.patient_id == patient_id, pa.c.kind == "auth",
                                                 pa.c.payer_id == payer_id).limit(1)).first()
    out: list[AuthLine] = []
    for number, code, dos, encounter_id in lines:
        m = None if has_any is None else authorization_for(conn, patient_id, payer_id, dos, code,
                                                           encounter_id=encounter_id)
        info = None if m is None else AuthInfo(
            number=m.number, start=m.start, end=m.end, visits_allowed=m.visits_allowed,
            units_allowed=m.units_allowed, visits_used=m.visits_used, units_used=m.units_used)
        out.append(AuthLine(number=number, code=code, dos=dos, needs_auth=code.upper() in needed,
                            auth=info))
    return tuple(out)


def referral_for(conn: Executor, patient_id: int, dos: dt.date, code: str = "") -> AuthMatch | None:
    """The referral in force for a service (837P REF*9F), counted like an authorization."""
    return authorization_for(conn, patient_id, 0, dos, code, kind="referral")


def list_authorizations(*, session: Session, kind: str,
                        account: str | None = None) -> list[dict[str, Any]]:
    """Authorizations or referrals (of one patient, or all), with their use so far."""
    from sqlmodel import col, select

    from medbill_cli.db.models.eligibility import PriorAuth
    from medbill_cli.db.models.registration import Patient, Payer
    from medbill_cli.services.patients import get_patient

    q = (select(PriorAuth, Patient.account).join(Patient, col(Patient.id) == PriorAuth.patient_id)
         .where(PriorAuth.kind == kind)
         .order_by(col(Patient.account), col(PriorAuth.start), col(PriorAuth.id)))
    if account:
        q = q.where(PriorAuth.patient_id == get_patient(session=session, account=account).id)
    payers = {p.id: p.payer_id for p in session.exec(select(Payer))}
    out: list[dict[str, Any]] = []
    for a, acct in session.exec(q).all():
        visits, units = _usage(session, a, through=None)
        rec: dict[str, Any] = {"id": a.id, "account": acct, "number": a.number}
        if kind == "auth":
            rec["payer_id"] = payers.get(a.payer_id)
        else:
            rec["provider_npi"] = a.provider_npi
        rec.update({"from": a.start, "to": a.end, "visits": a.visits, "visits_used": visits,
                    "units": a.units, "units_used": units, "codes": a.codes.split()})
        out.append(rec)
    return out


def public(a: PriorAuth, account: str, payer_id: str | None) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": a.id, "account": account, "number": a.number}
    if a.kind == "auth":
        rec["payer_id"] = payer_id
    else:
        rec["provider_npi"] = a.provider_npi
    rec.update({"from": a.start, "to": a.end, "visits": a.visits, "units": a.units,
                "codes": a.codes.split()})
    return rec


# ---------------------------------------------------------------- codes that need authorization


def add_auth_codes(*, session: Session, user: str, payer: str, codes: Sequence[str]) -> list[str]:
    """Mark codes as needing the payer's prior authorization; returns the codes newly added."""
    from sqlmodel import select

    from medbill_cli.db.models.eligibility import AuthCode
    from medbill_cli.services.registration import get_payer

    payer_row = get_payer(session=session, payer_id=payer)
    wanted = clean_codes(codes)
    if not wanted:
        raise InputError("Give at least one --code")
    have = set(session.exec(select(AuthCode.code).where(AuthCode.payer_id == payer_row.id)).all())
    added = [c for c in wanted if c not in have]
    assert payer_row.id is not None
    for c in added:
        session.add(AuthCode(payer_id=payer_row.id, code=c, created_by=user))
    session.flush()
    audit.record_many(session=session, user=user, entries=[
        ("create", "auth_code", f"{payer_row.payer_id}:{c}", None,
         {"payer_id": payer_row.payer_id, "code": c})
        for c in added])
    return added


def list_auth_codes(*, session: Session, payer: str | None = None) -> list[dict[str, Any]]:
    from sqlmodel import col, select

    from medbill_cli.db.models.eligibility import AuthCode
    from medbill_cli.db.models.registration import Payer
    from medbill_cli.services.registration import get_payer

    q = (select(Payer.payer_id, AuthCode.code).join(Payer, col(Payer.id) == AuthCode.payer_id)
         .order_by(col(Payer.payer_id), col(AuthCode.code)))
    if payer:
        q = q.where(AuthCode.payer_id == get_payer(session=session, payer_id=payer).id)
    return [{"payer_id": p, "code": c} for p, c in session.exec(q).all()]


def codes_needing_auth(conn: Executor, payer_id: int) -> frozenset[str]:
    """The codes a payer (row id) wants authorized, for the scrub view."""
    from sqlalchemy import select

    from medbill_cli.db import tables as t

    q = select(t.auth_code.c.code).where(t.auth_code.c.payer_id == payer_id)
    return frozenset(r[0] for r in conn.execute(q))


def get_authorization(*, session: Session, auth_id: int) -> PriorAuth:
    from medbill_cli.db.models.eligibility import PriorAuth

    row = session.get(PriorAuth, auth_id)
    if row is None:
        raise NotFoundError(f"No authorization {auth_id}", "See medbill auth list")
    return row
