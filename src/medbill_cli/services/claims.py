"""Claims: generate from unbilled charges, scrub, export 837P batches exactly once, resubmit.

Exactly once: ``export_claims`` writes the batch to a temporary file beside the output, records
the batch (control number, hash, compressed bytes) and marks its claims ``submitted`` in the
command's transaction, renames the file into place, and only then does the command commit. A
crash before the commit leaves the claims ``ready`` (and at most a stray file that the next run
overwrites); a crash after it leaves a complete file that ``claim batch show`` can re-create.
Control numbers are reserved in a transaction of their own, so they never repeat, even across
crashes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import signal
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from medbill_cli.db.models import (
    Batch,
    Charge,
    Claim,
    ClaimFinding,
    ClaimLine,
    Code,
    Coverage,
    Encounter,
    EncounterDiagnosis,
    MueEdit,
    Patient,
    Payer,
    Practice,
    Provider,
    PtpEdit,
    Setting,
)
from medbill_cli.db.models._base import utcnow
from medbill_cli.errors import InputError, NotFoundError
from medbill_cli.money import fmt
from medbill_cli.privfile import open_private
from medbill_cli.scrub import checks
from medbill_cli.scrub.view import ClaimView, DxInfo, Finding, LineView, ProcInfo, PtpInfo
from medbill_cli.services import audit
from medbill_cli.services.registration import require_practice
from medbill_cli.x12 import p837

STATUSES = ("draft", "held", "ready", "submitted", "accepted", "rejected", "paid", "denied", "closed")
SCRUBBABLE = ("draft", "held", "ready")
EXPORT_FORMATS = ("x12", "json", "csv")
MAX_LINES = p837.MAX_LINES
MAX_DX = p837.MAX_DIAGNOSES
CONTROL_KEY = "x12.control_number"
PCN_KEY = "claim.pcn_seq"
CHUNK = 500

T = TypeVar("T")


def _chunks(items: Sequence[T], n: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), n):
        yield items[i: i + n]


def _fault(point: str) -> None:
    """Test hook: ``MEDBILL_FAULT=<point>`` kills the process there (as a crash would)."""
    if os.environ.get("MEDBILL_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _lock_setting(session: Session, key: str) -> Setting:
    q = select(Setting).where(Setting.key == key)
    if session.get_bind().dialect.name == "postgresql":
        # Two exports at once on a new database: both would insert the counter. Create it
        # if missing without conflict, then lock it. (SQLite writers are serialized already.)
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(Setting).values(key=key, value="0")
                        .on_conflict_do_nothing(index_elements=["key"]))
        q = q.with_for_update()
    row = session.exec(q).first()
    if row is None:
        row = Setting(key=key, value="0")
        session.add(row)
        session.flush()
    return row


def _next_numbers(session: Session, key: str, n: int) -> int:
    """Reserve ``n`` numbers of counter ``key``; returns the first."""
    row = _lock_setting(session, key)
    first = int(row.value) + 1
    row.value = str(first + n - 1)
    session.add(row)
    session.flush()
    return first


# ============================================================================ generate


@dataclass
class GenerateResult:
    claims: list[Any] = field(default_factory=list)  # claim-like rows: id, pcn, status, ...
    skipped_no_coverage: int = 0


def _primary_coverage(covs: list[Any], dos: dt.date) -> Any | None:
    """The primary coverage on ``dos``; else the nearest one (so the scrubber can hold it)."""
    prim = [c for c in covs if c.priority == "primary"]
    active = [c for c in prim if (c.effective is None or c.effective <= dos)
              and (c.termination is None or dos <= c.termination)]
    if active:
        return max(active, key=lambda c: (c.effective or dt.date.min, c.id or 0))
    if not prim:
        return None
    return min(prim, key=lambda c: abs(((c.termination or c.effective or dos) - dos).days))


def generate_claims(
    *, session: Session, user: str, through: dt.date | None = None, account: str | None = None,
) -> GenerateResult:
    """Turn unbilled charges into claims.

    One claim per patient, payer (the primary coverage on the date of service), rendering
    provider and place of service; at most 50 lines and 12 diagnoses per claim (split beyond).
    The charges become ``billed``.

    Args:
        session: the command's session.
        user: who acts.
        through: only charges with a date of service on or before this date.
        account: only this patient's charges.

    Returns:
        The new claims, and how many charges were left unbilled for lack of any coverage.
    """
    require_practice(session=session)
    q = select(Charge.__table__).where(Charge.status == "unbilled")  # type: ignore[call-overload]
    if through is not None:
        q = q.where(Charge.date_of_service <= through)
    if account is not None:
        pat = session.exec(select(Patient).where(Patient.account == account.strip().upper())).first()
        if pat is None:
            raise NotFoundError(f"No patient with account {account}", "Find it with medbill patient search")
        q = q.where(Charge.patient_id == pat.id)
    q = q.order_by(col(Charge.patient_id), col(Charge.date_of_service), col(Charge.id))
    if session.get_bind().dialect.name == "postgresql":
        # Two billers generating at once: the second waits, then sees these charges billed.
        q = q.with_for_update()
    charges = list(session.execute(q))
    result = GenerateResult()
    if not charges:
        return result

    patient_ids = sorted({c.patient_id for c in charges})
    encounter_ids = sorted({c.encounter_id for c in charges})
    covs: dict[int, list[Any]] = defaultdict(list)
    for ids in _chunks(patient_ids):
        for cv in _rows(session, Coverage, col(Coverage.patient_id).in_(ids)):
            covs[cv.patient_id].append(cv)
    enc_provider: dict[int, int | None] = {}
    dx_by_enc: dict[int, dict[int, str]] = defaultdict(dict)
    for ids in _chunks(encounter_ids):
        for enc_id, prov_id in session.execute(select(Encounter.id, Encounter.provider_id)  # type: ignore[call-overload]
                                               .where(col(Encounter.id).in_(ids))):
            enc_provider[enc_id] = prov_id
        for enc_id, seq, code in session.execute(
            select(EncounterDiagnosis.encounter_id, EncounterDiagnosis.seq, EncounterDiagnosis.code)  # type: ignore[call-overload]
            .where(col(EncounterDiagnosis.encounter_id).in_(ids))
        ):
            dx_by_enc[enc_id][seq] = code

    def charge_dx(c: Any) -> list[str]:
        codes = dx_by_enc.get(c.encounter_id, {})
        out = []
        for p in c.dx_pointers.split():
            if p.isdigit() and int(p) in codes:
                out.append(codes[int(p)])
        return out

    groups: dict[tuple[int, int, int | None, str], list[Any]] = defaultdict(list)
    for c in charges:
        cov = _primary_coverage(covs.get(c.patient_id, []), c.date_of_service)
        if cov is None:
            result.skipped_no_coverage += 1
            continue
        assert cov.id is not None
        provider = c.provider_id if c.provider_id is not None else enc_provider.get(c.encounter_id)
        groups[(c.patient_id, cov.id, provider, c.pos)].append(c)

    # Split each group into claims of at most 50 lines and 12 diagnoses.
    planned: list[tuple[tuple[int, int, int | None, str], list[Any]]] = []
    for key, items in groups.items():
        cur: list[Any] = []
        cur_dx: set[str] = set()
        for c in items:
            dx = set(charge_dx(c))
            if cur and (len(cur) >= MAX_LINES or len(cur_dx | dx) > MAX_DX):
                planned.append((key, cur))
                cur, cur_dx = [], set()
            cur.append(c)
            cur_dx |= dx
        if cur:
            planned.append((key, cur))

    cov_by_id = {cv.id: cv for lst in covs.values() for cv in lst}
    first_pcn = _next_numbers(session, PCN_KEY, len(planned))
    claims: list[dict[str, Any]] = []
    line_plan: list[list[tuple[Any, str]]] = []
    created_at = utcnow()
    for n, ((patient_id, cov_id, provider, pos), items) in enumerate(planned):
        dx_order: list[str] = []
        for c in items:
            for code in charge_dx(c):
                if code not in dx_order:
                    dx_order.append(code)
        lines = []
        for c in items:
            ptrs = " ".join(str(dx_order.index(code) + 1) for code in charge_dx(c))
            lines.append((c, ptrs))
        # Plain rows, inserted in bulk: 10,000 ORM objects would cost seconds.
        claims.append(dict(
            pcn=f"C{first_pcn + n:08d}", patient_id=patient_id, coverage_id=cov_id,
            payer_id=cov_by_id[cov_id].payer_id, provider_id=provider, pos=pos, status="draft", frequency="1",
            total_cents=sum(c.amount_cents for c in items), diagnoses=" ".join(dx_order),
            first_dos=min(c.date_of_service for c in items),
            last_dos=max(c.date_of_service for c in items), created_at=created_at, created_by=user,
        ))
        line_plan.append(lines)
    conn = session.connection()
    claim_table: Any = Claim.__table__
    for chunk in _chunks(claims, 5000):
        conn.execute(insert(claim_table), list(chunk))
    ids_by_pcn: dict[str, int] = {}
    for chunk in _chunks([c["pcn"] for c in claims], 2000):
        ids_by_pcn.update({p: i for p, i in conn.execute(select(Claim.pcn, Claim.id)  # type: ignore[call-overload]
                                                        .where(col(Claim.pcn).in_(chunk)))})
    new_ids = [ids_by_pcn[c["pcn"]] for c in claims]
    entries: list[audit.AuditEntry] = []
    line_rows: list[dict[str, Any]] = []
    for claim, cid, lines in zip(claims, new_ids, line_plan, strict=True):
        claim["id"] = cid
        for i, (c, ptrs) in enumerate(lines, start=1):
            line_rows.append({"claim_id": cid, "line_number": i, "charge_id": c.id, "dx_pointers": ptrs})
        snap = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in claim.items()}
        # The claim's charges become billed with it: one entry records both.
        snap["charges_billed"] = [c.id for c, _ in lines]
        entries.append(("create", "claim", claim["pcn"], None, snap))
    line_table: Any = ClaimLine.__table__
    for chunk in _chunks(line_rows, 5000):
        conn.execute(insert(line_table), list(chunk))
    billed_ids = [c.id for _, items in planned for c in items]
    for ids in _chunks(billed_ids, 2000):
        session.execute(update(Charge).where(col(Charge.id).in_(ids)).values(status="billed"),
                        execution_options={"synchronize_session": False})
    audit.record_many(session=session, user=user, entries=entries)
    result.claims = [SimpleNamespace(batch_id=None, **c) for c in claims]  # type: ignore[misc]
    return result


# ============================================================================ scrub


@dataclass
class ScrubResult:
    claim: Any  # the claim's row as it was before the scrub
    findings: list[Finding]
    status: str = ""  # held or ready


_CPT_RE = re.compile(r"^\d{4}[0-9FTU]$")


def _codes_by(session: Session, systems: tuple[str, ...], codes: Iterable[str]) -> dict[str, list[Code]]:
    out: dict[str, list[Code]] = defaultdict(list)
    cs = sorted(set(codes))
    for ids in _chunks(cs, 900):
        for row in session.exec(select(Code).where(col(Code.system).in_(systems), col(Code.code).in_(ids))):
            out[row.code].append(row)
    return out


def _loaded(session: Session, system: str) -> bool:
    return session.exec(select(Code.id).where(Code.system == system).limit(1)).first() is not None


def _valid_on(rows: list[Code], dos: dt.date) -> Code | None:
    ok = [r for r in rows if r.effective <= dos and (r.termination is None or dos <= r.termination)]
    return max(ok, key=lambda r: r.effective) if ok else None


def _is_manifestation(row: Code) -> bool:
    if row.notes:
        try:
            notes = json.loads(row.notes)
        except ValueError:
            notes = None
        if isinstance(notes, dict):
            for k, v in notes.items():
                if k.lower().replace(" ", "_").replace("-", "_") in ("code_first", "codefirst") and v:
                    return True
    return "in diseases classified elsewhere" in (row.long_description or "").lower()


class _Reference:
    """Reference data for a set of claims, loaded in bulk."""

    def __init__(self, session: Session, dx: set[str], procs: set[str], mods: set[str]) -> None:
        self.icd_loaded = _loaded(session, "icd10cm")
        self.cpt_loaded = _loaded(session, "cpt")
        self.hcpcs_loaded = _loaded(session, "hcpcs")
        self.mod_loaded = _loaded(session, "modifier")
        self.dx = _codes_by(session, ("icd10cm",), dx) if self.icd_loaded else {}
        self.procs = _codes_by(session, ("cpt", "hcpcs"), procs)
        self.mods = _codes_by(session, ("modifier",), mods) if self.mod_loaded else {}
        self.mue: dict[str, list[MueEdit]] = defaultdict(list)
        self.ptp: dict[str, list[PtpEdit]] = defaultdict(list)
        pl = sorted(procs)
        for ids in _chunks(pl, 900):
            for m in session.exec(select(MueEdit).where(col(MueEdit.code).in_(ids))):
                self.mue[m.code].append(m)
            for e in session.exec(select(PtpEdit).where(col(PtpEdit.column1).in_(ids))):
                if e.column2 in procs:
                    self.ptp[e.column1].append(e)

    def dx_info(self, code: str, dos: dt.date) -> DxInfo:
        if not self.icd_loaded:
            return DxInfo(code)
        rows = self.dx.get(code, [])
        if not rows:
            return DxInfo(code, known=False)
        row = _valid_on(rows, dos)
        if row is None:
            return DxInfo(code, valid_on_dos=False)
        return DxInfo(code, billable=row.billable, manifestation=_is_manifestation(row),
                      description=row.long_description)

    def proc_info(self, code: str, dos: dt.date) -> ProcInfo | None:
        loaded = self.cpt_loaded if _CPT_RE.match(code) else self.hcpcs_loaded
        rows = self.procs.get(code, [])
        if not rows:
            return ProcInfo(code, known=False) if loaded else None
        return ProcInfo(code, valid_on_dos=_valid_on(rows, dos) is not None)

    def unknown_mods(self, mods: tuple[str, ...], dos: dt.date) -> tuple[str, ...]:
        if not self.mod_loaded:
            return ()
        return tuple(m for m in mods if _valid_on(self.mods.get(m, []), dos) is None)

    def mue_for(self, code: str, dos: dt.date) -> MueEdit | None:
        ok = [m for m in self.mue.get(code, []) if m.effective is None or m.effective <= dos]
        return max(ok, key=lambda m: (m.effective or dt.date.min, m.id or 0)) if ok else None

    def ptp_for(self, codes: set[str], dates: set[dt.date]) -> tuple[PtpInfo, ...]:
        out = []
        for c1 in codes:
            for e in self.ptp.get(c1, []):
                if e.column2 in codes and e.column1 != e.column2 and any(
                    e.effective <= d and (e.deletion is None or d <= e.deletion) for d in dates
                ):
                    out.append(PtpInfo(e.column1, e.column2, e.modifier_indicator))
        return tuple(out)


def _address_complete(p: Patient) -> bool:
    return bool(p.address and p.city and p.state and p.zip)


def _rows(session: Session, model: Any, where: Any) -> list[Any]:
    """Rows of a table as light read-only records (attribute access, no ORM objects)."""
    return list(session.execute(select(model.__table__).where(where)))  # type: ignore[call-overload]


def _claims_by_ids(session: Session, ids: Sequence[int]) -> list[Any]:
    out: list[Any] = []
    for chunk in _chunks(list(ids)):
        out.extend(_rows(session, Claim, col(Claim.id).in_(chunk)))
    out.sort(key=lambda r: r.id)
    return out


def _load_lines(session: Session, claim_ids: Sequence[int]) -> dict[int, list[tuple[Any, Any]]]:
    """Each claim's lines as (line, charge) pairs; both are the same light row (no ORM objects)."""
    out: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    cols = (ClaimLine.claim_id, ClaimLine.line_number, ClaimLine.charge_id, ClaimLine.dx_pointers,
            col(Charge.id).label("id"), Charge.code, Charge.modifiers, Charge.units, Charge.amount_cents,
            Charge.date_of_service, Charge.patient_id, Charge.pos, Charge.ndc, Charge.ndc_unit, Charge.ndc_quantity)
    for chunk in _chunks(list(claim_ids)):
        q = (select(*cols).join(Charge, col(Charge.id) == ClaimLine.charge_id)  # type: ignore[call-overload]
             .where(col(ClaimLine.claim_id).in_(chunk)).order_by(col(ClaimLine.claim_id), col(ClaimLine.line_number)))
        for row in session.execute(q):
            out[row.claim_id].append((row, row))
    return out


