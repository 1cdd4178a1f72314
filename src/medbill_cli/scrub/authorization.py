"""The prior-authorization edit: a line whose code the payer wants authorized is held when it has
no authorization, or its authorization has expired (or not begun) or is used up.

Pure: the caller looks up, per line, whether the code needs an authorization (the payer's list,
``services.authorizations.codes_needing_auth``) and the authorization that covers it
(``services.authorizations.authorization_for``, whose counts run through that line's visit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from medbill_cli.scrub.view import AuthInfo, AuthLine, Finding

EDIT = "prior-auth"

__all__ = ["EDIT", "AuthInfo", "AuthLine", "check_authorizations", "check_prior_auth"]


class HasAuthLines(Protocol):
    @property
    def patient_account(self) -> str: ...

    @property
    def auth_lines(self) -> tuple[AuthLine, ...]: ...


def _held(message: str, fix: str, line: int) -> Finding:
    return Finding(edit=EDIT, severity="error", message=message, fix=fix, line=line)


def _line(ln: AuthLine, account: str) -> Finding | None:
    a = ln.auth
    if a is None:
        if not ln.needs_auth:
            return None
        return _held(f"{ln.code} on {ln.dos} needs the payer's prior authorization and has none",
                     f"Get one and record it with medbill auth add {account} --payer PAYER_ID "
                     f"--number N --from DATE --to DATE", ln.number)
    if not (a.start <= ln.dos <= a.end):
        when = "expired on" if ln.dos > a.end else "begins on"
        day = a.end if ln.dos > a.end else a.start
        return _held(f"Authorization {a.number} {when} {day}; {ln.code} is on {ln.dos}",
                     "Ask the payer to extend it, then record the new one with medbill auth add",
                     ln.number)
    if a.visits_allowed is not None and a.visits_used > a.visits_allowed:
        return _held(f"Authorization {a.number} allows {a.visits_allowed} visit(s); "
                     f"{ln.code} on {ln.dos} is visit {a.visits_used}",
                     "Ask the payer for more visits and record the new authorization", ln.number)
    if a.units_allowed is not None and a.units_used > a.units_allowed:
        return _held(f"Authorization {a.number} allows {a.units_allowed} unit(s); "
                     f"{a.units_used} are billed through {ln.dos}",
                     "Ask the payer for more units and record the new authorization", ln.number)
    return None


def check_authorizations(lines: Sequence[AuthLine], account: str = "ACCOUNT") -> list[Finding]:
    """One finding per line that needs an authorization it lacks, or whose authorization does
    not cover it (dates, visits or units).

    Args:
        lines: the claim's lines with what was looked up for each.
        account: the patient's account number, for the fix text.

    Returns:
        The findings, in line order (errors: they hold the claim).
    """
    out: list[Finding] = []
    for ln in lines:
        f = _line(ln, account)
        if f is not None:
            out.append(f)
    return out


def check_prior_auth(view: HasAuthLines) -> list[Finding]:
    """The edit in ``scrub.checks.EDITS`` form, once the claim view carries ``auth_lines``."""
    return check_authorizations(view.auth_lines, view.patient_account)
