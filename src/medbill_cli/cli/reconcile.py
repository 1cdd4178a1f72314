"""Close of day: ``medbill reconcile``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from medbill_cli.cli import _context
from medbill_cli.cli._options import DateOpt, FormatOpt
from medbill_cli.cli._output import Format, emit_rows, emit_text, info, warn, write_csv, write_json

if TYPE_CHECKING:
    from medbill_cli.services.reconcile import Reconciliation

CSV_COLUMNS = [
    "date",
    "balanced",
    "encounters",
    "form_charges",
    "entered_charges",
    "form_collected",
    "posted_payments",
    "kind",
    "encounter",
    "patient",
    "expected",
    "actual",
    "difference",
]


def reconcile(
    date: DateOpt,
    drawer: Annotated[
        str | None,
        typer.Option(
            "--drawer", help="The counted cash drawer, e.g. cash=120.00,check=45.00,card=300.00."
        ),
    ] = None,
    close: Annotated[bool, typer.Option("--close", help="Close the day if it balances.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="With --close: close an out-of-balance day (needs --reason)."),
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, recorded with the close.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Balance the day's encounter forms against charges and payments entered.

    Compares the day's encounters (their form totals) with the charges entered and the
    point-of-service payments posted, and the counted drawer with payments by method.
    Exit 0 when the day balances, 1 when it does not. With --close a balanced day is closed:
    charges, voids and payments dated that day are then refused until medbill day reopen.

    Discrepancy kinds: missing_charge, charge_without_encounter, charge_mismatch,
    unposted_payment, payment_mismatch, payment_without_encounter, drawer_mismatch;
    difference = actual (entered or counted) - expected (on the form or posted).

    Example: medbill reconcile --date today --drawer cash=120.00,check=45.00,card=300.00 --close
    """
    from medbill_cli.cli._options import parse_date
    from medbill_cli.errors import InputError
    from medbill_cli.services import days
    from medbill_cli.services.reconcile import parse_drawer, reconcile_day

    day = parse_date(date)
    counted = parse_drawer(drawer)
    if force and not close:
        raise InputError("--force only applies with --close", "Add --close, or drop --force")
    closed_row = None
    closed: dict[str, Any] = {}
    changed = False
    with _context.session(write=close) as s:
        result = reconcile_day(session=s, date=day, drawer=counted, lock=close)
        current = days.closing(session=s, date=day)
        _emit(result, fmt)
        if close:
            closed_row = days.close_day(session=s, user=_context.state.actor(), result=result,
                                        force=force, reason=reason)
            closed = {"at": closed_row.closed_at, "by": closed_row.closed_by,
                      "hash": closed_row.snapshot_hash, "forced": closed_row.forced}
        elif current is not None:
            changed = current.snapshot_hash != result.rows_hash()
    if closed_row is not None:
        how = "with discrepancies (forced)" if closed["forced"] else "balanced"
        info(f"Closed {day.isoformat()} {how}; snapshot hash {closed['hash'][:16]}. "
             f"Charges and payments dated that day are now refused until "
             f"medbill day reopen {day.isoformat()} --reason TEXT.")
    elif current is not None:
        info(f"The day {day.isoformat()} is closed (by {current.closed_by} at "
             f"{current.closed_at:%Y-%m-%d %H:%M} UTC).")
        if changed:
            warn("the day's rows have changed since it was closed (the hash differs).")
    if not result.balanced:
        raise typer.Exit(1)


def _emit(r: Reconciliation, fmt: Format) -> None:
    data = r.as_json()
    if fmt is Format.json:
        write_json(data)
        return
    if fmt is Format.csv:
        head = {k: data[k] for k in CSV_COLUMNS[:7]}
        head["balanced"] = "true" if r.balanced else "false"
        rows = [{**head, **d} for d in data["discrepancies"]] or [head]
        write_csv(rows, CSV_COLUMNS)
        return
    _table(r)


def _table(r: Reconciliation) -> None:
    from medbill_cli.money import fmt
    from medbill_cli.services.reconcile import KIND_TITLES, KINDS, fmt_signed

    n = len(r.discrepancies)
    if r.balanced:
        emit_text(f"{r.date.isoformat()}: the day balances.")
    else:
        emit_text(
            f"{r.date.isoformat()}: OUT OF BALANCE, {n} discrepanc{'y' if n == 1 else 'ies'}."
        )
    opened = r.encounters - r.form_encounters
    emit_text(f"Encounters: {r.encounters} ({r.form_encounters} from encounter forms"
              + (f", {opened} opened by charge entry)" if opened else ")"))
    totals: list[dict[str, Any]] = [
        {"": "Charges", "forms_total": fmt(r.form_charges_cents),
         "entered_total": fmt(r.entered_charges_cents),
         "difference": fmt_signed(r.entered_charges_cents - r.form_charges_cents)},
        {"": "Collected", "forms_total": fmt(r.form_collected_cents),
         "entered_total": fmt(r.posted_payments_cents),
         "difference": fmt_signed(r.posted_payments_cents - r.form_collected_cents)},
    ]
    emit_rows(totals, Format.table, columns=["", "forms_total", "entered_total", "difference"],
              title=f"Totals for {r.date.isoformat()}")
    methods = sorted(set(r.by_method_cents) | set(r.drawer_cents or {}),
                     key=lambda m: ("cash", "check", "card", "eft").index(m)
                     if m in ("cash", "check", "card", "eft") else 9)
    if methods:
        pay_rows = []
        for m in methods:
            posted = r.by_method_cents.get(m, 0)
            row: dict[str, Any] = {"method": m, "posted": fmt(posted)}
            if r.drawer_cents is not None:
                counted = r.drawer_cents.get(m)
                row["counted"] = fmt(counted) if counted is not None else "not counted"
                row["difference"] = fmt_signed(counted - posted) if counted is not None else ""
            pay_rows.append(row)
        cols = ["method", "posted"] + (
            ["counted", "difference"] if r.drawer_cents is not None else []
        )
        emit_rows(pay_rows, Format.table, columns=cols, title="Payments dated the day, by method")
    for kind in KINDS:
        group = [d for d in r.discrepancies if d.kind == kind]
        if not group:
            continue
        rows: list[dict[str, Any]]
        if kind == "drawer_mismatch":
            rows = [{"method": d.method, "posted": fmt(d.expected_cents),
                     "counted": fmt(d.actual_cents), "difference": fmt_signed(d.difference_cents)}
                    for d in group]
            cols = ["method", "posted", "counted", "difference"]
        else:
            rows = [{"encounter": d.encounter or "", "payment": d.payment or "",
                     "patient": d.patient or "", "expected": fmt(d.expected_cents),
                     "actual": fmt(d.actual_cents), "difference": fmt_signed(d.difference_cents)}
                    for d in group]
            cols = ["encounter", "patient", "expected", "actual", "difference"]
            if any(d.payment for d in group):
                cols.insert(1, "payment")
        emit_text(f"{KIND_TITLES[kind]} ({kind}): {len(group)}")
        emit_rows(rows, Format.table, columns=cols)