def _by_id(session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, Any] = {}
    for chunk in _chunks(wanted):
        for row in _rows(session, model, col(model.id).in_(chunk)):
            out[row.id] = row
    return out


def scrub_claims(
    *, session: Session, user: str, claim_ids: Sequence[int] | None = None, today: dt.date | None = None,
) -> list[ScrubResult]:
    """Run every edit on the claims; clean ones become ``ready``, others ``held`` with findings.

    Args:
        session: the command's session.
        user: who acts.
        claim_ids: these claims (draft, held or ready); None: every claim not yet submitted.
        today: the date for timely filing (default: today).

    Returns:
        Each claim with its findings.
    """
    from medbill_cli.dates import today as _today

    today = today or _today()
    if claim_ids:
        claims = _claims_by_ids(session, sorted(set(claim_ids)))
        found = {c.id for c in claims}
        missing = [i for i in claim_ids if i not in found]
        if missing:
            raise NotFoundError(f"No claim {missing[0]}", "See medbill claim list")
        done = [c for c in claims if c.status not in SCRUBBABLE]
        if done:
            raise InputError(f"Claim {done[0].id} is {done[0].status}; only draft, held and ready claims are scrubbed",
                             "Use medbill claim resubmit to correct a submitted claim")
    else:
        claims = sorted(_rows(session, Claim, col(Claim.status).in_(SCRUBBABLE)), key=lambda r: r.id)
    if not claims:
        return []
    practice = require_practice(session=session)
    ids = [c.id for c in claims if c.id is not None]
    lines = _load_lines(session, ids)
    patients = _by_id(session, Patient, (c.patient_id for c in claims))
    coverages = _by_id(session, Coverage, (c.coverage_id for c in claims))
    payers = _by_id(session, Payer, (c.payer_id for c in claims))
    providers = _by_id(session, Provider, (c.provider_id for c in claims))
    dx_all = {d for c in claims for d in c.diagnoses.split()}
    procs = {ch.code for lst in lines.values() for _, ch in lst}
    mods = {m for lst in lines.values() for _, ch in lst for m in ch.modifiers.split()}
    ref = _Reference(session, dx_all, procs, mods)
    dups = _duplicates(session, claims, lines)

    results: list[ScrubResult] = []
    for claim in claims:
        assert claim.id is not None
        patient = patients[claim.patient_id]
        cov = coverages.get(claim.coverage_id) if claim.coverage_id else None
        payer = payers.get(claim.payer_id) if claim.payer_id else None
        prov = providers.get(claim.provider_id) if claim.provider_id else None
        cl = lines.get(claim.id, [])
        first = min((ch.date_of_service for _, ch in cl), default=claim.first_dos or today)
        lv = []
        for ln, ch in cl:
            mods_t = tuple(ch.modifiers.split())
            mue = ref.mue_for(ch.code, ch.date_of_service)
            lv.append(LineView(
                number=ln.line_number, code=ch.code, units=ch.units, amount_cents=ch.amount_cents,
                dos=ch.date_of_service, dx_pointers=tuple(int(p) for p in ln.dx_pointers.split() if p.isdigit()),
                modifiers=mods_t, proc=ref.proc_info(ch.code, ch.date_of_service),
                unknown_modifiers=ref.unknown_mods(mods_t, ch.date_of_service),
                mue=mue.mue if mue else None, mai=mue.mai if mue else None,
                duplicate_of=dups.get(ln.charge_id)))
        self_sub = cov is None or cov.relationship == "self"
        view = ClaimView(
            claim_id=claim.id, pcn=claim.pcn, today=today, practice_npi=practice.npi,
            practice_ein=practice.tin, practice_zip=practice.zip,
            patient_account=patient.account or str(patient.id), patient_sex=patient.sex,
            patient_dob=patient.dob, patient_has_name=bool(patient.first_name and patient.last_name),
            patient_has_address=_address_complete(patient), has_coverage=cov is not None,
            member_id=cov.member_id if cov else None, payer_code=payer.payer_id if payer else None,
            timely_filing_days=payer.timely_filing_days if payer else None,
            coverage_effective=cov.effective if cov else None,
            coverage_termination=cov.termination if cov else None,
            subscriber_is_patient=self_sub,
            subscriber_complete=self_sub or bool(cov and cov.subscriber_first_name and cov.subscriber_last_name
                                                 and cov.subscriber_dob and cov.subscriber_sex),
            rendering_npi=prov.npi if prov else None,
            diagnoses=tuple(ref.dx_info(d, first) for d in claim.diagnoses.split()),
            lines=tuple(lv),
            ptp=ref.ptp_for({ch.code for _, ch in cl}, {ch.date_of_service for _, ch in cl}),
            frequency=claim.frequency, payer_claim_number=claim.payer_claim_number,
        )
        results.append(ScrubResult(claim, checks.scrub(view)))
    _save_findings(session, user, results)
    return results


