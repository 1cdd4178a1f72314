"""Eligibility: 270 requests, 271 answers, the biller's summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from medbill_cli.cli import _complete, _context
from medbill_cli.cli._options import FormatOpt
from medbill_cli.cli._output import Format, emit_record, emit_rows, info, warn

app = typer.Typer(help="Eligibility: ask payers (270), import their answers (271), show them.",
                  no_args_is_help=True)


def parse_day(text: str) -> dt.date:
    """A date as typed, or ``tomorrow`` (this command checks the schedule ahead)."""
    from medbill_cli.dates import parse_date, today

    if text.strip().lower() == "tomorrow":
        return today() + dt.timedelta(days=1)
    try:
        return parse_date(text)
    except Exception as exc:
        from medbill_cli.errors import InputError

        if isinstance(exc, InputError):
            raise InputError(f"'{text}' is not a valid date",
                             "Use YYYY-MM-DD, today, yesterday or tomorrow") from None
        raise


@app.command("request")
def request(
    accounts: Annotated[list[str] | None, typer.Argument(
        help="Patient account numbers; leave out to ask about everyone seen on --date.",
        show_default=False, autocompletion=_complete.accounts)] = None,
    date: Annotated[str | None, typer.Option(
        "--date", help="Date of service: YYYY-MM-DD, today, yesterday or tomorrow. "
        "Without accounts: everyone with an encounter that day. Default: today.")] = None,
    service_type: Annotated[list[str] | None, typer.Option(
        "--service-type", help="EQ01 service type (repeatable): 30 plan coverage (default), "
        "98 office visit, MH mental health, PT physical therapy, ...")] = None,
    *,
    output: Annotated[Path, typer.Option("--output", "-o", help="The 270 file to write.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Write a 270 eligibility inquiry (005010X279A1) and remember its trace numbers.

    Each patient's primary coverage in force on the date is asked about; a patient covered as a
    dependent (relationship other than self) goes in the dependent loop under the subscriber.
    The file is written owner-only, and appears only once the requests are saved.

    Example: medbill eligibility request --date tomorrow --output tomorrow.270
    """
    from medbill_cli.dates import today
    from medbill_cli.errors import InputError
    from medbill_cli.services import eligibility as svc

    if output.is_dir():
        raise InputError(f"{output} is a folder", "Give the file to write with --output FILE.270")
    if not accounts and date is None:
        raise InputError("Give account numbers or --date", "For example: --date tomorrow")
    on = parse_day(date) if date is not None else today()
    types = svc.service_types(service_type or [])
    result = None
    try:
        with _context.connection() as c:
            result = svc.request_eligibility(conn=c, user=_context.state.actor(),
                                             accounts=accounts or [], on=on, types=types,
                                             output=output)
        svc.finish_file(result)
    except BaseException:
        svc.discard_file(result)
        raise
    for acct in result.skipped:
        warn(f"{acct} has no coverage in force on {on}; not asked about")
    emit_rows(result.requests, fmt, columns=["trace", "account", "payer_id", "member_id", "loop",
                                             "date"])
    info(f"Wrote {len(result.requests)} inquiry(ies) to {output} (interchange {result.control}).")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The 271 file.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Import a 271: each answer is matched to its request by trace number, else by member id
    and name. Unmatched answers are kept and listed, and the exit status is then 1.

    Example: medbill eligibility import answers.271
    """
    from medbill_cli.services.eligibility import import_271

    data = file.read_bytes()
    with _context.connection() as c:
        result = import_271(conn=c, user=_context.state.actor(), data=data, name=file.name)
    rows = result.matched + result.unmatched
    emit_rows(rows, fmt, columns=["trace", "account", "matched_by", "status", "member_id",
                                  "reason"])
    info(f"Imported {len(rows)} answer(s): {len(result.matched)} matched, "
         f"{len(result.unmatched)} unmatched.")
    if result.unmatched:
        for u in result.unmatched:
            warn(f"unmatched answer: trace {u['trace'] or '(none)'}, member id "
                 f"{u['member_id'] or '(none)'}")
        raise typer.Exit(1)


_ORDER = ("account", "status", "on_date", "note", "payer_id", "member_id", "plan_name",
          "insurance_type", "plan_begin", "plan_end", "group_number", "copay_in_network",
          "copay_out_of_network", "coinsurance_in_network", "coinsurance_out_of_network")


def _for_table(rec: dict[str, Any]) -> dict[str, Any]:
    out = {k: rec[k] for k in _ORDER if rec.get(k) is not None}
    out.update({k: v for k, v in rec.items() if k not in out and k not in _ORDER
                and v not in (None, [], "") and k not in ("rejections", "rejection")})
    for r in rec.get("rejections", []):
        out.setdefault("rejected", [])
        words = "; ".join(x for x in (r.get("fix"), r.get("follow_up")) if x)
        out["rejected"].append(f"AAA {r['code']}: {r['reason']}" + (f" ({words})" if words else ""))
    if "rejected" in out:
        out["rejected"] = " | ".join(out["rejected"])
    if rec.get("other_payers"):
        out["other_payers"] = " | ".join(rec["other_payers"])
    return out


@app.command("show")
def show(
    account: Annotated[
        str, typer.Argument(help="Patient account number.", autocompletion=_complete.accounts)
    ],
    apply: Annotated[bool, typer.Option(
        "--apply", help="Set the coverage's copay to the answer's in-network office-visit "
        "copay (audited).")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """The latest eligibility answer for a patient: active or not on the date, plan and dates,
    copay and coinsurance for office visits in and out of network, deductible and out-of-pocket
    (total and remaining), other payers, and rejection reasons in words.

    Example: medbill eligibility show P000001
    """
    from medbill_cli.services.eligibility import show_eligibility

    with _context.session(write=apply) as s:
        rec = show_eligibility(session=s, user=_context.state.actor(), account=account,
                               apply=apply)
    if fmt is Format.table:
        emit_record(_for_table(rec), fmt)
    elif fmt is Format.csv:
        flat = dict(rec)
        flat["other_payers"] = " | ".join(rec.get("other_payers") or [])
        emit_record(flat, fmt)
    else:
        emit_record(rec, fmt)
    if apply:
        info(f"Coverage copay set to {rec['applied_copay']}.")
