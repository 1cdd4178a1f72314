"""The 837P writer: golden files for each claim shape, each validated with pyx12 and x12check.

Golden files are rewritten only on request:
``MEDBILL_UPDATE_GOLDEN=1 pytest tests/test_x12_837p.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tracemalloc
from pathlib import Path

import pytest
from conftest import SHARED, shared_path
from x12_support import assert_valid_837, claim_balances, pyx12_errors, segments

from medbill_cli.x12.p837 import (
    Address,
    BillingProvider,
    ClaimOut,
    Envelope,
    PayerInfo,
    Person,
    Receiver,
    RenderingProvider,
    ServiceLine,
    Submitter,
    amount,
    clean,
    write_837p,
)

GOLDEN = Path(__file__).parent / "golden"
DOS = dt.date(2024, 1, 10)

ENVELOPE = Envelope(sender_id="SUB12345", receiver_id="RCV98765", control_number=101,
                    created=dt.datetime(2024, 1, 15, 12, 30), usage="T")
SUBMITTER = Submitter(name="Main Street Family Medicine", id="SUB12345",
                      contact_name="Billing Office", phone="518-555-0100",
                      email="billing@example.com")
RECEIVER = Receiver(name="Example Clearinghouse", id="RCV98765")
BILLING = BillingProvider(name="Main Street Family Medicine", npi="1234567893", ein="12-3456789",
                          address=Address("100 Main St", "Albany", "NY", "122071234"),
                          taxonomy="207Q00000X")
RENDERING = RenderingProvider(
    npi="1987654328", last_name="Ruiz", first_name="Ana", taxonomy="207Q00000X"
)
ACME = PayerInfo("Acme Health", "ACME1")
BEACON = PayerInfo("Beacon Medicare", "BCN02")
JOHN = Person("Doe", "John", dt.date(1970, 3, 15), "M", middle_name="A",
              address=Address("456 Oak Avenue", "Albany", "NY", "12203"))
MARY = Person("Roe", "Mary", dt.date(1982, 5, 1), "F",
              address=Address("789 Elm Street", "Albany", "NY", "12202"))
TIM = Person("Roe", "Timothy", dt.date(2015, 6, 20), "M",
             address=Address("789 Elm Street", "Albany", "NY", "12202"))


def line(code: str, cents: int, units: int = 1, pointers: tuple[int, ...] = (1,),
         modifiers: tuple[str, ...] = (), dos: dt.date = DOS) -> ServiceLine:
    return ServiceLine(code=code, amount_cents=cents, units=units, date_of_service=dos,
                       dx_pointers=pointers, modifiers=modifiers)


def self_claim(pcn: str = "C000001", **kw: object) -> ClaimOut:
    base: dict[str, object] = dict(
        pcn=pcn, pos="11", diagnoses=("J06.9", "R50.9"), subscriber=JOHN, member_id="W123456789",
        group_number="GRP12345", payer=ACME, rendering=RENDERING,
        lines=(line("99213", 12500, pointers=(1, 2)), line("87880", 2550)))
    base.update(kw)
    return ClaimOut(**base)  # type: ignore[arg-type]


def dependent_claim(pcn: str = "C000002", **kw: object) -> ClaimOut:
    base: dict[str, object] = dict(
        pcn=pcn, pos="11", diagnoses=("Z00.129",), subscriber=MARY, member_id="X987654321",
        payer=BEACON, filing_indicator="MB", relationship="child", patient=TIM, rendering=RENDERING,
        lines=(line("99392", 8500, modifiers=("25",)), line("90460", 2000, units=2)))
    base.update(kw)
    return ClaimOut(**base)  # type: ignore[arg-type]


def split_claims() -> list[ClaimOut]:
    lines = [line("97110", 3000 + i, dos=DOS + dt.timedelta(days=i % 20)) for i in range(60)]
    return [
        self_claim("C000003", lines=tuple(lines[:50])),
        self_claim("C000004", lines=tuple(lines[50:])),
    ]


SHAPES: dict[str, list[ClaimOut]] = {
    "self": [self_claim()],
    "dependent": [dependent_claim()],
    "two_payers": [self_claim(), dependent_claim()],
    "split": split_claims(),
    "replacement": [self_claim("C000001R1", frequency="7", payer_claim_number="PAYER-CLM-0042")],
    "void": [self_claim("C000001V1", frequency="8", payer_claim_number="PAYER-CLM-0042")],
}


def render(claims: list[ClaimOut], envelope: Envelope = ENVELOPE) -> str:
    buf = io.StringIO()
    write_837p(buf.write, claims, envelope=envelope, submitter=SUBMITTER, receiver=RECEIVER,
               billing=BILLING)
    return buf.getvalue()


def x12check_tool() -> Path | None:
    if not SHARED.exists() and os.environ.get("CI", "").lower() != "true":
        return None
    return shared_path("tools", "x12check")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_x12_golden(shape: str, tmp_path: Path) -> None:
    text = render(SHAPES[shape])
    golden = GOLDEN / f"837p_{shape}.x12"
    if os.environ.get("MEDBILL_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="ascii")
    assert text == golden.read_text(encoding="ascii")
    out = tmp_path / "out.x12"
    out.write_text(text, encoding="ascii")
    assert_valid_837(out, x12check_tool())


def test_x12_dependent_has_patient_loop() -> None:
    segs = segments(render([dependent_claim()]))
    ids = [s[0] for s in segs]
    hl = [s for s in segs if s[0] == "HL"]
    assert hl == [["HL", "1", "", "20", "1"], ["HL", "2", "1", "22", "1"],
                  ["HL", "3", "2", "23", "0"]]
    assert ["PAT", "19"] in segs
    assert ids.index("NM1") < ids.index("PAT")
    sbr = next(s for s in segs if s[0] == "SBR")
    assert sbr[2] == ""  # SBR02 is blank when the patient is not the subscriber


def test_x12_self_has_no_patient_loop() -> None:
    segs = segments(render([self_claim()]))
    assert not any(s[0] == "PAT" for s in segs)
    assert next(s for s in segs if s[0] == "SBR")[2] == "18"


def test_x12_counts_and_control_numbers() -> None:
    segs = segments(render(SHAPES["two_payers"]))
    st = segs.index(next(s for s in segs if s[0] == "ST"))
    se = segs.index(next(s for s in segs if s[0] == "SE"))
    assert int(segs[se][1]) == se - st + 1
    assert segs[se][2] == segs[st][2] == "0101"
    assert segs[0][13] == "000000101" and segs[-1] == ["IEA", "1", "000000101"]
    assert segs[-2] == ["GE", "1", "101"]
    assert [s[1] for s in segs if s[0] == "HL"] == ["1", "2", "3", "4"]


def test_x12_replacement_has_frequency_and_f8() -> None:
    segs = segments(render(SHAPES["replacement"]))
    clm = next(s for s in segs if s[0] == "CLM")
    assert clm[5] == "11:B:7"
    assert ["REF", "F8", "PAYER-CLM-0042"] in segs


def test_x12_rendering_omitted_when_same_as_billing() -> None:
    same = RenderingProvider(npi=BILLING.npi, last_name="X", first_name="Y")
    segs = segments(render([self_claim(rendering=same)]))
    assert not any(s[0] == "NM1" and s[1] == "82" for s in segs)


def test_x12_clm02_is_sum_of_lines() -> None:
    for _pcn, clm02, lines in claim_balances(render(split_claims())):
        assert clm02 == lines


def test_x12_data_cleaned_of_delimiters_and_uppercased(tmp_path: Path) -> None:
    odd = Person("O'Brien*Smith", "José~Ann", dt.date(1970, 1, 1), "F",
                 address=Address("1 A:B St^", "Albany", "ny", "12203"))
    text = render([self_claim(subscriber=odd)])
    nm1 = next(s for s in segments(text) if s[0] == "NM1" and s[1] == "IL")
    assert nm1[3:5] == ["O'BRIEN SMITH", "JOSE ANN"]
    out = tmp_path / "odd.x12"
    out.write_text(text, encoding="ascii")
    assert pyx12_errors(out) == []


def test_x12_amount_format() -> None:
    assert [amount(c) for c in (12500, 12550, 12555, 5, 0)] == [
        "125",
        "125.5",
        "125.55",
        "0.05",
        "0",
    ]
    assert clean("  a  b\n") == "A B"


def test_x12_more_than_50_lines_refused() -> None:
    lines = tuple(line("97110", 100) for _ in range(51))
    with pytest.raises(ValueError, match="at most 50"):
        render([self_claim(lines=lines)])


def test_x12_streaming_memory_flat() -> None:
    """Writing 5,000 claims to a sink keeps peak memory small (the writer holds only counters)."""

    def gen(n: int):  # type: ignore[no-untyped-def]
        for i in range(n):
            yield self_claim(f"C{i:07d}")

    render([self_claim()])  # warm caches
    tracemalloc.start()
    stats = write_837p(lambda s: None, gen(5000), envelope=ENVELOPE, submitter=SUBMITTER,
                       receiver=RECEIVER, billing=BILLING)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert stats.claims == 5000
    assert peak < 2_000_000
