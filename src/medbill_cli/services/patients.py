"""Patients, their coverages and medical history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medbill_cli import validate as v
from medbill_cli.dates import parse_date, today
from medbill_cli.db.models._base import utcnow
from medbill_cli.errors import DuplicateError, InputError, NotFoundError
from medbill_cli.money import amount_cents
from medbill_cli.services import audit
from medbill_cli.services.records import PatientRecord

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row
    from sqlmodel import Session

    from medbill_cli.db.models import Coverage, HistoryEntry, Patient, Payer

PRIORITIES = ("primary", "secondary", "tertiary")
RELATIONSHIPS = ("self", "spouse", "child", "other")


def account_number(patient_id: int) -> str:
    return f"P{patient_id:06d}"


def clean_patient_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate patient fields (strings or dates); unknown or empty optional fields are dropped.

    Args:
        raw: field name to value as typed (dob may be a date or a string).

    Returns:
        The cleaned values ready for the Patient model.
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and value.strip() == "" and key not in
                             ("first_name", "last_name", "dob", "sex")):
            continue
        if key == "first_name":
            out[key] = v.name(value, field="First name", max_len=35)
        elif key == "last_name":
            out[key] = v.name(value, field="Last name", max_len=60)
        elif key == "middle_name":
            out[key] = v.name(value, field="Middle name", max_len=25)
        elif key == "dob":
            d = (value if isinstance(value, dt.date)
                 else parse_date(str(value), what="date of birth"))
            out[key] = v.dob(d)
        elif key == "sex":
            out[key] = v.sex(value)
        elif key in ("address", "address2"):
            out[key] = v.text(value, field="Address", max_len=55)
        elif key == "city":
            out[key] = v.text(value, field="City", max_len=30)
        elif key == "state":
            out[key] = v.state(value)
        elif key == "zip":
            out[key] = v.zip_code(value)
        elif key == "phone":
            out[key] = v.phone(value)
        elif key == "email":
            out[key] = v.email(value)
        elif key in ("release_of_info", "signature_date"):
            out |= _signature_field(key, value)
        else:
            raise InputError(f"Unknown patient field '{key}'")
    return out


RELEASE_CODES = ("Y", "I")  # 837P CLM09: signed release on file / informed consent only


def _signature_field(key: str, value: Any) -> dict[str, Any]:
    """CLM09 (box 12): ``release_of_info`` Y or I; ``signature_date``, not in the future."""
    if key == "release_of_info":
        code = str(value).strip().upper()
        if code not in RELEASE_CODES:
            raise InputError("Release of information must be Y or I",
                             "Use Y (signed release on file) or I (informed consent only)")
        return {key: code}
    d = value if isinstance(value, dt.date) else parse_date(str(value), what="signature date")
    if d > today():
        raise InputError(f"Signature date {d.isoformat()} is in the future",
                         "Give the date the patient signed")
    return {key: d}


def _find_duplicate(session: Session | Connection, first: str, last: str,
                    dob: dt.date) -> Row[Any] | None:
    from sqlalchemy import func, select

    from medbill_cli.db.tables import patient as p

    return session.execute(
        select(p.c.account).where(
            func.lower(p.c.first_name) == first.lower(),
            func.lower(p.c.last_name) == last.lower(),
            p.c.dob == dob,
        ).order_by(p.c.id).limit(1)
    ).first()


def add_patient(
    *, session: Session | Connection, user: str, allow_duplicate: bool = False, **raw: Any
) -> PatientRecord:
    """Register a patient and assign the account number.

    Core over ``db.tables`` (it runs on a session or a bare connection): ``patient add`` is
    typed at the front desk and must start fast.

    Args:
        session: the command's session or Core connection.
        user: who acts.
        allow_duplicate: register even when a patient with the same name and DOB exists.
        raw: first_name, last_name, dob, sex and the optional demographics.

    Returns:
        The new patient row, with its account number.
    """
    from sqlalchemy import insert, update

    from medbill_cli.db.tables import patient as p

    for req in ("first_name", "last_name", "dob", "sex"):
        if raw.get(req) in (None, ""):
            raise InputError(f"Missing {req.replace('_', ' ')}", f"Give --{req.replace('_', '-')}")
    fields = clean_patient_fields(raw)
    if not allow_duplicate:
        dup = _find_duplicate(session, fields["first_name"], fields["last_name"], fields["dob"])
        if dup is not None:
            raise DuplicateError(
                f"A patient with the same name and date of birth exists ({dup.account})",
                "Use that account, or --allow-duplicate if this is a different person",
            )
    pid = session.execute(insert(p).values(**fields).returning(p.c.id)).scalar_one()
    patient = PatientRecord.from_row(session.execute(
        update(p).where(p.c.id == pid).values(account=account_number(pid)).returning(*p.c)).one())
    audit.record(session=session, user=user, action="create", entity="patient",
                 entity_id=patient.account, after=audit.snapshot(patient))
    return patient


def get_patient(*, session: Session, account: str) -> Patient:
    from sqlmodel import select

    from medbill_cli.db.models import Patient

    acct = account.strip().upper()
    patient = session.exec(select(Patient).where(Patient.account == acct)).first()
    if patient is None:
        raise NotFoundError(f"No patient with account {account}",
                            "Find it with medbill patient search")
    return patient


def list_patients(*, session: Session, limit: int | None = None) -> list[Patient]:
    from sqlmodel import col, select

    from medbill_cli.db.models import Patient

    q = select(Patient).order_by(col(Patient.id))
    if limit:
        q = q.limit(limit)
    return list(session.exec(q).all())


def search_patients(*, session: Session, text: str, limit: int = 50) -> list[Patient]:
    """Find patients by account, date of birth, member id, or name ("last", "first last",
    "last, first")."""
    from sqlalchemy import func, or_
    from sqlmodel import col, select

    from medbill_cli.db.models import Coverage, Patient

    t = text.strip()
    if not t:
        raise InputError("Search text is empty", "Give a name, account, date of birth or member id")
    conds: list[Any] = [Patient.account == t.upper()]
    try:
        conds.append(Patient.dob == parse_date(t))
    except InputError:
        pass
    member_ids = select(Coverage.patient_id).where(func.upper(Coverage.member_id) == t.upper())
    conds.append(col(Patient.id).in_(member_ids))
    words = [w for w in t.replace(",", " ").split() if w]
    if words:
        name_conds = []
        for w in words:
            like = f"{w.lower()}%"
            name_conds.append(or_(func.lower(Patient.first_name).like(like),
                                  func.lower(Patient.last_name).like(like)))
        from sqlalchemy import and_

        conds.append(and_(*name_conds))
    q = select(Patient).where(or_(*conds)).order_by(col(Patient.last_name), col(Patient.first_name),
                                                    col(Patient.id)).limit(limit)
    return list(session.exec(q).all())


def update_patient(*, session: Session, user: str, account: str, **raw: Any) -> Patient:
    patient = get_patient(session=session, account=account)
    changes = {k: val for k, val in raw.items() if val is not None}
    if not changes:
        raise InputError("Nothing to update", "Give at least one field, e.g. --phone")
    fields = clean_patient_fields(changes)
    audit.update_record(session=session, user=user, obj=patient,
                        changes=fields | {"updated_at": utcnow()}, entity="patient",
                        entity_id=patient.account)
    return patient


# ---------------------------------------------------------------- coverage

def _covers(c: Coverage, start: dt.date | None, end: dt.date | None) -> bool:
    """Whether coverage c overlaps [start, end] (None = open)."""
    from medbill_cli.services.refs import covers

    return covers(c.effective, c.termination, start, end)


def clean_member_id(member_id: str) -> str:
    """A member id as stored (upper case), refused when empty, too long or too short."""
    mid = v.text(member_id, field="Member id", max_len=80).upper()
    if len(mid) < 2:
        raise InputError(f"Member id '{member_id}' is too short", "Copy it from the insurance card")
    return mid


def clean_group(group: str) -> str:
    """A group number as stored (upper case)."""
    return v.text(group, field="Group number", max_len=50).upper()


def clean_copay(copay: str) -> int:
    """A copay amount in cents."""
    return amount_cents(copay, "Copay")


def clean_subscriber(
    *, first_name: str | None = None, last_name: str | None = None,
    middle_name: str | None = None, dob: str | dt.date | None = None, sex: str | None = None,
) -> dict[str, Any]:
    """The subscriber fields given (None or empty ones left out), each validated."""
    out: dict[str, Any] = {}
    if first_name:
        out["subscriber_first_name"] = v.name(first_name, field="Subscriber first name",
                                              max_len=35)
    if last_name:
        out["subscriber_last_name"] = v.name(last_name, field="Subscriber last name", max_len=60)
    if middle_name:
        out["subscriber_middle_name"] = v.name(middle_name, field="Subscriber middle name",
                                               max_len=25)
    if dob:
        sdob = dob if isinstance(dob, dt.date) else parse_date(dob,
                                                               what="subscriber date of birth")
        out["subscriber_dob"] = v.dob(sdob, field="Subscriber date of birth")
    if sex:
        out["subscriber_sex"] = v.sex(sex)
    return out


def add_coverage(
    *, session: Session, user: str, account: str, payer: str, member_id: str,
    group: str | None = None, priority: str = "primary", relationship: str = "self",
    subscriber_first_name: str | None = None, subscriber_last_name: str | None = None,
    subscriber_middle_name: str | None = None, subscriber_dob: str | dt.date | None = None,
    subscriber_sex: str | None = None, effective: str | dt.date | None = None,
    termination: str | dt.date | None = None, copay: str | None = None,
    benefits_assigned: bool = True, insurance_type: str | None = None,
) -> Coverage:
    """Add insurance coverage to a patient.

    Args:
        session: the command's session.
        user: who acts.
        account: the patient's account number.
        payer: the payer id.
        member_id: the subscriber's member id on the card.
        group: the group number.
        priority: primary, secondary or tertiary.
        relationship: the patient's relationship to the subscriber.
        subscriber_first_name: the subscriber's name when not self, and likewise below.
        subscriber_last_name: see above.
        subscriber_middle_name: see above.
        subscriber_dob: see above.
        subscriber_sex: see above.
        effective: first date covered (None: any date).
        termination: last date covered (None: open).
        copay: the copay amount.
        benefits_assigned: the insured assigned benefits to the provider (CLM08, box 13).
        insurance_type: why Medicare pays second (837P SBR05: 12, 13, 14, 15, 16, 41, 42, 43,
            47), sent on claims to a Medicare payer as secondary or tertiary.

    Returns:
        The coverage.
    """
    from sqlmodel import select

    from medbill_cli.db.models import Coverage
    from medbill_cli.services.registration import get_payer

    patient = get_patient(session=session, account=account)
    payer_row: Payer = get_payer(session=session, payer_id=payer)
    prio = priority.strip().lower()
    if prio not in PRIORITIES:
        raise InputError(f"Priority '{priority}' must be primary, secondary or tertiary")
    rel = relationship.strip().lower()
    if rel not in RELATIONSHIPS:
        raise InputError(f"Relationship '{relationship}' must be self, spouse, child or other")
    ins_type = clean_insurance_type(insurance_type) if insurance_type is not None else None
    mid = clean_member_id(member_id)
    grp = clean_group(group) if group else None
    eff = (effective if isinstance(effective, dt.date) or effective is None
           else parse_date(effective, what="effective date"))
    term = (termination if isinstance(termination, dt.date) or termination is None
            else parse_date(termination, what="termination date"))
    if eff and term and term < eff:
        raise InputError("The termination date is before the effective date")
    sub: dict[str, Any] = {}
    if rel == "self":
        given = [x for x in (subscriber_first_name, subscriber_last_name, subscriber_dob,
                             subscriber_sex) if x]
        if given:
            raise InputError("Subscriber details are only for a relationship other than self",
                             "Drop the --subscriber-* options or give --relationship")
    else:
        if not (subscriber_first_name and subscriber_last_name and subscriber_dob
                and subscriber_sex):
            raise InputError(
                f"A {rel} coverage needs the subscriber's name, date of birth and sex",
                "Give --subscriber-first-name, --subscriber-last-name, --subscriber-dob and "
                "--subscriber-sex",
            )
        sub = {"subscriber_middle_name": None} | clean_subscriber(
            first_name=subscriber_first_name, last_name=subscriber_last_name,
            middle_name=subscriber_middle_name, dob=subscriber_dob, sex=subscriber_sex)
    copay_cents = clean_copay(copay) if copay is not None else None
    existing = session.exec(
        select(Coverage).where(Coverage.patient_id == patient.id, Coverage.priority == prio)
    ).all()
    for c in existing:
        if _covers(c, eff, term):
            raise InputError(
                f"Coverage {c.id} is already {prio} for {patient.account} on overlapping dates",
                f"End it first with medbill coverage end {c.id} --date DATE, "
                "or use another --priority",
            )
    assert patient.id is not None and payer_row.id is not None
    cov = Coverage(
        patient_id=patient.id, payer_id=payer_row.id, priority=prio, member_id=mid,
        group_number=grp, relationship=rel, effective=eff, termination=term,
        copay_cents=copay_cents, benefits_assigned=benefits_assigned,
        insurance_type=ins_type, **sub,
    )
    session.add(cov)
    session.flush()
    audit.record(session=session, user=user, action="create", entity="coverage",
                 entity_id=cov.id, after=audit.snapshot(cov))
    return cov


def clean_insurance_type(value: str) -> str:
    """An 837P SBR05 Medicare secondary payer type (12, 13, 14, 15, 16, 41, 42, 43, 47)."""
    from medbill_cli.x12.p837 import MEDICARE_SECONDARY_TYPES

    code = value.strip()
    if code not in MEDICARE_SECONDARY_TYPES:
        raise InputError(f"Insurance type '{value}' must be one of "
                         f"{', '.join(MEDICARE_SECONDARY_TYPES)}",
                         "12 working aged, 13 ESRD, 14 no-fault, 15 workers' compensation, ...")
    return code


def update_coverage(
    *, session: Session, user: str, coverage_id: int, reason: str,
    member_id: str | None = None, group: str | None = None, payer: str | None = None,
    subscriber_first_name: str | None = None, subscriber_last_name: str | None = None,
    subscriber_dob: str | dt.date | None = None, subscriber_sex: str | None = None,
    copay: str | None = None, benefits_assigned: bool | None = None,
    insurance_type: str | None = None,
) -> Coverage:
    """Fix a coverage's data (a member id a payer rejected): each value checked as
    ``add_coverage`` checks it; audited before/after with the reason.

    Raises:
        NotFoundError: no such coverage or payer.
        InputError: no reason, nothing to change, a bad value, subscriber details on a self
            coverage, or values equal to the stored ones.
    """
    from medbill_cli.db.models import Coverage
    from medbill_cli.services.registration import get_payer

    why = v.reason(reason, needed_for="A coverage correction", max_len=200)
    cov = session.get(Coverage, coverage_id)
    if cov is None:
        raise NotFoundError(f"No coverage {coverage_id}", "See medbill coverage list ACCOUNT")
    given = [member_id, group, payer, subscriber_first_name, subscriber_last_name,
             subscriber_dob, subscriber_sex, copay, benefits_assigned, insurance_type]
    if all(x is None for x in given):
        raise InputError(f"Nothing to change on coverage {coverage_id}",
                         "Give at least one of --member-id, --group, --payer, "
                         "--subscriber-*, --copay, --assignment/--no-assignment, "
                         "--insurance-type")
    new: dict[str, Any] = {}
    if member_id is not None:
        new["member_id"] = clean_member_id(member_id)
    if group is not None:
        new["group_number"] = clean_group(group)
    if payer is not None:
        new["payer_id"] = get_payer(session=session, payer_id=payer).id
    if copay is not None:
        new["copay_cents"] = clean_copay(copay)
    if benefits_assigned is not None:
        new["benefits_assigned"] = benefits_assigned
    if insurance_type is not None:
        new["insurance_type"] = clean_insurance_type(insurance_type)
    sub_given = [subscriber_first_name, subscriber_last_name, subscriber_dob, subscriber_sex]
    if any(x is not None for x in sub_given):
        if cov.relationship == "self":
            raise InputError(f"Coverage {coverage_id} is the patient's own (relationship self); "
                             "it has no separate subscriber", "Drop the --subscriber-* options")
        for label, x in zip(("first name", "last name", "date of birth", "sex"), sub_given,
                            strict=True):
            if x is not None and not str(x).strip():
                raise InputError(f"The subscriber {label} cannot be empty")
        new |= clean_subscriber(first_name=subscriber_first_name,
                                last_name=subscriber_last_name, dob=subscriber_dob,
                                sex=subscriber_sex)
    if all(getattr(cov, k) == x for k, x in new.items()):
        raise InputError(f"The change leaves coverage {coverage_id} as it is",
                         "Give the values that differ")
    audit.update_record(session=session, user=user, obj=cov, changes=new, entity="coverage",
                        entity_id=cov.id, reason=why)
    return cov


def list_coverages(*, session: Session, account: str) -> list[tuple[Coverage, Payer]]:
    from sqlmodel import col, select

    from medbill_cli.db.models import Coverage, Payer

    patient = get_patient(session=session, account=account)
    rows = session.exec(
        select(Coverage, Payer).join(Payer, col(Payer.id) == Coverage.payer_id)
        .where(Coverage.patient_id == patient.id)
        .order_by(col(Coverage.priority), col(Coverage.id))
    ).all()
    return [(c, p) for c, p in rows]


def end_coverage(*, session: Session, user: str, coverage_id: int, date: dt.date) -> Coverage:
    from medbill_cli.db.models import Coverage

    cov = session.get(Coverage, coverage_id)
    if cov is None:
        raise NotFoundError(f"No coverage {coverage_id}", "See medbill coverage list ACCOUNT")
    if cov.effective and date < cov.effective:
        raise InputError(
            f"The end date {date} is before the coverage's effective date {cov.effective}")
    before = audit.snapshot(cov)
    cov.termination = date
    session.add(cov)
    session.flush()
    audit.record(session=session, user=user, action="end", entity="coverage",
                 entity_id=cov.id, before=before, after=audit.snapshot(cov))
    return cov


# ---------------------------------------------------------------- history

HistoryCodeCheck = Callable[[Any, str], str]  # (session, code) -> the code as stored


def add_history(
    *, session: Session, user: str, account: str, condition: str | None = None,
    onset: dt.date | None = None, status: str = "active", allergy: str | None = None,
    note: str | None = None, code_check: HistoryCodeCheck | None = None,
) -> HistoryEntry:
    """Add one history entry: a condition (ICD-10-CM), an allergy or a note.

    ``code_check`` validates the condition against the loaded code set when one is given.
    """
    from medbill_cli.db.models import HistoryEntry

    patient = get_patient(session=session, account=account)
    given = [x for x in (condition, allergy, note) if x]
    if len(given) != 1:
        raise InputError("Give exactly one of --condition, --allergy or --note")
    st = status.strip().lower()
    if st not in ("active", "resolved"):
        raise InputError(f"Status '{status}' must be active or resolved")
    assert patient.id is not None
    if condition:
        code = v.icd10_format(condition)
        if code_check is not None:
            code = code_check(session, code)
        if onset and onset > dt.date.today():
            raise InputError(f"Onset {onset} is in the future")
        entry = HistoryEntry(patient_id=patient.id, kind="condition", code=code, onset=onset,
                             status=st)
    elif allergy:
        entry = HistoryEntry(patient_id=patient.id, kind="allergy",
                             text=v.text(allergy, field="Allergy", max_len=200), status=st)
    else:
        assert note
        entry = HistoryEntry(patient_id=patient.id, kind="note", text=v.note(note))
    session.add(entry)
    session.flush()
    audit.record(session=session, user=user, action="create", entity="history",
                 entity_id=entry.id, after=audit.snapshot(entry))
    return entry


def list_history(*, session: Session, account: str) -> list[HistoryEntry]:
    from sqlmodel import col, select

    from medbill_cli.db.models import HistoryEntry

    patient = get_patient(session=session, account=account)
    return list(session.exec(select(HistoryEntry).where(HistoryEntry.patient_id == patient.id)
                             .order_by(col(HistoryEntry.id))).all())


# ---------------------------------------------------------------- import

IMPORT_REQUIRED = ("first_name", "last_name", "dob", "sex")
IMPORT_OPTIONAL = ("middle_name", "address", "city", "state", "zip", "phone", "email",
                   "payer_id", "member_id", "group_number", "priority", "coverage_effective")


@dataclass
class ImportResult:
    created: list[Patient] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _GoodRow:
    line: int
    patient: dict[str, Any]
    coverage: dict[str, Any] | None


def _clean_import_row(
    row: dict[str, str], payers: dict[str, Payer | None], session: Session
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    from sqlmodel import select

    from medbill_cli.db.models import Payer

    pfields = {k: row.get(k, "") for k in IMPORT_REQUIRED + IMPORT_OPTIONAL[:7]}
    for req in IMPORT_REQUIRED:
        if not (pfields.get(req) or "").strip():
            raise InputError(f"{req} is empty")
    cleaned = clean_patient_fields(pfields)
    pid = (row.get("payer_id") or "").strip().upper()
    mid = (row.get("member_id") or "").strip()
    extra = [k for k in ("group_number", "priority", "coverage_effective")
             if (row.get(k) or "").strip()]
    if not (pid or mid):
        if extra:
            raise InputError(f"{extra[0]} needs payer_id and member_id")
        return cleaned, None
    if not (pid and mid):
        raise InputError("payer_id and member_id go together")
    if pid not in payers:
        payers[pid] = session.exec(select(Payer).where(Payer.payer_id == pid)).first()
    payer = payers[pid]
    if payer is None:
        raise NotFoundError(f"no payer with id {pid}")
    member = v.text(mid, field="Member id", max_len=80).upper()
    if len(member) < 2:
        raise InputError(f"member id '{mid}' is too short")
    prio = (row.get("priority") or "primary").strip().lower()
    if prio not in PRIORITIES:
        raise InputError(f"priority '{prio}' must be primary, secondary or tertiary")
    grp = (row.get("group_number") or "").strip()
    eff = (row.get("coverage_effective") or "").strip()
    cov = {
        "payer_id": payer.id, "member_id": member, "priority": prio, "relationship": "self",
        "group_number": v.text(grp, field="Group number", max_len=50).upper() if grp else None,
        "effective": parse_date(eff, what="coverage effective date") if eff else None,
    }
    return cleaned, cov


def import_patients(
    *, session: Session, user: str, rows: Iterable[tuple[int, dict[str, str]]],
    skip_bad: bool = False, progress: Callable[[int], None] | None = None,
    skipped: Sequence[tuple[int, str]] = (),
) -> ImportResult:
    """Register patients (and their own coverage) from rows of a CSV.

    Every row is checked first, so the user sees every bad line at once; all-or-nothing unless
    ``skip_bad``, in which case the good rows are written and the bad ones reported. A row is
    bad when a field is invalid, the payer is unknown, or the patient (same first and last name
    and date of birth) is already registered or appears earlier in the file.

    Args:
        session: the command's session.
        user: who acts.
        rows: (line number, column -> text), as from ``csvfile.read_rows``.
        skip_bad: import the good rows when some are bad.
        progress: called with 1 per row checked.
        skipped: rows the CSV reader already left out (a refused character), reported with
            the bad ones.

    Returns:
        The created patients and the bad rows, in line order.
    """
    from medbill_cli.db.models import Coverage, Patient

    result = ImportResult()
    payers: dict[str, Payer | None] = {}
    seen: dict[tuple[str, str, dt.date], int] = {}
    good: list[_GoodRow] = []
    row_list = list(rows)
    existing = _existing_keys(session, row_list)
    for line, row in row_list:
        try:
            pfields, cov = _clean_import_row(row, payers, session)
            key = (pfields["first_name"].lower(), pfields["last_name"].lower(), pfields["dob"])
            if key in existing:
                raise DuplicateError(f"already registered as {existing[key]}")
            if key in seen:
                raise DuplicateError(f"same patient as line {seen[key]}")
            seen[key] = line
            good.append(_GoodRow(line, pfields, cov))
        except InputError as exc:
            result.bad.append((line, str(exc).rstrip(".")))
        if progress:
            progress(1)
    result.bad = sorted([*skipped, *result.bad], key=lambda b: b[0])
    if result.bad and not skip_bad:
        from medbill_cli.errors import RowError

        raise RowError.nothing_imported(
            result.bad, "Fix them, or use --skip-bad to import the good rows")
    from medbill_cli.db.query import chunks

    for chunk in chunks(good, 1000):
        patients = [Patient(**g.patient) for g in chunk]
        session.add_all(patients)
        session.flush()
        for p in patients:
            assert p.id is not None
            p.account = account_number(p.id)
        session.flush()
        covs = [Coverage(patient_id=p.id, **g.coverage)
                for p, g in zip(patients, chunk, strict=True)
                if g.coverage is not None and p.id is not None]
        session.add_all(covs)
        session.flush()
        entries: list[audit.AuditEntry] = [
            ("create", "patient", p.account, None, audit.snapshot(p)) for p in patients
        ]
        entries += [("create", "coverage", c.id, None, audit.snapshot(c)) for c in covs]
        audit.record_many(session=session, user=user, entries=entries)
        result.created.extend(patients)
    return result


def _existing_keys(
    session: Session, rows: list[tuple[int, dict[str, str]]]
) -> dict[tuple[str, str, dt.date], str]:
    """(first, last, dob) of registered patients born on any DOB in the file -> account."""
    from sqlalchemy import select

    from medbill_cli.db.query import chunks
    from medbill_cli.db.tables import patient as p

    dobs: set[dt.date] = set()
    for _, row in rows:
        try:
            dobs.add(dt.date.fromisoformat((row.get("dob") or "").strip()))
        except ValueError:
            continue
    out: dict[tuple[str, str, dt.date], str] = {}
    for part in chunks(sorted(dobs)):
        q = select(p.c.first_name, p.c.last_name, p.c.dob, p.c.account).where(p.c.dob.in_(part))
        for first, last, dob, acct in session.execute(q).all():
            out[(first.lower(), last.lower(), dob)] = acct or ""
    return out