def _duplicates(session: Session, claims: list[Any], lines: dict[int, list[tuple[Any, Any]]]) -> dict[int, str]:
    """charge id -> PCN of an earlier live claim with the same patient, code, date and modifiers."""
    patient_ids = sorted({c.patient_id for c in claims})
    this_claim = {ln.charge_id: ln.claim_id for lst in lines.values() for ln, _ in lst}
    related: dict[int, set[int]] = {}
    for c in claims:
        assert c.id is not None
        related[c.id] = {c.id} | ({c.original_claim_id} if c.original_claim_id else set())
    seen: dict[tuple[int, str, dt.date, str], list[tuple[int, str, int]]] = defaultdict(list)
    for chunk in _chunks(patient_ids):
        q = (select(Claim.id, Claim.pcn, Claim.original_claim_id, Charge.id, Charge.patient_id, Charge.code,
                    Charge.date_of_service, Charge.modifiers)
             .join(ClaimLine, col(ClaimLine.claim_id) == Claim.id)
             .join(Charge, col(Charge.id) == ClaimLine.charge_id)
             .where(col(Charge.patient_id).in_(chunk), col(Claim.status) != "closed", Claim.frequency != "8"))
        for cid, pcn, _orig, chid, pid, code, dos, mods in session.exec(q):
            seen[(pid, code, dos, mods)].append((cid, pcn, chid))
    out: dict[int, str] = {}
    for claim in claims:
        assert claim.id is not None
        for ln, ch in lines.get(claim.id, []):
            for cid, pcn, chid in seen.get((ch.patient_id, ch.code, ch.date_of_service, ch.modifiers), []):
                if chid != ch.id and cid not in related[claim.id] and cid < claim.id and this_claim.get(chid) != claim.id:
                    out[ch.id] = pcn  # type: ignore[index]
                    break
    return out


