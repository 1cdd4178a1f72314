"""Claims: generate, scrub, export 837P, resubmit."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_record, emit_rows, info, write_json

if TYPE_CHECKING:
    from medbill_cli.services.claims.scrub import ScrubResult

app = typer.Typer(help="Claims: generate, scrub, export 837P, resubmit.", no_args_is_help=True)
batch_app = typer.Typer(help="Exported batches: list, and re-create one byte for byte.",
                        no_args_is_help=True)
app.add_typer(batch_app, name="batch")

TABLE_LIMIT = 200  # rows a table shows; json and csv give everything
LIST_COLUMNS = ["id", "pcn", "status", "patient", "payer", "first_dos", "total", "frequency",
                "batch"]
SCRUB_COLUMNS = ["claim", "pcn", "status", "line", "severity", "edit", "message", "fix"]
BATCH_COLUMNS = ["id", "format", "control_number", "claims", "total", "file", "created_at"]
STATUS_HELP = "draft|held|ready|submitted|accepted|rejected|paid|denied|closed"


def _stdout_bytes(data: bytes) -> None:
    if hasattr(sys.stdout, "buffer"):
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data.decode())


@app.command("generate")
def generate(
    through: Annotated[str | None, typer.Option(
        "--through", help="Charges on or before this date.")] = None,
    patient: Annotated[str | None, typer.Option(
        "--patient", help="Only this patient's charges (account).")] = None,
    sequence: Annotated[str | None, typer.Option(
        "--sequence", help="Only claims to this payer sequence: primary|secondary|tertiary.")
    ] = None,
    after: Annotated[str | None, typer.Option(
        "--claim", help="The next payer's claim for this prior claim's charges (checked: "
        "refused unless the payer before has adjudicated).",
        autocompletion=_complete.claim_ids)] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Turn unbilled charges into claims (per patient, payer, provider and place of service;
    50 lines at most), and build the secondary and tertiary claims that are due: once a payer
    has adjudicated and the balance moved to the next coverage (not when the payer crossed the
    claim over to it).

    Example: medbill claim generate --through today
    Example: medbill claim generate --claim C00000001 --sequence secondary
    """
    from medbill_cli.dates import parse_date
    from medbill_cli.services.claims.generate import generate_claims
    from medbill_cli.services.claims.query import claim_rows

    thru = parse_date(through, what="--through") if through else None
    with _context.session() as s:
        result = generate_claims(session=s, user=_context.state.actor(), through=thru,
                                 account=patient, sequence=sequence, after_claim=after)
        rows = claim_rows(session=s, claims=result.claims)
    shown = rows[:TABLE_LIMIT] if fmt is Format.table else rows
    emit_rows(shown, fmt, columns=LIST_COLUMNS if fmt is Format.table else None,
              empty="No unbilled charges.")
    if len(shown) < len(rows):
        info(f"... and {len(rows) - len(shown)} more "
             "(medbill claim list --status draft lists them all).")
    info(f"Generated {len(rows)} claim(s).")
    if result.skipped_no_coverage:
        info(f"Left {result.skipped_no_coverage} charge(s) unbilled: the patient has no primary "
             "coverage (self-pay, or add it with medbill coverage add).")


def _scrub_record(r: ScrubResult) -> dict[str, Any]:
    return {"claim": r.claim.id, "pcn": r.claim.pcn, "status": r.status.value,
            "findings": [{"edit": f.edit, "severity": f.severity, "line": f.line,
                          "message": f.message, "fix": f.fix} for f in r.findings]}


def _scrub_rows(results: Sequence[ScrubResult], fmt: Format) -> list[dict[str, Any]]:
    """One row per finding; in a table, clean claims are only counted (a night's batch is
    large), in CSV they get one empty row each."""
    rows: list[dict[str, Any]] = []
    for r in results:
        base = {"claim": r.claim.id, "pcn": r.claim.pcn, "status": r.status.value}
        rows += [base | {"line": f.line, "severity": f.severity, "edit": f.edit,
                         "message": f.message, "fix": f.fix} for f in r.findings]
        if not r.findings and fmt is not Format.table:
            rows.append(base | {"line": None, "severity": "", "edit": "", "message": "",
                                "fix": ""})
    return rows


