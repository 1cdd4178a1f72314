"""835 remittances: import and post."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import (
    Format,
    emit_record,
    emit_rows,
    emit_text,
    info,
    warn,
    write_json,
)

app = typer.Typer(help="835 remittances: import and post.", no_args_is_help=True)

LIST_COLUMNS = ["id", "posted_on", "payer", "trace", "method", "total", "plb", "claims",
                "unmatched"]


def era_public(e: Any) -> dict[str, Any]:
    from medbill_cli.money import fmt

    return {"id": e.id, "posted_on": e.posted_on, "payer": e.payer_name, "payer_key": e.payer_key,
            "trace": e.trace_number, "method": e.method, "handling": e.handling,
            "total": fmt(e.total_cents), "plb": fmt(e.plb_cents), "payment_date": e.payment_date,
            "claims": e.claim_count, "unmatched": e.unmatched_count, "file": e.file_name,
            "created_by": e.created_by}


def _unmatched_row(pc: Any) -> dict[str, Any]:
    c = pc.cp
    return {"pcn": c.pcn, "status_code": c.status, "charge": f"{c.charge:.2f}",
            "paid": f"{c.paid:.2f}", "payer_claim_number": c.payer_claim_number,
            "reason": pc.unmatched_reason}


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The 835 file.")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the posting plan; post nothing.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Post an 835 remittance: payments, adjustments, PLBs, claim statuses and denials.

    The whole file posts in one transaction, or nothing does: a file that does not balance
    or whose payer and trace number were already posted is refused. Claims that match none
    of ours are kept on the unmatched list (medbill era unmatched).

    Example: medbill era import remit.835 --dry-run
    """
    from medbill_cli.inputs import read_input
    from medbill_cli.money import fmt as money
    from medbill_cli.services.remit import import_era

    data = read_input(file, kind="835")
    with _context.session(write=not dry_run) as s:
        res = import_era(session=s, user=_context.state.actor(), data=data, file_name=file.name,
                         dry_run=dry_run)
        eras = [era_public(pe.era) for pe in res.eras if pe.era is not None]
    for w in res.warnings:
        warn(w)
    unmatched = [_unmatched_row(pc) for pc in res.unmatched]
    if dry_run:
        if fmt is Format.json:
            write_json({"dry_run": True, "plan": res.plan_lines(), "unmatched": unmatched})
        else:
            emit_text("\n".join(res.plan_lines()))
            info(f"Dry run: nothing was posted ({len(unmatched)} unmatched claim(s)).")
        return
    for pe in res.eras:
        counts: dict[str, int] = {}
        for pc in pe.claims:
            counts[pc.outcome] = counts.get(pc.outcome, 0) + 1
        assert pe.era is not None
        detail = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        info(f"Posted ERA {pe.era.id} (trace {pe.era.trace_number}): {pe.era.claim_count} claim(s) "
             f"({detail or 'none'}), payment {money(pe.era.total_cents)}, "
             f"PLB {money(pe.era.plb_cents)}, "
             f"{sum(len(pc.denials) for pc in pe.claims)} denial(s) opened.")
    for u in unmatched:
        warn(f"unmatched claim {u['pcn']} (CLP02 {u['status_code']}, paid {u['paid']}): "
             f"{u['reason']}")
    if fmt is Format.json:
        write_json(eras if len(eras) != 1 else {**eras[0], "unmatched_claims": unmatched})
    elif fmt is Format.csv:
        emit_rows(eras, fmt)
    else:
        emit_text("\n".join(str(e["id"]) for e in eras))


@app.command("list")
def list_(
    limit: Annotated[int | None, typer.Option("--limit")] = None, fmt: FormatOpt = Format.table
) -> None:
    """List posted ERAs, newest first.

    Example: medbill era list --format json
    """
    from medbill_cli.services.remit import list_eras

    with _context.session(write=False) as s:
        rows = [era_public(e) for e in list_eras(session=s, limit=limit)]
    emit_rows(rows, fmt, columns=LIST_COLUMNS if fmt is Format.table else None,
              empty="No ERAs posted yet. Post one with medbill era import FILE.835.")


@app.command("show")
def show(era_id: Annotated[int, typer.Argument(help="The ERA id.")],
         fmt: FormatOpt = Format.table) -> None:
    """Show an ERA: its payment, each claim's posting with adjustments, and PLBs.

    Example: medbill era show 1
    """
    from medbill_cli.money import fmt as money
    from medbill_cli.services.remit import get_era

    with _context.session(write=False) as s:
        d = get_era(session=s, era_id=era_id)
        rec = era_public(d.era)
        rec["claim_payments"] = [{
            "pcn": c.pcn, "claim": c.claim_id, "account": d.accounts.get(c.claim_id or 0),
            "status_code": c.status_code, "outcome": c.outcome, "charge": money(c.charge_cents),
            "paid": money(c.paid_cents), "patient_resp": money(c.patient_resp_cents),
            "adjustments": " ".join(f"{a.group_code}-{a.carc}:{money(a.amount_cents)}"
                                    for a in d.adjustments.get(c.id or 0, [])),
            "remarks": c.remarks, "reversed_by": c.reversed_by_id, "reverses": c.reverses_id,
        } for c in d.claims]
        rec["provider_adjustments"] = [{"reason": p.reason, "reference": p.reference,
                                        "amount": money(p.amount_cents)} for p in d.plbs]
    emit_record(rec, fmt, title=f"ERA {era_id}")


@app.command("unmatched")
def unmatched(fmt: FormatOpt = Format.table) -> None:
    """List remitted claims that matched none of ours, to be worked by hand.

    Example: medbill era unmatched --format csv
    """
    from medbill_cli.money import fmt as money
    from medbill_cli.services.remit import list_unmatched

    with _context.session(write=False) as s:
        rows = [{"id": ec.id, "era": e.id, "trace": e.trace_number, "payer": e.payer_name,
                 "pcn": ec.pcn, "status_code": ec.status_code, "charge": money(ec.charge_cents),
                 "paid": money(ec.paid_cents),
                 "payer_claim_number": ec.payer_claim_number, "member_id": ec.member_id,
                 "service_date": ec.service_date, "reason": ec.unmatched_reason}
                for ec, e in list_unmatched(session=s)]
    emit_rows(rows, fmt, columns=["id", "era", "pcn", "status_code", "charge", "paid",
                                  "payer_claim_number", "reason"] if fmt is Format.table else None,
              empty="No unmatched claims.")