def _save_findings(session: Session, user: str, results: list[ScrubResult]) -> None:
    from sqlalchemy import delete

    ids = [r.claim.id for r in results]
    for chunk in _chunks(ids, 2000):
        session.execute(delete(ClaimFinding).where(col(ClaimFinding.claim_id).in_(chunk)))
    rows: list[dict[str, Any]] = []
    entries: list[audit.AuditEntry] = []
    by_status: dict[str, list[int]] = defaultdict(list)
    now = utcnow()
    for r in results:
        assert r.claim.id is not None
        new = "held" if any(f.severity == checks.ERROR for f in r.findings) else "ready"
        for f in r.findings:
            rows.append({"claim_id": r.claim.id, "edit": f.edit, "severity": f.severity, "line": f.line,
                         "message": f.message, "fix": f.fix, "created_at": now})
        entries.append(("scrub", "claim", r.claim.pcn, {"status": r.claim.status},
                        {"status": new, "findings": [f"{f.severity}:{f.edit}:{f.line or ''}" for f in r.findings]}))
        by_status[new].append(r.claim.id)
        r.status = new
    for status, claim_ids in by_status.items():
        for chunk in _chunks(claim_ids, 2000):
            session.execute(update(Claim).where(col(Claim.id).in_(chunk)).values(status=status),
                            execution_options={"synchronize_session": False})
    finding_table: Any = ClaimFinding.__table__
    for chunk in _chunks(rows, 5000):
        session.connection().execute(insert(finding_table), list(chunk))
    audit.record_many(session=session, user=user, entries=entries)