@app.command("scrub")
def scrub(
    claim_ids: Annotated[list[str] | None, typer.Argument(
        help="Claim ids (default: every claim not yet submitted).",
        autocompletion=_complete.claim_ids)] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run the edits; clean claims become ready, others held with findings. Exit 1 if any is held.

    Example: medbill claim scrub --format json
    """
    from medbill_cli.errors import ExitCode
    from medbill_cli.services.claims.scrub import scrub_claims
    from medbill_cli.services.claims.store import get_claim
    from medbill_cli.status import ClaimStatus

    with _context.session() as s:
        ids = [get_claim(session=s, claim_id=c).id for c in (claim_ids or [])]
        results = scrub_claims(session=s, user=_context.state.actor(), claim_ids=ids or None)
    held = [r for r in results if r.status is ClaimStatus.HELD]
    if fmt is Format.json:
        write_json([_scrub_record(r) for r in results])
    else:
        rows = _scrub_rows(results, fmt)
        shown = rows[:TABLE_LIMIT] if fmt is Format.table else rows
        emit_rows(shown, fmt, columns=SCRUB_COLUMNS,
                  empty="No findings." if results else "No claims to scrub.")
        if len(shown) < len(rows):
            info(f"... and {len(rows) - len(shown)} more findings "
                 "(medbill claim scrub --format csv lists them all).")
    info(f"Scrubbed {len(results)} claim(s): {len(results) - len(held)} ready, "
         f"{len(held)} held.")
    if held:
        raise typer.Exit(int(ExitCode.PROBLEMS))


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status", help=STATUS_HELP)] = None,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    payer_sequence: Annotated[str | None, typer.Option(
        "--payer-sequence", help="primary|secondary|tertiary: the claim's coverage.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List claims.

    Example: medbill claim list --status held
    """
    from medbill_cli.services.claims.query import claim_rows, list_claims

    with _context.session(write=False) as s:
        rows = claim_rows(session=s, claims=list_claims(session=s, status=status, limit=limit,
                                                        payer_sequence=payer_sequence))
    columns = LIST_COLUMNS + ["reason"] if any(r["reason"] for r in rows) else LIST_COLUMNS
    emit_rows(rows, fmt, columns=columns if fmt is Format.table else None,
              empty="No claims. Create them with medbill claim generate.")


@app.command("show")
def show(claim_id: Annotated[str, typer.Argument(help="Claim id or patient control number.",
                                                 autocompletion=_complete.claim_ids)],
         fmt: FormatOpt = Format.table) -> None:
    """Show a claim with its lines, and each scrub finding with how to fix it.

    Example: medbill claim show 12
    """
    from medbill_cli.services.claims.query import claim_detail
    from medbill_cli.services.claims.store import get_claim

    with _context.session(write=False) as s:
        rec = claim_detail(session=s, claim=get_claim(session=s, claim_id=claim_id))
    emit_record(rec, fmt)


@app.command("export")
def export(
    fmt_: Annotated[str, typer.Option(
        "--format", "-f", help="x12 (837P), json or csv.")] = "x12",
    output: Annotated[str, typer.Option(
        "--output", "-o", help="File to write, or - for stdout.")] = "-",
    payer: Annotated[str | None, typer.Option(
        "--payer", help="Only this payer's claims (payer id).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Write the file; record nothing, change no claim.")] = False,
    test: Annotated[bool, typer.Option(
        "--test", help="Mark the interchange as a test (ISA15 T).")] = False,
    no_newlines: Annotated[bool, typer.Option(
        "--no-newlines", help="x12: write the interchange as one line (no newline after "
        "each segment terminator).")] = False,
) -> None:
    """Export every ready claim as one batch (one 837P interchange) and mark them submitted.

    Running it again exports nothing new; a batch interrupted before it was recorded is sent
    again in full by the next run.

    Example: medbill claim export --format x12 --output batch.x12
    """
    from medbill_cli.cli._output import warn
    from medbill_cli.money import fmt as money
    from medbill_cli.services.claims.export import export_batch

    eng = _context.engine()
    try:
        result = export_batch(engine=eng, user=_context.state.actor(), fmt_=fmt_,
                              output=None if output == "-" else Path(output),
                              to_stdout=_stdout_bytes, payer=payer, dry_run=dry_run,
                              usage="T" if test else "P", newlines=not no_newlines)
    finally:
        eng.dispose()
    sys.stdout.flush()
    for w in result.warnings:
        warn(w)
    if result.claim_count == 0:
        info("No ready claims to export.")
        return
    what = "Would export" if dry_run else f"Batch {result.batch_id or ''}:"
    control = f", control number {result.control}" if fmt_.strip().lower() == "x12" else ""
    info(f"{what} {result.claim_count} claim(s), total {money(result.total_cents)}{control}"
         + (" (dry run: nothing recorded)" if dry_run else "."))


@batch_app.command("list")
def batch_list(fmt: FormatOpt = Format.table) -> None:
    """List exported batches.

    Example: medbill claim batch list
    """
    from medbill_cli.services.claims.query import batch_row, list_batches

    with _context.session(write=False) as s:
        rows = [batch_row(b) for b in list_batches(session=s)]
    emit_rows(rows, fmt, columns=BATCH_COLUMNS if fmt is Format.table else None,
              empty="No batches yet.")


@batch_app.command("show")
def batch_show(
    batch_id: Annotated[int, typer.Argument()],
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Re-create the file here (- for stdout).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show a batch, or re-create its file byte for byte with --output.

    Example: medbill claim batch show 3 --output batch3.x12
    """
    from medbill_cli.services.claims.query import batch_bytes, batch_row, get_batch

    with _context.session(write=False) as s:
        b = get_batch(session=s, batch_id=batch_id)
        rec = batch_row(b)
        data = batch_bytes(b) if output is not None else None
    if output is None or data is None:
        emit_record(rec, fmt)
        return
    if output == "-":
        _stdout_bytes(data)
        return
    from medbill_cli.privfile import write_private

    write_private(Path(output), data)
    info(f"Wrote batch {batch_id} to {output} ({len(data)} bytes, sha256 {rec['sha256']}).")


@app.command("resubmit")
def resubmit(
    claim_id: Annotated[str, typer.Argument(help="The submitted claim (id or PCN).",
                                            autocompletion=_complete.claim_ids)],
    frequency: Annotated[str, typer.Option("--frequency", help="7 replacement, 8 void.")],
    payer_claim_number: Annotated[str | None, typer.Option(
        "--payer-claim-number", help="The payer's claim number (REF*F8).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Create a replacement (7) or void (8) of a submitted claim; scrub and export it as usual.

    REF*F8 defaults to the payer's claim number from the posted 835 (CLP07), else the 277CA's
    (REF*1K).

    Example: medbill claim resubmit 12 --frequency 7 --payer-claim-number 2024123456789
    """
    from medbill_cli.cli._output import emit_created
    from medbill_cli.services.claims.query import claim_detail
    from medbill_cli.services.claims.resubmit import resubmit_claim

    with _context.session() as s:
        c = resubmit_claim(session=s, user=_context.state.actor(), claim_id=claim_id,
                           frequency=frequency, payer_claim_number=payer_claim_number)
        rec = claim_detail(session=s, claim=c)
    emit_created(rec, fmt)


@app.command("rebuild")
def rebuild(
    claim_id: Annotated[str, typer.Argument(help="The draft, held or rejected claim (id or PCN).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the claim is set aside.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Set a claim not yet sent (draft, held, rejected) aside; its charges are unbilled again.

    Fix the charges (charge update, charge void) or the patient, then claim generate makes a
    new claim with a new control number.

    Example: medbill claim rebuild C00000001 --reason "wrong procedure code"
    """
    from medbill_cli.cli._output import emit_created
    from medbill_cli.services.claims.query import claim_detail
    from medbill_cli.services.corrections import rebuild_claim

    with _context.session() as s:
        c = rebuild_claim(session=s, user=_context.state.actor(), claim_id=claim_id,
                          reason=reason)
        rec = claim_detail(session=s, claim=c)
    info(f"Claim {c.pcn} rebuilt; its charges are unbilled again (run medbill claim generate).")
    emit_created(rec, fmt)
