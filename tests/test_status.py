"""The status table: every pair of statuses of each record is tried, allowed or refused."""

from __future__ import annotations

import itertools

import pytest

from medbill_cli.errors import ExitCode
from medbill_cli.status import (
    TRANSITIONS,
    ChargeStatus,
    ClaimStatus,
    DenialStatus,
    PaymentStatus,
    TransitionError,
    allowed,
    check_transition,
    parse_status,
)

KINDS = [ClaimStatus, ChargeStatus, PaymentStatus, DenialStatus]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_status_table_is_closed(kind: type) -> None:
    table = TRANSITIONS[kind]
    assert set(table) == set(kind), "every status has a row"
    for targets in table.values():
        assert targets <= set(kind)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_status_every_pair(kind: type) -> None:
    table = TRANSITIONS[kind]
    for cur, new in itertools.product(kind, kind):
        expected = cur == new or new in table[cur]
        assert allowed(cur, new) is expected
        if expected:
            assert check_transition(cur, new, record=7) is new
            assert check_transition(cur.value, new) is new  # a stored string is accepted
        else:
            with pytest.raises(TransitionError) as exc:
                check_transition(cur, new, record=7)
            msg = str(exc.value)
            assert f"from {cur.value} to {new.value}" in msg and " 7 " in msg
            assert exc.value.exit_code == ExitCode.REJECTED
            assert "\n" not in msg


def test_status_known_moves() -> None:
    C = ClaimStatus
    assert allowed(C.READY, C.SUBMITTED)
    assert not allowed(C.DRAFT, C.SUBMITTED), "a claim is scrubbed before it is sent"
    assert not allowed(C.SUBMITTED, C.REBUILT), "a sent claim is replaced, not rebuilt"
    assert allowed(C.REJECTED, C.REBUILT)
    assert not any(allowed(C.REBUILT, s) for s in C if s is not C.REBUILT)
    assert not allowed(ChargeStatus.VOID, ChargeStatus.UNBILLED)
    assert not allowed(PaymentStatus.REVERSED, PaymentStatus.POSTED)
    assert allowed(DenialStatus.WORKED, DenialStatus.CLOSED)


def test_status_parse() -> None:
    assert parse_status(ClaimStatus, " Held ") is ClaimStatus.HELD
    with pytest.raises(TransitionError.__mro__[1]) as exc:
        parse_status(ClaimStatus, "lost")
    assert "Unknown claim status 'lost'" in str(exc.value)
    with pytest.raises(TypeError):
        allowed(ClaimStatus.DRAFT, ChargeStatus.VOID)  # type: ignore[arg-type]


def test_status_values_fit_their_columns() -> None:
    from medbill_cli.db.models import Charge, Claim, Denial, Payment

    for model, kind in ((Claim, ClaimStatus), (Charge, ChargeStatus), (Payment, PaymentStatus),
                        (Denial, DenialStatus)):
        width = model.__table__.c.status.type.length  # type: ignore[attr-defined]
        assert max(len(s.value) for s in kind) <= width, model.__name__