# ============================================================================ list, show


def list_claims(*, session: Session, status: str | None = None, limit: int | None = None) -> list[Claim]:
    q = select(Claim)
    if status:
        if status not in STATUSES:
            raise InputError(f"Unknown status '{status}'", f"Use one of {', '.join(STATUSES)}")
        q = q.where(Claim.status == status)
    q = q.order_by(col(Claim.id))
    if limit:
        q = q.limit(limit)
    return list(session.exec(q).all())


def get_claim(*, session: Session, claim_id: str | int) -> Claim:
    text = str(claim_id).strip().upper()
    claim = None
    if text.isdigit():
        claim = session.get(Claim, int(text))
    if claim is None:
        claim = session.exec(select(Claim).where(Claim.pcn == text)).first()
    if claim is None:
        raise NotFoundError(f"No claim {claim_id}", "See medbill claim list")
    return claim


def claim_detail(*, session: Session, claim: Claim) -> dict[str, Any]:
    """A claim with its lines and findings, ready for output."""
    assert claim.id is not None
    patient = session.get(Patient, claim.patient_id)
    payer = session.get(Payer, claim.payer_id) if claim.payer_id else None
    prov = session.get(Provider, claim.provider_id) if claim.provider_id else None
    lines = _load_lines(session, [claim.id]).get(claim.id, [])
    findings = session.exec(select(ClaimFinding).where(ClaimFinding.claim_id == claim.id)
                            .order_by(col(ClaimFinding.id))).all()
    return {
        "id": claim.id, "pcn": claim.pcn, "status": claim.status,
        "patient": patient.account if patient else None, "payer": payer.payer_id if payer else None,
        "provider": prov.npi if prov else None, "pos": claim.pos, "frequency": claim.frequency,
        "original_claim": claim.original_claim_id, "payer_claim_number": claim.payer_claim_number,
        "total": fmt(claim.total_cents), "first_dos": claim.first_dos, "last_dos": claim.last_dos,
        "diagnoses": claim.diagnoses.split(), "batch": claim.batch_id, "submitted_at": claim.submitted_at,
        "lines": [{"line": ln.line_number, "charge": ch.id, "date": ch.date_of_service, "code": ch.code,
                   "modifiers": ch.modifiers, "units": ch.units, "amount": fmt(ch.amount_cents),
                   "dx_pointers": ln.dx_pointers} for ln, ch in lines],
        "findings": [{"edit": f.edit, "severity": f.severity, "line": f.line, "message": f.message,
                      "fix": f.fix} for f in findings],
    }


def claim_row(claim: Any, accounts: dict[int, str], payers: dict[int, str]) -> dict[str, Any]:
    return {"id": claim.id, "pcn": claim.pcn, "status": claim.status,
            "patient": accounts.get(claim.patient_id), "payer": payers.get(claim.payer_id or 0),
            "first_dos": claim.first_dos, "total": fmt(claim.total_cents), "frequency": claim.frequency,
            "batch": claim.batch_id}


