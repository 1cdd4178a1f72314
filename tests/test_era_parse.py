"""The 835 parser on the public samples, on files we write, and on broken input."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import shared_path
from era_support import ClaimSpec, Line, Plb, build_835

from medbill_cli.x12.era import (
    EraParseError,
    balance_problems,
    parse_835,
)

PUBLIC_835 = [
    "pyx12__835_mult_loops.txt",
    "linuxforhealth__managed-care.835",
    "linuxforhealth__secondary-payment.835",
    "edi835parser__united_healthcare_legacy_sample.txt",
]
GOLDEN = Path(__file__).parent / "golden_era"


def summary(data: bytes | str) -> dict[str, object]:
    """What the parser read, as JSON-ready data (the golden files' shape)."""
    ic = parse_835(data)
    out: list[dict[str, object]] = []
    for r in ic.transactions:
        out.append({
            "control": r.control_number, "handling": r.handling, "total": str(r.total),
            "method": r.method, "payment_date": str(r.payment_date), "trace": r.trace_number,
            "payer_key": r.payer_key, "payer": r.payer.name, "payee_id": r.payee.id,
            "warnings": list(r.warnings),
            "plb": [[p.reason, p.reference, str(p.amount)] for p in r.provider_adjustments],
            "balance_problems": [p.message for p in balance_problems(r)],
            "claims": [{
                "pcn": c.pcn, "status": c.status, "charge": str(c.charge), "paid": str(c.paid),
                "patient_responsibility": str(c.patient_responsibility),
                "payer_claim_number": c.payer_claim_number, "remarks": list(c.remarks),
                "corrected_name": bool(c.corrected_name),
                "adjustments": [[a.group, a.reason, str(a.amount)] for a in c.adjustments],
                "lines": [{
                    "code": ln.code, "modifiers": list(ln.modifiers), "charge": str(ln.charge),
                    "paid": str(ln.paid), "date": str(ln.service_date), "remarks": list(ln.remarks),
                    "adjustments": [[a.group, a.reason, str(a.amount)] for a in ln.adjustments],
                } for ln in c.lines],
            } for c in r.claims],
        })
    return {"interchange": ic.control_number, "transactions": out}


@pytest.mark.parametrize("name", PUBLIC_835)
def test_era_parse_public_sample_matches_golden(name: str) -> None:
    data = shared_path("data", "x12", "public", name).read_bytes()
    got = summary(data)
    golden = GOLDEN / f"{name}.expected.json"
    if os.environ.get("MEDBILL_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=2) + "\n")
    assert got == json.loads(golden.read_text())


@pytest.mark.parametrize("name", PUBLIC_835)
def test_era_parse_public_sample_balances(name: str) -> None:
    ic = parse_835(shared_path("data", "x12", "public", name).read_bytes())
    for r in ic.transactions:
        assert balance_problems(r) == []


@pytest.mark.parametrize("name", ["imsweb__x12_valid.txt", "linuxforhealth__demo.example1.837"])
def test_era_parse_837_refused_with_reason(name: str) -> None:
    data = shared_path("data", "x12", "public", name).read_bytes()
    with pytest.raises(EraParseError, match="Not an 835"):
        parse_835(data)


def test_era_parse_secondary_sample_foreign_component_separator() -> None:
    data = shared_path(
        "data", "x12", "public", "linuxforhealth__secondary-payment.835"
    ).read_bytes()
    r = parse_835(data).transactions[0]
    ln = r.claims[1].lines[1]
    assert (ln.qualifier, ln.code, ln.modifiers) == ("HC", "66543", ("26",))
    assert [(a.group, a.reason, a.amount) for a in ln.adjustments] == [
        ("PR", "1", Decimal("150.00")),
        ("PR", "2", Decimal("70.00")),
        ("CO", "42", Decimal("85.00")),
    ]
    assert any("component separator" in w for w in r.warnings)
    assert r.claims[1].payer_sequence == 2


def test_era_parse_corrected_name_without_last_name() -> None:
    data = shared_path(
        "data", "x12", "public", "edi835parser__united_healthcare_legacy_sample.txt"
    ).read_bytes()
    c = parse_835(data).transactions[0].claims[0]
    assert c.corrected_name is not None and c.corrected_name.last == ""
    assert c.patient is not None and c.patient.id == "123456789"


def test_era_parse_bad_date_is_a_warning() -> None:
    data = shared_path("data", "x12", "public", "linuxforhealth__managed-care.835").read_bytes()
    r = parse_835(data).transactions[0]
    assert r.payment_date is None
    assert any("BPR16" in w for w in r.warnings)


def _sample() -> str:
    return build_835(
        [
            ClaimSpec(
                "CLM1",
                "1",
                "150",
                "100",
                lines=[
                    Line("99213", "100", "80", [("CO", "45", "10"), ("PR", "2", "10")],
                         remarks=["N130"]),
                    Line("85025", "50", "20", [("PR", "1", "30")], modifiers=["QW"]),
                ],
            ),
            ClaimSpec("CLM2", "4", "100", "0", moa=["MA01", "MA02"],
                      lines=[Line("99214", "100", "0", [("CO", "50", "100")], remarks=["M25"])]),
            ClaimSpec("CLM3", "22", "-100", "-80",
                      lines=[Line("99213", "-100", "-80", [("CO", "45", "-20")])]),
        ],
        plb=[Plb("WO", "ABC", "5"), Plb("L6", "INT", "-1.50")],
    )


def test_era_parse_built_file_fields() -> None:
    r = parse_835(_sample()).transactions[0]
    assert r.total == Decimal("16.50") and r.trace_number == "TRACE0001"
    assert r.payer_key == "1512345678"
    assert [(p.reason, p.reference, p.amount) for p in r.provider_adjustments] == [
        ("WO", "ABC", Decimal("5")), ("L6", "INT", Decimal("-1.50"))]
    c1, c2, c3 = r.claims
    assert c1.lines[1].modifiers == ("QW",) and c1.lines[0].remarks == ("N130",)
    assert c1.patient_responsibility == Decimal("40")
    assert c2.is_denied and c2.remarks == ("MA01", "MA02")
    assert c3.is_reversal and c3.adjusted == Decimal("-20")
    assert balance_problems(r) == []


@pytest.mark.parametrize("transform", [
    lambda t: t,
    lambda t: t.replace("\n", ""),
    lambda t: t.replace("~\n", "~\r\n"),
    lambda t: t.replace("*", "|").replace("~\n", "\n"),  # '|' elements, newline terminator
    lambda t: t.replace(":", ">").replace("~", "'").replace("*", "+"),
    lambda t: "\ufeff" + t,
])
def test_era_parse_any_delimiters(transform) -> None:  # type: ignore[no-untyped-def]
    base = summary(_sample())
    assert summary(transform(_sample())) == base


def test_era_parse_cas_six_triplets_and_two_transactions() -> None:
    adjs = [("CO", c, "1") for c in ("45", "253", "59", "97", "B15", "16")] + [("CO", "A2", "4")]
    one = build_835([ClaimSpec("C1", "1", "100", "90", lines=[Line("99213", "100", "90", adjs)])])
    two = build_835([ClaimSpec("C2", "1", "50", "50", lines=[Line("99212", "50", "50")])],
                    trace="T2", control=2)
    seg = one.split("~\n")
    st_one = seg[2:seg.index("GE*1*1")]
    st_two = two.split("~\n")[2:-4]
    text = "~\n".join(seg[:2] + st_one + st_two + seg[-4:])
    ic = parse_835(text)
    assert [len(r.claims) for r in ic.transactions] == [1, 1]
    ln = ic.transactions[0].claims[0].lines[0]
    assert len(ln.adjustments) == 7 and ln.adjusted == Decimal("10")
    assert "CAS*CO*45*1**253*1**59*1**97*1**B15*1**16*1~" in one


def test_era_parse_unbalanced_claim_and_file() -> None:
    text = build_835(
        [
            ClaimSpec(
                "C1", "1", "100", "90", lines=[Line("99213", "100", "90", [("CO", "45", "5")])]
            )
        ],
        total="95",
    )
    probs = balance_problems(parse_835(text).transactions[0])
    msgs = [p.message for p in probs]
    assert any(m.startswith("BPR02 95.00 != claims paid 90.00") for m in msgs)
    assert any("charge 100.00 != paid 90.00 + adjustments 5.00 (off by 5.00)" in m for m in msgs)
    assert any("line 1 (99213)" in m for m in msgs)


@pytest.mark.parametrize("text, message", [
    ("", "does not start with an ISA"),
    ("hello world" * 20, "does not start with an ISA"),
    ("ISA*00*short~", "does not start with an ISA"),
])
def test_era_parse_not_x12(text: str, message: str) -> None:
    with pytest.raises(EraParseError, match=message):
        parse_835(text)


def test_era_parse_bad_amount_names_segment() -> None:
    text = _sample().replace("CLP*CLM2*4*100*", "CLP*CLM2*4*1O0*")
    with pytest.raises(EraParseError, match=r"CLP03 '1O0' is not an amount \(segment \d+\)"):
        parse_835(text)


def test_era_parse_bad_cas_group() -> None:
    with pytest.raises(EraParseError, match="CAS01 'XX'"):
        parse_835(_sample().replace("CAS*CO*50*100", "CAS*XX*50*100"))


def test_era_parse_truncated_file_warns() -> None:
    text = _sample()
    cut = text[: text.index("SE*")]
    r = parse_835(cut).transactions[0]
    assert len(r.claims) == 3
    assert any("without SE" in w for w in r.warnings)
