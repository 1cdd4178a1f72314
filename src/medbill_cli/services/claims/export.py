"""Export every ready claim as one batch, exactly once: ``export_batch``.

The protocol, in order:

1. reserve the interchange control number in a transaction of its own and commit it, so a
   number never repeats, even across crashes (a dry run only peeks at it);
2. in the export's transaction: write the batch to a temporary file beside the output,
   fsync it, record the batch (control number, hash, compressed bytes) and mark its claims
   ``submitted``;
3. rename the file into place, then commit.

A crash before the commit leaves the claims ``ready`` (and at most a stray file that the next
run overwrites); a crash after it leaves a complete file that ``claim batch show`` can
re-create. If the commit itself fails after the rename, the file is removed so that it is not
sent. ``MEDBILL_FAULT=<point>`` kills the process at a named step, for the crash tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import signal
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from medbill_cli.csvsafe import csv_safe
from medbill_cli.db import tables as t
from medbill_cli.db.dialect import for_update
from medbill_cli.db.models._base import utcnow
from medbill_cli.db.models.claims import Batch
from medbill_cli.db.query import chunks
from medbill_cli.errors import InputError
from medbill_cli.money import fmt
from medbill_cli.privfile import open_private
from medbill_cli.services import audit, counters
from medbill_cli.services.claims import auths, cob, store
from medbill_cli.status import ClaimStatus, check_transitions
from medbill_cli.x12 import p837
from medbill_cli.x12.claim_map import ClaimBundle, PracticeRecord, claim_out, interchange

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EXPORT_FORMATS = ("x12", "json", "csv")
CSV_COLUMNS = ["claim", "pcn", "patient", "payer", "member_id", "frequency", "line", "date",
               "code", "modifiers", "units", "amount", "dx_pointers", "diagnoses", "claim_total"]


@dataclass(frozen=True)
class ExportResult:
    batch_id: int | None  # None on a dry run or when nothing was ready
    control: int  # the interchange control number used (x12)
    claim_count: int
    total_cents: int
    path: Path | None  # the file written (None: stdout)
    dry_run: bool = False
    warnings: tuple[str, ...] = ()


def _fault(point: str) -> None:
    """Test hook: ``MEDBILL_FAULT=<point>`` kills the process there (as a crash would)."""
    if os.environ.get("MEDBILL_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


class _Sink:
    """Writes text to a file while hashing and compressing it (for Batch.content)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.z = zlib.compressobj(9)
        self.parts: list[bytes] = []
        self.size = 0
        self._buf: list[str] = []
        self._n = 0
        self.claims = 0
        self.total_cents = 0

    def count(self, co: p837.ClaimOut) -> None:
        self.claims += 1
        self.total_cents += co.total_cents

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


# --------------------------------------------------------------------------- the file


def bundles(session: Session, ids: Sequence[int]) -> Iterator[ClaimBundle]:
    """Each claim with its rows, loaded a chunk of claims at a time (bounded memory)."""
    for part in chunks(ids):
        claims = store.claims_by_ids(session, part)
        lines = store.load_lines(session, part)
        pats = store.patients(session, (c.patient_id for c in claims))
        covs = store.coverages(session, (c.coverage_id for c in claims))
        pays = store.payers(session, (c.payer_id for c in claims))
        provs = store.providers(session, (c.provider_id for c in claims))
        refs = auths.reference_numbers(session, claims, lines)
        facs = store.facilities(session, (c.facility_id for c in claims))
        visits = store.visits(session, part)
        others = cob.other_payers(session, claims, lines)
        for c in claims:
            assert c.coverage_id is not None and c.payer_id is not None  # scrubbed ready
            g1, ref_9f = refs.get(c.id, ((), None))
            yield ClaimBundle(c, pats[c.patient_id], covs[c.coverage_id], pays[c.payer_id],
                              provs.get(c.provider_id) if c.provider_id else None,
                              tuple(lines.get(c.id, [])), g1, ref_9f,
                              facs.get(c.facility_id) if c.facility_id else None,
                              visits.get(c.id), others.get(c.id, ()))


def _write_x12(sink: _Sink, items: Iterator[ClaimBundle], practice: PracticeRecord, control: int,
               now: dt.datetime, usage: str, newlines: bool = True) -> None:
    def counted() -> Iterator[p837.ClaimOut]:
        for b in items:
            co = claim_out(b)
            sink.count(co)
            if sink.claims == 2:
                _fault("export:mid-write")
            yield co

    ic = interchange(practice, control, now, usage)
    p837.write_837p(sink.write, counted(), envelope=ic.envelope, submitter=ic.submitter,
                    receiver=ic.receiver, billing=ic.billing, newlines=newlines)