def claim_rows(*, session: Session, claims: Sequence[Any]) -> list[dict[str, Any]]:
    pats = _by_id(session, Patient, (c.patient_id for c in claims))
    pays = _by_id(session, Payer, (c.payer_id for c in claims))
    accounts = {i: p.account for i, p in pats.items()}
    payer_ids = {i: p.payer_id for i, p in pays.items()}
    return [claim_row(c, accounts, payer_ids) for c in claims]


# ============================================================================ export


@dataclass
class ExportResult:
    batch: Batch | None
    claim_count: int
    total_cents: int
    path: Path | None  # the file written (None for stdout)
    temp: Path | None = None  # for stdout: the finished file to copy out after the commit
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


def reserve_control_number(*, session: Session) -> int:
    """The next interchange control number; the caller commits it before exporting."""
    return _next_numbers(session, CONTROL_KEY, 1)


def peek_control_number(*, session: Session) -> int:
    row = session.get(Setting, CONTROL_KEY)
    return (int(row.value) if row else 0) + 1


def _ready_ids(session: Session, payer: str | None, lock: bool) -> list[int]:
    q = select(Claim.id).where(Claim.status == "ready", col(Claim.batch_id).is_(None))
    if payer:
        p = session.exec(select(Payer).where(Payer.payer_id == payer)).first()
        if p is None:
            raise NotFoundError(f"No payer {payer}", "See medbill payer list")
        q = q.where(Claim.payer_id == p.id)
    q = q.order_by(col(Claim.id))
    if lock and session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return [i for i in session.exec(q).all() if i is not None]


def _person(first: str | None, last: str | None, middle: str | None, dob: dt.date | None, sex: str | None,
            addr: p837.Address | None) -> p837.Person:
    return p837.Person(last_name=last or "", first_name=first or "", middle_name=middle, dob=dob,
                       sex=sex or "U", address=addr)


def _patient_address(p: Patient) -> p837.Address | None:
    if not (p.address and p.city and p.state and p.zip):
        return None
    return p837.Address(line1=p.address, line2=p.address2, city=p.city, state=p.state, zip=p.zip)


def _claim_outs(session: Session, ids: list[int]) -> Iterator[tuple[Claim, p837.ClaimOut]]:
    """ClaimOut for each claim, loaded CHUNK claims at a time (bounded memory)."""
    for chunk in _chunks(ids):
        claims = _claims_by_ids(session, chunk)
        lines = _load_lines(session, list(chunk))
        patients = _by_id(session, Patient, (c.patient_id for c in claims))
        coverages = _by_id(session, Coverage, (c.coverage_id for c in claims))
        payers = _by_id(session, Payer, (c.payer_id for c in claims))
        providers = _by_id(session, Provider, (c.provider_id for c in claims))
        for c in claims:
            assert c.id is not None
            pat = patients[c.patient_id]
            cov = coverages[c.coverage_id]
            payer = payers[c.payer_id]
            prov = providers.get(c.provider_id) if c.provider_id else None
            addr = _patient_address(pat)
            pat_person = _person(pat.first_name, pat.last_name, pat.middle_name, pat.dob, pat.sex, addr)
            if cov.relationship == "self":
                subscriber, patient = pat_person, None
            else:
                subscriber = _person(cov.subscriber_first_name, cov.subscriber_last_name,
                                     cov.subscriber_middle_name, cov.subscriber_dob, cov.subscriber_sex, addr)
                patient = pat_person
            out_lines = tuple(
                p837.ServiceLine(
                    code=ch.code, amount_cents=ch.amount_cents, units=ch.units, date_of_service=ch.date_of_service,
                    dx_pointers=tuple(int(p) for p in ln.dx_pointers.split()), modifiers=tuple(ch.modifiers.split()),
                    pos=ch.pos, ndc=ch.ndc, ndc_unit=ch.ndc_unit, ndc_quantity=ch.ndc_quantity)
                for ln, ch in lines.get(c.id, []))
            rendering = p837.RenderingProvider(npi=prov.npi, last_name=prov.last_name, first_name=prov.first_name,
                                               middle_name=prov.middle_name, taxonomy=prov.taxonomy) if prov else None
            yield c, p837.ClaimOut(
                pcn=c.pcn, pos=c.pos, diagnoses=tuple(c.diagnoses.split()), subscriber=subscriber,
                member_id=cov.member_id, payer=p837.PayerInfo(payer.name, payer.payer_id), lines=out_lines,
                relationship=cov.relationship, patient=patient, priority=cov.priority,
                group_number=cov.group_number, filing_indicator=payer.filing_indicator,
                frequency=c.frequency, payer_claim_number=c.payer_claim_number, rendering=rendering)


def _interchange(practice: Practice, control: int, now: dt.datetime, usage: str) -> dict[str, Any]:
    sender = practice.submitter_id or practice.tin
    receiver = practice.receiver_id or "RECEIVER"
    return dict(
        envelope=p837.Envelope(sender_id=sender, receiver_id=receiver, control_number=control, created=now,
                               usage=usage),
        submitter=p837.Submitter(name=practice.submitter_name or practice.name, id=sender,
                                 contact_name=practice.contact_name or practice.name,
                                 phone=practice.contact_phone or practice.phone, email=practice.contact_email),
        receiver=p837.Receiver(name=practice.receiver_name or receiver, id=receiver),
        billing=p837.BillingProvider(
            name=practice.name, npi=practice.npi, ein=practice.tin, taxonomy=practice.taxonomy,
            address=p837.Address(line1=practice.address, line2=practice.address2, city=practice.city,
                                 state=practice.state, zip=practice.zip)),
    )


