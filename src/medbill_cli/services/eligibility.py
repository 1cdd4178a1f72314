"""Eligibility: 270 requests out, 271 answers in, the biller's summary, and the worklist check.

A request asks about each patient's primary coverage in force on the date. The patient goes in
the dependent loop (2000D) only when the coverage is not the patient's own (relationship other
than self): medbill then holds only the subscriber's member id, which is what the payer needs.
Each person asked about gets a trace number (TRN02), stored with the request; the 271 echoes it,
and that is how an answer finds its patient. Answers without a known trace are matched by member
id and name, and kept unmatched when that fails too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medbill_cli import dates
from medbill_cli.dates import in_force
from medbill_cli.errors import DuplicateError, InputError, NotFoundError
from medbill_cli.money import fmt
from medbill_cli.services import audit
from medbill_cli.x12 import p271

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row
    from sqlmodel import Session

    from medbill_cli.db.models.eligibility import EligibilityResponse
    from medbill_cli.x12 import p270

ACTIVE = frozenset("12345")
INACTIVE = frozenset("678")
OFFICE_VISIT = "98"
TOTAL_PERIODS = ("23", "22", "25")  # calendar year, service year, contract
REMAINING = "29"
_SERVICE_TYPE = re.compile(r"^[0-9A-Z]{1,2}$")


# ============================================================================ request


@dataclass
class RequestResult:
    temp: Path  # the finished file, to move into place after the commit
    output: Path
    control: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # accounts with no coverage (--date)


def service_types(values: Sequence[str]) -> tuple[str, ...]:
    """EQ01 codes as typed (``30``, ``98``, ``MH``); refuses anything that is not one."""
    out: list[str] = []
    for raw in values or ["30"]:
        code = raw.strip().upper()
        if not _SERVICE_TYPE.match(code):
            raise InputError(f"'{raw}' is not a service type code",
                             "Use an EQ01 code such as 30 (plan coverage) or 98 (office visit)")
        if code not in out:
            out.append(code)
    return tuple(out)


def _primary_on(covs: Iterable[Row[Any]], on: dt.date) -> Row[Any] | None:
    live = [c for c in covs if in_force(c.effective, c.termination, on)]
    if not live:
        return None
    order = {"primary": 0, "secondary": 1, "tertiary": 2}
    return min(live, key=lambda c: (order.get(c.priority, 9), -(c.id or 0)))


def _patients_for(conn: Connection, accounts: Sequence[str], on: dt.date) -> list[Row[Any]]:
    from sqlalchemy import select

    from medbill_cli.db import tables as t

    pt = t.patient
    if accounts:
        seen: dict[int, Row[Any]] = {}
        for a in accounts:
            p = conn.execute(select(pt).where(pt.c.account == a.strip().upper())).first()
            if p is None:
                raise NotFoundError(f"No patient with account {a}",
                                    "Find it with medbill patient search")
            seen.setdefault(p.id, p)
        return list(seen.values())
    enc = t.encounter
    ids = select(enc.c.patient_id).where(enc.c.date_of_service == on).distinct()
    return list(conn.execute(select(pt).where(pt.c.id.in_(ids)).order_by(pt.c.id)))


def _person(p: Any) -> p270.Person:
    from medbill_cli.x12 import p270

    return p270.Person(last_name=p.last_name, first_name=p.first_name, middle_name=p.middle_name,
                       dob=p.dob, sex=p.sex)


def _inquiry(trace: str, patient: Any, cov: Any, payer: Any, practice: Any,
             on: dt.date, types: tuple[str, ...]) -> p270.Inquiry:
    from medbill_cli.x12 import p270

    me = _person(patient)
    if cov.relationship == "self":
        subscriber = p270.Person(me.last_name, me.first_name, me.dob, me.sex, me.middle_name,
                                 cov.member_id)
        dependent = None
    else:
        subscriber = p270.Person(cov.subscriber_last_name or "", cov.subscriber_first_name or "",
                                 cov.subscriber_dob, cov.subscriber_sex,
                                 cov.subscriber_middle_name, cov.member_id)
        dependent = me
    return p270.Inquiry(trace=trace, payer_name=payer.name, payer_id=payer.payer_id,
                        provider_name=practice.name, provider_npi=practice.npi,
                        subscriber=subscriber, dependent=dependent, date_of_service=on,
                        service_types=types)


def request_eligibility(
    *, conn: Connection, user: str, accounts: Sequence[str], on: dt.date,
    types: tuple[str, ...], output: Path, now: dt.datetime | None = None,
) -> RequestResult:
    """Write a 270 for ``accounts`` (or everyone with an encounter on ``on``) and store the traces.

    Args:
        conn: the command's connection (committed by the caller).
        user: who acts.
        accounts: patient account numbers; empty means every patient seen on ``on``.
        on: the date of service asked about.
        types: EQ01 service type codes.
        output: where the file goes; it is written to a private temporary file beside it, which
            the caller moves into place once the transaction has committed.
        now: the interchange time (tests pin it).

    Returns:
        The temporary file, the control number and one row per person asked about.
    """
    from sqlalchemy import select

    from medbill_cli.db import dialect
    from medbill_cli.db import tables as t
    from medbill_cli.db.query import chunks
    from medbill_cli.x12 import p270

    practice = conn.execute(select(t.practice).order_by(t.practice.c.id)).first()
    if practice is None or not practice.npi:
        raise InputError("The practice is not set up", "Run medbill practice set first")
    if not output.parent.is_dir():
        raise InputError(f"Folder {output.parent} does not exist",
                         "Give --output in an existing folder")
    patients = _patients_for(conn, accounts, on)
    if not patients:
        raise InputError(f"No patient has an encounter on {on}", "Give account numbers instead")
    covs: dict[int, list[Row[Any]]] = {}
    for part in chunks([p.id for p in patients]):
        for c in conn.execute(select(t.coverage).where(t.coverage.c.patient_id.in_(part))):
            covs.setdefault(c.patient_id, []).append(c)
    payers = {p.id: p for p in conn.execute(select(t.payer))}
    from medbill_cli.services.counters import reserve_control_number

    control = reserve_control_number(conn)
    result = RequestResult(temp=output, output=output, control=control)
    inquiries: list[p270.Inquiry] = []
    rows: list[dict[str, Any]] = []
    for patient in patients:
        cov = _primary_on(covs.get(patient.id, []), on)
        if cov is None:
            if accounts:
                raise InputError(f"Patient {patient.account} has no coverage in force on {on}",
                                 f"Add it with medbill coverage add {patient.account}")
            result.skipped.append(str(patient.account))
            continue
        trace = f"{control}-{len(inquiries) + 1}"
        payer = payers[cov.payer_id]
        inquiries.append(_inquiry(trace, patient, cov, payer, practice, on, types))
        rows.append({"trace": trace, "patient_id": patient.id, "coverage_id": cov.id,
                     "payer_id": payer.id, "date_of_service": on, "service_types": " ".join(types),
                     "dependent": cov.relationship != "self", "isa_control": control,
                     "created_by": user})
        result.requests.append({"trace": trace, "account": patient.account,
                                "payer_id": payer.payer_id, "member_id": cov.member_id,
                                "loop": "dependent" if cov.relationship != "self" else "subscriber",
                                "date": on})
    if not inquiries:
        raise InputError(f"No patient seen on {on} has coverage in force", "Nothing to ask")
    env = p270.Envelope(sender_id=practice.submitter_id or practice.tin,
                        receiver_id=practice.receiver_id or "RECEIVER", control_number=control,
                        created=now or dt.datetime.now().replace(second=0, microsecond=0))
    text = p270.write_270(inquiries, env, originator=f"1{practice.tin}")
    dialect.insert_many(conn, t.eligibility_request, rows)
    audit.record_many(session=conn, user=user, entries=[
        ("request", "eligibility_request", r["trace"], None, audit_jsonable(r)) for r in rows])
    result.temp = _write_temp(output, text)
    return result


def audit_jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


def _write_temp(output: Path, text: str) -> Path:
    from medbill_cli.privfile import open_private

    fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        with open_private(tmp) as fh:
            fh.write(text.encode("ascii", "replace"))
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def finish_file(result: RequestResult) -> None:
    """Move the written 270 into place (after the commit): readers never see half a file."""
    os.replace(result.temp, result.output)


def discard_file(result: RequestResult | None) -> None:
    if result is not None and result.temp != result.output:
        result.temp.unlink(missing_ok=True)


# ============================================================================ the summary


def _pct(p: Decimal | None) -> str | None:
    if p is None:
        return None
    text = format((p * 100).quantize(Decimal("0.01")), "f").rstrip("0").rstrip(".")
    return f"{text}%"


def _general(b: p271.Benefit, asked: tuple[str, ...]) -> bool:
    return not b.service_types or bool(set(b.service_types) & ({"30", *asked}))


def _networks(b: p271.Benefit) -> tuple[str, ...]:
    if b.in_network == "Y":
        return ("in",)
    if b.in_network == "N":
        return ("out",)
    return ("in", "out")


def _status(a: p271.Answer, asked: tuple[str, ...]) -> str:
    general = [b for b in a.benefits if _general(b, asked)]
    if any(b.code in ACTIVE for b in general):
        return "active"
    if any(b.code in INACTIVE for b in general):
        return "inactive"
    if a.rejections:
        return "rejected"
    return "unknown"


def _plan_dates(a: p271.Answer) -> tuple[dt.date | None, dt.date | None]:
    begin: dt.date | None = None
    end: dt.date | None = None
    dates = list(a.dates) + [d for b in a.benefits if b.code in ACTIVE for d in b.dates]
    for d in dates:
        if d.qualifier in ("346", "356") and begin is None:
            begin = d.start
        elif d.qualifier in ("347", "357") and end is None:
            end = d.start
        elif d.qualifier in ("291", "307") and d.end is not None:
            begin = begin or d.start
            end = end or d.end
    return begin, end


def _amounts(a: p271.Answer, code: str, asked: tuple[str, ...], out: dict[str, Any],
             prefix: str) -> None:
    """Deductible (C) or out-of-pocket (G): total and remaining, individual and family."""
    for b in a.benefits:
        if b.code != code or not _general(b, asked) or b.amount_cents is None:
            continue
        who = "family_" if b.level == "FAM" else "" if b.level in ("", "IND") else None
        if who is None:
            continue
        if b.period in TOTAL_PERIODS:
            part = "total"
        elif b.period == REMAINING:
            part = "remaining"
        else:
            continue
        for net in _networks(b):
            key = f"{who}{prefix}_{net}_{part}"
            if out.get(key) is None or b.in_network in ("Y", "N"):
                out[key] = fmt(b.amount_cents)


def _office(a: p271.Answer, code: str, asked: tuple[str, ...]) -> list[p271.Benefit]:
    found = [b for b in a.benefits if b.code == code and OFFICE_VISIT in b.service_types]
    return found or [b for b in a.benefits if b.code == code and _general(b, asked)]


def _other_payers(a: p271.Answer) -> list[str]:
    out: list[str] = []
    for b in a.benefits:
        if b.code != "R":
            continue
        names = [f"{e.name} ({e.id})" if e.id else e.name for e in b.entities if e.name]
        text = "; ".join(names) or b.plan_name or " ".join(b.messages) or "another payer"
        if b.insurance_type:
            text += f" [{b.insurance_type}]"
        out.append(text)
    return out


def _rejections(a: p271.Answer) -> list[dict[str, str]]:
    table = p271.aaa_reasons()
    return [{"code": r.reason, "reason": p271.reason_words(r.reason),
             "fix": table.get(r.reason, ("", ""))[1],
             "follow_up": p271.FOLLOW_UP.get(r.follow_up, r.follow_up), "loop": r.loop}
            for r in a.rejections]


SUMMARY_AMOUNTS = tuple(
    f"{who}{what}_{net}_{part}" for what in ("deductible", "oop") for who in ("", "family_")
    for net in ("in", "out") for part in ("total", "remaining"))


def summarize(a: p271.Answer, on: dt.date, asked: tuple[str, ...] = ("30",)) -> dict[str, Any]:
    """The biller's summary of one answer (pure).

    Args:
        a: the parsed answer.
        on: the date it speaks for (the date asked about).
        asked: the service types asked about.

    Returns:
        Status on the date, plan, dates, copay and coinsurance for office visits in and out of
        network, deductible and out-of-pocket totals and remaining, other payers, rejections.
    """
    status = _status(a, asked)
    begin, end = _plan_dates(a)
    note = None
    if status == "active" and not in_force(begin, end, on):
        status, note = "inactive", f"the plan dates do not cover {on}"
    active = [b for b in a.benefits if b.code in ACTIVE and _general(b, asked)]
    plan = next((b.plan_name for b in active if b.plan_name), None) or next(
        (b.plan_name for b in a.benefits if b.plan_name and b.code != "R"), None)
    out: dict[str, Any] = {
        "status": status, "on_date": on.isoformat(), "note": note, "plan_name": plan,
        "insurance_type": next((b.insurance_type for b in active if b.insurance_type), None),
        "plan_begin": begin.isoformat() if begin else None,
        "plan_end": end.isoformat() if end else None,
        "group_number": a.group_number or None,
        "copay_in_network": None, "copay_out_of_network": None,
        "coinsurance_in_network": None, "coinsurance_out_of_network": None,
    }
    for key, code in (("copay", "B"), ("coinsurance", "A")):
        for b in _office(a, code, asked):
            value = fmt(b.amount_cents) if code == "B" and b.amount_cents is not None else (
                _pct(b.percent) if code == "A" else None)
            for net in _networks(b):
                k = f"{key}_{net}_network" if net == "in" else f"{key}_out_of_network"
                if value is not None and (out[k] is None or b.in_network in ("Y", "N")):
                    out[k] = value
    for k in SUMMARY_AMOUNTS:
        out[k] = None
    _amounts(a, "C", asked, out, "deductible")
    _amounts(a, "G", asked, out, "oop")
    out["other_payers"] = _other_payers(a)
    out["rejections"] = _rejections(a)
    out["rejection"] = "; ".join(f"{r['code']}: {r['reason']}" for r in out["rejections"]) or None
    return out


# ============================================================================ import


@dataclass
class ImportResult:
    matched: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)


def _on_date(a: p271.Answer) -> dt.date | None:
    for d in a.dates:
        if d.qualifier in ("291", "307", "472") and d.end is None:
            return d.start
    return None


def _match_member(conn: Connection, a: p271.Answer) -> tuple[int, str, int] | None:
    """(patient id, account, coverage id) of the one patient with the answer's member id and
    name (and birth date, when the answer gives one)."""
    from sqlalchemy import select

    from medbill_cli.db import tables as t

    if not a.member_id:
        return None
    pt, cv = t.patient, t.coverage
    rows = conn.execute(select(pt.c.id, pt.c.account, pt.c.first_name, pt.c.last_name, pt.c.dob,
                               cv.c.id.label("coverage_id"))
                        .join(cv, cv.c.patient_id == pt.c.id)
                        .where(cv.c.member_id == a.member_id.upper())
                        .order_by(cv.c.id)).all()
    hits = [r for r in rows
            if r.last_name.upper() == a.last_name.upper()
            and r.first_name.upper() == a.first_name.upper()
            and (a.dob is None or r.dob == a.dob)]
    if len({r.id for r in hits}) != 1:
        return None
    return hits[-1].id, hits[-1].account, hits[-1].coverage_id


def import_271(*, conn: Connection, user: str, data: bytes, name: str) -> ImportResult:
    """Store every answer of a 271, matched to its request by trace, else by member id and name.

    Args:
        conn: the command's connection.
        user: who acts.
        data: the file's bytes.
        name: the file's name, for messages.

    Returns:
        The matched and the unmatched answers (both stored).
    """
    from sqlalchemy import select

    from medbill_cli.db import dialect
    from medbill_cli.db import tables as t
    from medbill_cli.db.query import chunks

    try:
        inter = p271.parse_271(data)
    except p271.Eligibility271Error as exc:
        raise InputError(f"{name} is not a readable 271: {exc}", "Check the file") from None
    digest = hashlib.sha256(data).hexdigest()
    er = t.eligibility_response
    if conn.execute(select(er.c.id).where(er.c.file_hash == digest).limit(1)).first():
        raise DuplicateError(f"{name} was already imported", "Nothing to do")
    traces = [a.trace for a in inter.answers if a.trace]
    requests: dict[str, Row[Any]] = {}
    for part in chunks(traces):
        q = select(t.eligibility_request).where(t.eligibility_request.c.trace.in_(part))
        for r in conn.execute(q):
            requests[r.trace] = r
    accounts: dict[int | None, str | None] = {}
    pids = sorted({r.patient_id for r in requests.values()})
    for ids in chunks(pids):
        for pid, acct in conn.execute(select(t.patient.c.id, t.patient.c.account)
                                      .where(t.patient.c.id.in_(ids))):
            accounts[pid] = acct
    result = ImportResult()
    rows: list[dict[str, Any]] = []
    today = dates.today()
    for a in inter.answers:
        req = requests.get(a.trace or "")
        row: dict[str, Any] = {"request_id": None, "patient_id": None, "coverage_id": None,
                               "matched_by": None}
        asked: tuple[str, ...] = ("30",)
        on = _on_date(a) or today
        if req is not None:
            row.update(request_id=req.id, patient_id=req.patient_id, coverage_id=req.coverage_id,
                       matched_by="trace")
            asked, on = tuple(req.service_types.split()), req.date_of_service
        else:
            hit = _match_member(conn, a)
            if hit is not None:
                row.update(patient_id=hit[0], coverage_id=hit[2], matched_by="member")
                accounts[hit[0]] = hit[1]
        summary = summarize(a, on, asked)
        copay = next((b.amount_cents for b in _office(a, "B", asked)
                      if b.amount_cents is not None and b.in_network in ("Y", "W", "")), None)
        row.update(trace=a.trace, payer_code=a.payer_id or None, member_id=a.member_id or None,
                   last_name=a.last_name or None, first_name=a.first_name or None, dob=a.dob,
                   on_date=on, status=summary["status"], plan_name=summary["plan_name"],
                   copay_cents=copay, summary=json.dumps(summary, sort_keys=True),
                   file_hash=digest, isa_control=inter.control_number[:9], created_by=user)
        rows.append(row)
        shown = {"trace": a.trace, "account": accounts.get(row["patient_id"]),
                 "matched_by": row["matched_by"], "status": summary["status"],
                 "member_id": a.member_id, "reason": summary["rejection"]}
        (result.matched if row["matched_by"] else result.unmatched).append(shown)
    if not rows:
        raise InputError(f"{name} holds no eligibility answer", "Check the file")
    ids = dialect.insert_many(conn, t.eligibility_response, rows, ids=True)
    audit.record_many(session=conn, user=user, entries=[
        ("import", "eligibility_response", i,
         None, {"trace": r["trace"], "patient_id": r["patient_id"], "status": r["status"],
                "matched_by": r["matched_by"], "file_hash": digest})
        for i, r in zip(ids, rows, strict=True)])
    return result


# ============================================================================ show


def latest_answer(*, session: Session, patient_id: int) -> EligibilityResponse | None:
    from sqlmodel import col, select

    from medbill_cli.db.models.eligibility import EligibilityResponse

    return session.exec(select(EligibilityResponse)
                        .where(EligibilityResponse.patient_id == patient_id)
                        .order_by(col(EligibilityResponse.id).desc())).first()


def show_eligibility(*, session: Session, user: str, account: str,
                     apply: bool = False) -> dict[str, Any]:
    """The latest answer for a patient as the biller's summary; ``apply`` sets the coverage's copay.

    Args:
        session: the command's session.
        user: who acts (for the audit trail when applying).
        account: the patient's account number.
        apply: copy the answer's in-network office-visit copay to the coverage it answers for.

    Returns:
        The summary with the account, the answer id and when it was imported.
    """
    from medbill_cli.db.models.registration import Coverage
    from medbill_cli.services.patients import get_patient

    patient = get_patient(session=session, account=account)
    assert patient.id is not None
    resp = latest_answer(session=session, patient_id=patient.id)
    if resp is None:
        raise NotFoundError(f"No eligibility answer for {patient.account}",
                            f"Request one with medbill eligibility request {patient.account} "
                            "--output FILE.270 and import the 271")
    out: dict[str, Any] = {"account": patient.account, "answer": resp.id,
                           "received": resp.created_at.date().isoformat(),
                           "payer_id": resp.payer_code, "member_id": resp.member_id}
    out.update(json.loads(resp.summary))
    if apply:
        if resp.copay_cents is None:
            raise InputError(f"Answer {resp.id} gives no in-network office-visit copay",
                             "Nothing to apply")
        cov = session.get(Coverage, resp.coverage_id) if resp.coverage_id else None
        if cov is None:
            raise InputError(f"Answer {resp.id} is not matched to a coverage", "Nothing to apply")
        if cov.copay_cents != resp.copay_cents:
            before = audit.snapshot(cov)
            cov.copay_cents = resp.copay_cents
            session.add(cov)
            session.flush()
            audit.record(session=session, user=user, action="apply-eligibility", entity="coverage",
                         entity_id=cov.id, before=before, after=audit.snapshot(cov))
        out["applied_copay"] = fmt(resp.copay_cents)
    return out


# ============================================================================ worklist


@dataclass(frozen=True)
class WorklistItem:
    """One patient to check before the visit (worklist kind ``eligibility``)."""

    kind: str
    account: str
    date: dt.date
    reason: str
    fix: str


def eligibility_worklist(session: Session, on_date: dt.date) -> list[WorklistItem]:
    """Patients with an encounter on ``on_date`` whose latest answer for that date is missing,
    inactive, rejected or unclear.

    Args:
        session: a read session.
        on_date: the day to check (the worklist passes tomorrow).

    Returns:
        One item per patient, by account.
    """
    from sqlmodel import col, select

    from medbill_cli.db.models.charges import Encounter
    from medbill_cli.db.models.eligibility import EligibilityResponse
    from medbill_cli.db.models.registration import Patient

    pids = select(Encounter.patient_id).where(Encounter.date_of_service == on_date).distinct()
    patients = session.exec(select(Patient.id, Patient.account).where(col(Patient.id).in_(pids))
                            .order_by(col(Patient.account))).all()
    latest: dict[int, EligibilityResponse] = {}
    q = (select(EligibilityResponse).where(EligibilityResponse.on_date == on_date,
                                           col(EligibilityResponse.patient_id).in_(pids))
         .order_by(col(EligibilityResponse.id)))
    for row in session.exec(q):
        if row.patient_id is not None:
            latest[row.patient_id] = row
    out: list[WorklistItem] = []
    for pid, account in patients:
        r = latest.get(pid) if pid is not None else None
        acct = account or ""
        fix = f"medbill eligibility request {acct} --date {on_date} --output FILE.270"
        if r is None:
            out.append(WorklistItem("eligibility", acct, on_date, "no eligibility answer", fix))
        elif r.status != "active":
            why = json.loads(r.summary).get("rejection") or r.status
            out.append(WorklistItem("eligibility", acct, on_date, f"eligibility {r.status}: {why}"
                                    if why != r.status else f"eligibility {r.status}",
                                    f"medbill eligibility show {acct}"))
    return out
