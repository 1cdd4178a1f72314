"""Every status a claim, charge, payment or denial can have, and the moves between them.

A state machine is a table: ``TRANSITIONS`` maps each status to the statuses it may move to,
and ``check_transition`` is the one gate every status change passes through. A move the table
does not list is refused with exit 3, naming the record, where it is and where it was asked to
go. Staying where it is (a re-scrub that finds a held claim still held, an informational 835)
is not a move and is always allowed.

This module is pure: it knows no database. The services that change a status call
``check_transition`` (or ``check_transitions`` for many rows) before they write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from medbill_cli.errors import InputError


class ClaimStatus(StrEnum):
    """A claim is one submission of charge lines to one payer."""

    DRAFT = "draft"  # generated, not scrubbed
    HELD = "held"  # the scrub found an error
    READY = "ready"  # scrubbed clean, waiting for export
    SUBMITTED = "submitted"  # in an exported 837P batch
    ACCEPTED = "accepted"  # acknowledged by the clearinghouse or payer (999, 277CA)
    REJECTED = "rejected"  # refused by the clearinghouse or payer before adjudication
    PAID = "paid"  # an 835 paid it (in whole or in part)
    DENIED = "denied"  # an 835 denied it (CLP02 4)
    CLOSED = "closed"  # replaced or voided by a later claim
    CROSSED_OVER = "crossed_over"  # the primary forwarded it to the secondary itself
    REBUILT = "rebuilt"  # set aside; its charges are unbilled again for a new claim


class ChargeStatus(StrEnum):
    UNBILLED = "unbilled"
    BILLED = "billed"
    VOID = "void"


class PaymentStatus(StrEnum):
    POSTED = "posted"
    REVERSED = "reversed"


class DenialStatus(StrEnum):
    OPEN = "open"
    WORKED = "worked"
    CLOSED = "closed"


S = TypeVar("S", ClaimStatus, ChargeStatus, PaymentStatus, DenialStatus)

_C = ClaimStatus
# Where an 835 can land: any claim that went out, whatever was heard of it since. A payer may
# pay a claim after a 277CA rejection of a duplicate, or recoup one that was replaced.
_SENT = frozenset({_C.SUBMITTED, _C.ACCEPTED, _C.REJECTED, _C.PAID, _C.DENIED, _C.CLOSED,
                   _C.CROSSED_OVER})
_ADJUDICATED = frozenset({_C.PAID, _C.DENIED, _C.CROSSED_OVER})

CLAIM_TRANSITIONS: Mapping[ClaimStatus, frozenset[ClaimStatus]] = {
    _C.DRAFT: frozenset({_C.HELD, _C.READY, _C.REBUILT}),
    _C.HELD: frozenset({_C.READY, _C.REBUILT}),
    _C.READY: frozenset({_C.HELD, _C.SUBMITTED, _C.REBUILT}),
    _C.SUBMITTED: frozenset({_C.ACCEPTED, _C.REJECTED, _C.CLOSED} | _ADJUDICATED),
    _C.ACCEPTED: frozenset({_C.REJECTED, _C.CLOSED} | _ADJUDICATED),
    _C.REJECTED: frozenset({_C.ACCEPTED, _C.REBUILT} | _ADJUDICATED),
    # A reversal (CLP02 22) puts a claim back where it was before the posting it reverses.
    _C.PAID: frozenset({_C.SUBMITTED, _C.ACCEPTED, _C.REJECTED, _C.DENIED, _C.CLOSED,
                        _C.CROSSED_OVER}),
    _C.DENIED: frozenset({_C.SUBMITTED, _C.ACCEPTED, _C.REJECTED, _C.PAID, _C.CLOSED,
                          _C.CROSSED_OVER}),
    # A replaced claim keeps receiving the payer's answers about it (a recoupment, a late 835).
    _C.CLOSED: frozenset(_ADJUDICATED | {_C.SUBMITTED, _C.ACCEPTED, _C.REJECTED}),
    _C.CROSSED_OVER: frozenset({_C.PAID, _C.DENIED, _C.SUBMITTED, _C.ACCEPTED, _C.CLOSED}),
    _C.REBUILT: frozenset(),
}

CHARGE_TRANSITIONS: Mapping[ChargeStatus, frozenset[ChargeStatus]] = {
    ChargeStatus.UNBILLED: frozenset({ChargeStatus.BILLED, ChargeStatus.VOID}),
    # A rebuilt claim gives its charges back; voiding a billed charge needs a claim correction.
    ChargeStatus.BILLED: frozenset({ChargeStatus.UNBILLED}),
    ChargeStatus.VOID: frozenset(),
}

PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.POSTED: frozenset({PaymentStatus.REVERSED}),
    PaymentStatus.REVERSED: frozenset(),
}

DENIAL_TRANSITIONS: Mapping[DenialStatus, frozenset[DenialStatus]] = {
    DenialStatus.OPEN: frozenset({DenialStatus.WORKED, DenialStatus.CLOSED}),
    DenialStatus.WORKED: frozenset({DenialStatus.OPEN, DenialStatus.CLOSED}),
    DenialStatus.CLOSED: frozenset(),
}

TRANSITIONS: Mapping[type, Mapping[object, frozenset[object]]] = {
    ClaimStatus: CLAIM_TRANSITIONS,  # type: ignore[dict-item]
    ChargeStatus: CHARGE_TRANSITIONS,  # type: ignore[dict-item]
    PaymentStatus: PAYMENT_TRANSITIONS,  # type: ignore[dict-item]
    DenialStatus: DENIAL_TRANSITIONS,  # type: ignore[dict-item]
}

# Groups that more than one module asks about.
SCRUBBABLE: frozenset[ClaimStatus] = frozenset({_C.DRAFT, _C.HELD, _C.READY})
SENT: frozenset[ClaimStatus] = _SENT

_NOUN = {ClaimStatus: "claim", ChargeStatus: "charge", PaymentStatus: "payment",
         DenialStatus: "denial"}


class TransitionError(InputError):
    """A status change the table does not allow."""


def parse_status(kind: type[S], value: str) -> S:
    """Turn a typed or stored status into its enum member.

    Raises:
        InputError: ``value`` is not a status of ``kind``, naming the ones that are.
    """
    try:
        return kind(value.strip().lower())
    except ValueError:
        names = ", ".join(m.value for m in kind)
        raise InputError(f"Unknown {_NOUN[kind]} status '{value}'", f"Use one of {names}") from None


def parse_option(kind: type[S], value: str) -> S:
    """A status typed as a ``--status`` option: the same names, refused with the option's wording.

    Raises:
        InputError: ``value`` is not a status of ``kind`` (exit 3).
    """
    try:
        return kind(value.strip().lower())
    except ValueError:
        names = ", ".join(m.value for m in kind)
        raise InputError(f"Status '{value}' must be one of {names}") from None


def allowed(current: S, new: S) -> bool:
    """Whether ``current`` may move to ``new`` (staying put is always allowed)."""
    if type(current) is not type(new):
        raise TypeError(f"{current!r} and {new!r} are statuses of different records")
    return current == new or new in TRANSITIONS[type(current)][current]


def check_transition(current: S | str, new: S, *, record: object = None) -> S:
    """Refuse a status move the table does not allow.

    Args:
        current: the record's status now (a stored string is accepted).
        new: the status it is asked to move to.
        record: how to name the record in the refusal (its id, claim number, ...).

    Returns:
        ``new``, for ``row.status = check_transition(row.status, X)``.

    Raises:
        TransitionError: the move is not in the table (exit 3).
    """
    kind = type(new)
    cur = current if isinstance(current, kind) else parse_status(kind, str(current))
    if not allowed(cur, new):
        noun = _NOUN[kind]
        who = f"{noun} {record}" if record is not None else f"a {noun}"
        ways = ", ".join(sorted(str(s) for s in TRANSITIONS[kind][cur])) or "none"
        raise TransitionError(f"Cannot move {who} from {cur.value} to {new.value}",
                              f"From {cur.value} it can move to: {ways}")
    return new


def check_transitions(rows: Iterable[tuple[object, S | str]], new: S) -> None:
    """``check_transition`` for many records at once: ``rows`` are (record, current status)."""
    for record, current in rows:
        check_transition(current, new, record=record)