class _Sink:
    """Writes text to a file while hashing and compressing it (for Batch.content)."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.z = zlib.compressobj(9)
        self.parts: list[bytes] = []
        self.size = 0
        self._buf: list[str] = []
        self._n = 0

    def write(self, text: str) -> None:
        self._buf.append(text)
        self._n += len(text)
        if self._n > 65536:
            self.flush()

    def flush(self) -> None:
        if not self._buf:
            return
        data = "".join(self._buf).encode("ascii", "replace")
        self._buf, self._n = [], 0
        self.fh.write(data)
        self.sha.update(data)
        self.parts.append(self.z.compress(data))
        self.size += len(data)

    def close(self) -> bytes:
        self.flush()
        self.parts.append(self.z.flush())
        return b"".join(self.parts)


CSV_COLUMNS = ["claim", "pcn", "patient", "payer", "member_id", "frequency", "line", "date", "code",
               "modifiers", "units", "amount", "dx_pointers", "diagnoses", "claim_total"]


def _write_json(sink: _Sink, items: Iterator[tuple[Claim, p837.ClaimOut]], counters: list[int],
                accounts: Callable[[int], str | None]) -> None:
    sink.write("[")
    first = True
    for claim, co in items:
        rec = {"id": claim.id, "pcn": co.pcn, "patient": accounts(claim.patient_id), "payer": co.payer.payer_id,
               "member_id": co.member_id, "frequency": co.frequency, "payer_claim_number": co.payer_claim_number,
               "pos": co.pos, "total": fmt(co.total_cents), "diagnoses": list(co.diagnoses),
               "rendering_npi": co.rendering.npi if co.rendering else None,
               "lines": [{"line": i, "date": ln.date_of_service.isoformat(), "code": ln.code,
                          "modifiers": list(ln.modifiers), "units": ln.units, "amount": fmt(ln.amount_cents),
                          "dx_pointers": list(ln.dx_pointers)} for i, ln in enumerate(co.lines, start=1)]}
        sink.write(("\n  " if first else ",\n  ") + json.dumps(rec, sort_keys=True))
        first = False
        counters[0] += 1
        counters[1] += co.total_cents
    sink.write("\n]\n" if not first else "]\n")


def _write_csv(sink: _Sink, items: Iterator[tuple[Claim, p837.ClaimOut]], counters: list[int],
               accounts: Callable[[int], str | None]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for claim, co in items:
        for i, ln in enumerate(co.lines, start=1):
            w.writerow([claim.id, co.pcn, accounts(claim.patient_id), co.payer.payer_id, co.member_id, co.frequency,
                        i, ln.date_of_service.isoformat(), ln.code, " ".join(ln.modifiers), ln.units,
                        fmt(ln.amount_cents), " ".join(map(str, ln.dx_pointers)), " ".join(co.diagnoses),
                        fmt(co.total_cents)])
        sink.write(buf.getvalue())
        buf.seek(0)
        buf.truncate()
        counters[0] += 1
        counters[1] += co.total_cents


def export_claims(
    *, session: Session, user: str, fmt_: str, output: Path | None, control: int, dry_run: bool = False,
    payer: str | None = None, now: dt.datetime | None = None, usage: str = "P",
) -> ExportResult:
    """Write every ready claim not yet in a batch as one batch, and record it.

    Args:
        session: the command's session (the caller commits right after this returns).
        user: who acts.
        fmt_: x12, json or csv.
        output: the file to write; None writes a temporary file for the caller to copy to stdout.
        control: the interchange control number (reserved by ``reserve_control_number``).
        dry_run: write the file but record nothing and change no claim.
        payer: only this payer's claims (EDI payer id).
        now: the batch's creation time (ISA09/GS04/BHT04).
        usage: ISA15, P (production) or T (test).

    Returns:
        The batch (None on a dry run or when nothing was ready), counts and the file path.
    """
    if fmt_ not in EXPORT_FORMATS:
        raise InputError(f"Unknown export format '{fmt_}'", "Use x12, json or csv")
    practice = require_practice(session=session)
    if fmt_ == "x12" and not (practice.contact_phone or practice.phone or practice.contact_email):
        raise InputError("The submitter contact (1000A PER) needs a phone or email",
                         "Set it with medbill practice set --contact-phone .. or --phone ..")
    ids = _ready_ids(session, payer, lock=not dry_run)
    if not ids:
        return ExportResult(None, 0, 0, None, dry_run=dry_run)
    now = (now or dt.datetime.now()).replace(second=0, microsecond=0)
    target = output if output is not None else Path(os.environ.get("TMPDIR", "/tmp")) / f"medbill-batch-{os.getpid()}"
    target = target.resolve()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    items = _claim_outs(session, ids)
    counters = [0, 0]
    pats: dict[int, str | None] = {}

    def account(pid: int) -> str | None:
        if pid not in pats:
            p = session.get(Patient, pid)
            pats[pid] = p.account if p else None
        return pats[pid]

    try:
        with open_private(tmp) as fh:
            sink = _Sink(fh)
            if fmt_ == "x12":
                def counted() -> Iterator[p837.ClaimOut]:
                    for _claim, co in items:
                        counters[0] += 1
                        counters[1] += co.total_cents
                        if counters[0] == 2:
                            _fault("export:mid-write")
                        yield co

                p837.write_837p(sink.write, counted(), **_interchange(practice, control, now, usage))
            elif fmt_ == "json":
                _write_json(sink, items, counters, account)
            else:
                _write_csv(sink, items, counters, account)
            content = sink.close()
            fh.flush()
            os.fsync(fh.fileno())
        result = ExportResult(None, counters[0], counters[1], output, dry_run=dry_run)
        if fmt_ == "x12" and not (practice.submitter_id and practice.receiver_id):
            result.warnings.append("The clearinghouse ids are not set; ISA06/ISA08 use the EIN and RECEIVER. "
                                   "Set them with medbill practice set --submitter-id .. --receiver-id ..")
        if not dry_run:
            batch = Batch(format=fmt_, isa_control=control if fmt_ == "x12" else None,
                          gs_control=control if fmt_ == "x12" else None,
                          st_control=control if fmt_ == "x12" else None,
                          file_hash=sink.sha.hexdigest(), content=content, content_encoding="zlib",
                          size=sink.size, file_name=target.name if output is not None else None,
                          claim_count=counters[0], total_cents=counters[1], created_by=user)
            session.add(batch)
            session.flush()
            submitted_at = utcnow()
            for chunk in _chunks(ids, 2000):
                session.execute(update(Claim).where(col(Claim.id).in_(chunk))
                                .values(status="submitted", batch_id=batch.id, submitted_at=submitted_at),
                                execution_options={"synchronize_session": False})
            pcns: list[tuple[int, str]] = []
            for chunk in _chunks(ids):
                pcns.extend((i, p) for i, p in session.exec(select(Claim.id, Claim.pcn).where(col(Claim.id).in_(chunk))))
            entries: list[audit.AuditEntry] = [("create", "batch", batch.id, None, audit.snapshot(batch))]
            entries += [("submit", "claim", pcn, {"status": "ready"}, {"status": "submitted", "batch_id": batch.id})
                        for _, pcn in sorted(pcns)]
            audit.record_many(session=session, user=user, entries=entries)
            result.batch = batch
        _fault("export:before-rename")
        if output is not None:
            os.replace(tmp, target)
        else:
            result.temp = tmp
        _fault("export:after-rename")
        return result
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def list_batches(*, session: Session) -> list[Batch]:
    return list(session.exec(select(Batch).order_by(col(Batch.id))).all())


def get_batch(*, session: Session, batch_id: int) -> Batch:
    b = session.get(Batch, batch_id)
    if b is None:
        raise NotFoundError(f"No batch {batch_id}", "See medbill claim batch list")
    return b


def batch_bytes(batch: Batch) -> bytes:
    """The batch file exactly as it was written."""
    if batch.content is None:
        raise NotFoundError(f"Batch {batch.id} has no stored content", "It was recorded without its file")
    data = zlib.decompress(batch.content) if batch.content_encoding == "zlib" else bytes(batch.content)
    if hashlib.sha256(data).hexdigest() != batch.file_hash:
        raise InputError(f"Batch {batch.id} content does not match its recorded hash",
                         "The stored batch was altered; check medbill audit verify")
    return data


def batch_row(b: Batch) -> dict[str, Any]:
    return {"id": b.id, "format": b.format, "control_number": b.isa_control, "claims": b.claim_count,
            "total": fmt(b.total_cents), "size": b.size, "sha256": b.file_hash, "file": b.file_name,
            "created_at": b.created_at, "created_by": b.created_by}


# ============================================================================ resubmit


def resubmit_claim(
    *, session: Session, user: str, claim_id: str | int, frequency: str, payer_claim_number: str | None = None,
) -> Claim:
    """A replacement (7) or void (8) of a submitted claim: a new claim with the same lines.

    The new claim carries CLM05-3 and REF*F8 (the payer's claim number) and starts as ``draft``
    (scrub it, then export). The original becomes ``closed``.
    """
    if frequency not in ("7", "8"):
        raise InputError(f"Frequency '{frequency}' is not 7 (replacement) or 8 (void)", "Use --frequency 7 or 8")
    orig = get_claim(session=session, claim_id=claim_id)
    if orig.status in SCRUBBABLE or orig.status == "closed":
        raise InputError(f"Claim {orig.id} is {orig.status}; only a submitted claim can be replaced or voided",
                         "Correct and re-scrub a claim that was not sent")
    pcn_number = payer_claim_number or orig.payer_claim_number
    if not pcn_number:
        raise InputError(f"Claim {orig.id} has no payer claim number",
                         "Give --payer-claim-number from the payer's remittance or claim status")
    assert orig.id is not None
    lines = _load_lines(session, [orig.id]).get(orig.id, [])
    seq = _next_numbers(session, PCN_KEY, 1)
    new = Claim(pcn=f"C{seq:08d}", patient_id=orig.patient_id, coverage_id=orig.coverage_id,
                payer_id=orig.payer_id, provider_id=orig.provider_id, facility_id=orig.facility_id, pos=orig.pos,
                status="draft", frequency=frequency, original_claim_id=orig.id,
                payer_claim_number=pcn_number.strip().upper(), total_cents=orig.total_cents,
                diagnoses=orig.diagnoses, first_dos=orig.first_dos, last_dos=orig.last_dos, created_by=user)
    session.add(new)
    session.flush()
    assert new.id is not None
    session.add_all([ClaimLine(claim_id=new.id, line_number=ln.line_number, charge_id=ln.charge_id,
                               dx_pointers=ln.dx_pointers) for ln, _ in lines])
    before = audit.snapshot(orig)
    orig.status = "closed"
    session.add(orig)
    session.flush()
    audit.record_many(session=session, user=user, entries=[
        ("create", "claim", new.pcn, None, audit.snapshot(new)),
        ("close", "claim", orig.pcn, before, audit.snapshot(orig)),
    ])
    return new


__all__ = [
    "ExportResult",
    "GenerateResult",
    "ScrubResult",
    "batch_bytes",
    "export_claims",
    "generate_claims",
    "resubmit_claim",
    "scrub_claims",
]

