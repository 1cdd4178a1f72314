"""The acknowledgment reader on its own: kinds by content, delimiters, the pitfalls other
projects hit (a TA1 before GS, STC10/STC11 composites), and hostile input, which is refused
with AckFormatError and never anything else."""

from __future__ import annotations

import pytest
from ack_support import IK3, Answer, Sent, ack_277, ack_277ca, ack_999, ta1
from hypothesis import given, settings
from hypothesis import strategies as st

from medbill_cli.x12.ack import AckFormatError, read_ack
from medbill_cli.x12.ack_codes import status_words, words

SENT = Sent("000000042", "42", "0042", [("C00000001", "125"), ("C00000002", "80.5")],
            "MAINST01", "CLEARHOUSE")


def test_read_999_with_errors() -> None:
    errs = [IK3("CLM", 30, "2300", "8", [("5:3", "1325", "7", "9")])]
    f = read_ack(ack_999(SENT, "R", errs).encode())
    assert f.kind == "999" and f.sender_id == "CLEARHOUSE" and f.receiver_id == "MAINST01"
    (g,) = f.groups
    assert (g.group_control, g.code, g.counts) == ("42", "R", (1, 1, 0))
    (tx,) = g.transactions
    assert (tx.control, tx.code, tx.reasons) == ("0042", "R", ("5",))
    (se,) = tx.errors
    assert (se.segment_id, se.position, se.loop, se.code) == ("CLM", "30", "2300", "8")
    assert se.elements[0].position == "5:3" and se.elements[0].value == "9"


def test_read_ta1_before_gs_in_a_999() -> None:
    text = ack_999(SENT)
    isa_end = text.index("~") + 1
    text = text[:isa_end] + "\nTA1*000000042*260105*1200*A*000~" + text[isa_end:]
    f = read_ack(text.encode())
    assert f.kind == "999" and f.ta1[0].control == 42 and f.ta1[0].code == "A"
    assert f.groups[0].transactions[0].code == "A"


def test_read_277ca_lines_and_extra_composites() -> None:
    a = Answer("C00000001", "125", "A7:164:IL", "ICN1", line_stc=[("99213", "125", "A7:454", "1")])
    stc = "STC*A7:164:IL*20260105*U*125"
    text = ack_277ca(SENT, [a]).replace(stc, stc + "******A7:562:DN*A6:255")
    f = read_ack(text.encode())
    assert f.kind == "277CA"
    (c,) = f.claims
    assert c.trace == "C00000001" and c.source == "clearinghouse" and c.payer_claim_number == "ICN1"
    assert [(s.category, s.code, s.entity) for s in c.statuses] == [
        ("A7", "164", "IL"), ("A7", "562", "DN"), ("A6", "255", "")]
    (ln,) = c.lines
    assert ln.line_ref == "1" and ln.statuses[0].code == "454"


def test_read_277_status_response() -> None:
    f = read_ack(ack_277(SENT, [Answer("C00000002", "80.5", "F1:65", "ICN9")]).encode())
    assert f.kind == "277" and f.claims[0].patient_control == "C00000002"
    assert f.claims[0].source == "payer" and f.claims[0].member_id == "M000000"


def test_read_ta1_alone() -> None:
    f = read_ack(ta1(SENT, "R", "025").encode())
    assert f.kind == "TA1" and f.ta1[0].note == "025" and not f.groups


@pytest.mark.parametrize("text, message", [
    ("", "does not start with an ISA segment"),
    ("GS*FA*X~", "does not start with an ISA segment"),
    (ack_999(SENT).split("\n")[0], "truncated"),
    ("ISA*00*" + "x" * 120, "ISA segment is cut short"),
    ("ISA" + "A" * 120, "cannot be the element separator"),
])
def test_read_refuses(text: str, message: str) -> None:
    with pytest.raises(AckFormatError, match=message):
        read_ack(text.encode())


def test_read_refuses_837_and_mixed_files() -> None:
    text = ack_999(SENT).replace("ST*999", "ST*837")
    with pytest.raises(AckFormatError, match="not a 999, 277CA or 277"):
        read_ack(text.encode())


def test_words_for_codes() -> None:
    assert words("ik4", "7") == "7 invalid code value"
    assert words("ta1", "999") == "999 (code not in medbill's table)"
    assert status_words("A7", "164", "IL") == (
        "A7 rejected: information invalid; 164 the entity's contract or member number; "
        "entity IL insured or subscriber")


VALID = [ack_999(SENT, "R", [IK3("NM1", 22, "2000", "8", [("9", "67", "7", "X")])]),
         ack_277ca(SENT, [Answer("C00000001", "125", "A2:20:PR", "ICN1",
                                 line_stc=[("99213", "125", "A7:454", "1")])]),
         ta1(SENT)]


@pytest.mark.parametrize("which", range(len(VALID)))
def test_read_every_truncation_is_refused_or_read(which: int) -> None:
    text = VALID[which]
    for cut in range(0, len(text), 3):
        try:
            read_ack(text[:cut].encode())
        except AckFormatError:
            pass


@settings(max_examples=300, deadline=None)
@given(which=st.integers(0, len(VALID) - 1), pos=st.integers(0, 2000),
       junk=st.binary(min_size=1, max_size=8))
def test_read_hostile_bytes_only_ack_format_error(which: int, pos: int, junk: bytes) -> None:
    data = VALID[which].encode()
    pos %= len(data)
    mutated = data[:pos] + junk + data[pos + len(junk):]
    try:
        read_ack(mutated)
    except AckFormatError:
        pass


def test_read_999_whose_isa_padding_is_wrong() -> None:
    """Some clearinghouses trim the ISA's fixed-width fields; the delimiters are still found by
    counting separators, as for an 835 or a 271."""
    text = ack_999(SENT)
    isa, rest = text.split("~", 1)
    parts = isa.split("*")
    parts[6], parts[8] = parts[6].strip(), parts[8].strip()
    trimmed = "*".join(parts) + "~" + rest
    assert len(trimmed.split("~", 1)[0]) < 105
    assert read_ack(trimmed.encode()).kind == read_ack(text.encode()).kind == "999"