def _json_record(b: ClaimBundle, co: p837.ClaimOut) -> dict[str, object]:
    return {"id": b.claim.id, "pcn": co.pcn, "patient": b.patient.account,
            "payer": co.payer.payer_id, "member_id": co.member_id, "frequency": co.frequency,
            "payer_claim_number": co.payer_claim_number, "pos": co.pos,
            "total": fmt(co.total_cents), "diagnoses": list(co.diagnoses),
            "rendering_npi": co.rendering.npi if co.rendering else None,
            "lines": [{"line": i, "date": ln.date_of_service.isoformat(), "code": ln.code,
                       "modifiers": list(ln.modifiers), "units": ln.units,
                       "amount": fmt(ln.amount_cents), "dx_pointers": list(ln.dx_pointers)}
                      for i, ln in enumerate(co.lines, start=1)]}


def _write_json(sink: _Sink, items: Iterator[ClaimBundle]) -> None:
    sink.write("[")
    for b in items:
        co = claim_out(b)
        sink.write(("\n  " if sink.claims == 0 else ",\n  ")
                   + json.dumps(_json_record(b, co), sort_keys=True))
        sink.count(co)
    sink.write("\n]\n" if sink.claims else "]\n")


def _write_csv(sink: _Sink, items: Iterator[ClaimBundle]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for b in items:
        co = claim_out(b)
        for i, ln in enumerate(co.lines, start=1):
            row = [b.claim.id, co.pcn, b.patient.account, co.payer.payer_id, co.member_id,
                   co.frequency, i, ln.date_of_service.isoformat(), ln.code,
                   " ".join(ln.modifiers), ln.units, fmt(ln.amount_cents),
                   " ".join(map(str, ln.dx_pointers)), " ".join(co.diagnoses),
                   fmt(co.total_cents)]
            w.writerow([csv_safe(str(v)) for v in row])
        sink.write(buf.getvalue())
        buf.seek(0)
        buf.truncate()
        sink.count(co)


@dataclass
class _Written:
    content: bytes
    sha256: str
    size: int
    claims: int
    total_cents: int


def _write_file(tmp: Path, fmt_: str, items: Iterator[ClaimBundle], practice: PracticeRecord,
                control: int, now: dt.datetime, usage: str, newlines: bool = True) -> _Written:
    with open_private(tmp) as fh:
        sink = _Sink(fh)
        if fmt_ == "x12":
            _write_x12(sink, items, practice, control, now, usage, newlines)
        elif fmt_ == "json":
            _write_json(sink, items)
        else:
            _write_csv(sink, items)
        content = sink.close()
        fh.flush()
        os.fsync(fh.fileno())
    return _Written(content, sink.sha.hexdigest(), sink.size, sink.claims, sink.total_cents)


# --------------------------------------------------------------------------- the record


def _ready_ids(session: Session, payer: str | None, lock: bool) -> list[int]:
    c = t.claim.c
    q = select(c.id).where(c.status == ClaimStatus.READY.value, c.batch_id.is_(None))
    if payer:
        q = q.where(c.payer_id == store.payer_id_of(session, payer))
    q = q.order_by(c.id)
    if lock:
        q = for_update(session, q)
    return [int(i) for i in session.execute(q).scalars()]


def _record(session: Session, user: str, fmt_: str, control: int, file_name: str | None,
            ids: Sequence[int], w: _Written) -> int:
    """The batch row, its claims submitted, and the audit entries; returns the batch id."""
    x12 = fmt_ == "x12"
    batch = Batch(format=fmt_, isa_control=control if x12 else None,
                  gs_control=control if x12 else None, st_control=control if x12 else None,
                  file_hash=w.sha256, content=w.content, content_encoding="zlib", size=w.size,
                  file_name=file_name, claim_count=w.claims, total_cents=w.total_cents,
                  created_by=user)
    session.add(batch)
    session.flush()
    assert batch.id is not None
    claims = store.claims_by_ids(session, ids)
    check_transitions(((c.id, c.status) for c in claims), ClaimStatus.SUBMITTED)
    store.set_status(session, ids, ClaimStatus.SUBMITTED, batch_id=batch.id,
                     submitted_at=utcnow())
    entries: list[audit.AuditEntry] = [("create", "batch", batch.id, None, audit.snapshot(batch))]
    entries += [("submit", "claim", c.pcn, {"status": c.status.value},
                 {"status": ClaimStatus.SUBMITTED.value, "batch_id": batch.id})
                for c in sorted(claims, key=lambda c: (c.id, c.pcn))]
    audit.record_many(session=session, user=user, entries=entries)
    return batch.id


# --------------------------------------------------------------------------- the protocol


@dataclass
class _Job:
    fmt: str
    output: Path | None
    payer: str | None
    dry_run: bool
    usage: str
    now: dt.datetime
    newlines: bool = True
    target: Path = field(init=False)
    tmp: Path = field(init=False)
    renamed: bool = False

    def __post_init__(self) -> None:
        default = Path(os.environ.get("TMPDIR", "/tmp")) / f"medbill-batch-{os.getpid()}"
        self.target = (self.output if self.output is not None else default).resolve()
        self.tmp = self.target.with_name(f".{self.target.name}.{os.getpid()}.tmp")


def _check(session: Session, job: _Job) -> PracticeRecord:
    practice = store.practice(session)
    if job.fmt == "x12" and not (practice.contact_phone or practice.phone
                                 or practice.contact_email):
        raise InputError("The submitter contact (1000A PER) needs a phone or email",
                         "Set it with medbill practice set --contact-phone .. or --phone ..")
    return practice


def _warnings(job: _Job, practice: PracticeRecord) -> tuple[str, ...]:
    if job.fmt == "x12" and not (practice.submitter_id and practice.receiver_id):
        return ("The clearinghouse ids are not set; ISA06/ISA08 use the EIN and RECEIVER. "
                "Set them with medbill practice set --submitter-id .. --receiver-id ..",)
    return ()


def _export(session: Session, user: str, job: _Job, control: int) -> ExportResult:
    """Step 2 and 3 of the protocol, in the caller's transaction (committed by the caller)."""
    practice = _check(session, job)
    ids = _ready_ids(session, job.payer, lock=not job.dry_run)
    if not ids:
        return ExportResult(None, control, 0, 0, None, dry_run=job.dry_run)
    items = bundles(session, ids)
    w = _write_file(job.tmp, job.fmt, items, practice, control, job.now, job.usage,
                    job.newlines)
    batch_id = None
    if not job.dry_run:
        batch_id = _record(session, user, job.fmt, control,
                           job.target.name if job.output is not None else None, ids, w)
    _fault("export:before-rename")
    if job.output is not None:
        os.replace(job.tmp, job.target)
        job.renamed = True
    _fault("export:after-rename")
    return ExportResult(batch_id, control, w.claims, w.total_cents, job.output,
                        dry_run=job.dry_run, warnings=_warnings(job, practice))


def _copy_out(tmp: Path, to_stdout: Callable[[bytes], object]) -> None:
    with open(tmp, "rb") as fh:
        while part := fh.read(1 << 16):
            to_stdout(part)


def export_batch(
    *, engine: Engine, user: str, fmt_: str, output: Path | None,
    to_stdout: Callable[[bytes], object] | None = None, payer: str | None = None,
    dry_run: bool = False, usage: str = "P", now: dt.datetime | None = None,
    newlines: bool = True,
) -> ExportResult:
    """Write every ready claim not yet in a batch as one batch, record it, and mark its
    claims submitted, exactly once (see the module docstring). Opens its own transactions.

    Args:
        engine: the database (from ``make_engine``, schema checked).
        user: who acts.
        fmt_: x12, json or csv.
        output: the file to write; None writes to ``to_stdout`` after the commit.
        to_stdout: takes the file's bytes when ``output`` is None.
        payer: only this payer's claims (EDI payer id).
        dry_run: write the file but record nothing, change no claim, reserve no number.
        usage: ISA15, P (production) or T (test).
        now: the batch's creation time (ISA09/GS04/BHT04; default now).
        newlines: x12 only: a newline after each segment terminator (False: one line).

    Returns:
        The batch id (None on a dry run or when nothing was ready), counts and the file path.
    """
    from medbill_cli.db.engine import session_scope

    f = fmt_.strip().lower()
    if f not in EXPORT_FORMATS:
        raise InputError(f"Unknown export format '{fmt_}'", "Use --format x12, json or csv")
    if output is not None and output.parent and not output.parent.exists():
        raise InputError(f"Folder {output.parent} does not exist",
                         "Create it or choose another --output")
    job = _Job(f, output, payer, dry_run, usage,
               (now or dt.datetime.now()).replace(second=0, microsecond=0), newlines)
    with session_scope(engine, write=not dry_run) as s:
        control = (counters.peek_control_number(s) if dry_run
                   else counters.reserve_control_number(s))
    try:
        with session_scope(engine, write=not dry_run) as s:
            result = _export(s, user, job, control)
            if dry_run:
                s.rollback()
    except BaseException:
        job.tmp.unlink(missing_ok=True)
        if job.renamed and not dry_run:
            # The file is in place but the batch was not recorded: do not leave it to be sent.
            job.target.unlink(missing_ok=True)
        raise
    if output is None and result.claim_count:
        try:
            if to_stdout is not None:
                _copy_out(job.tmp, to_stdout)
        finally:
            job.tmp.unlink(missing_ok=True)
    return result
