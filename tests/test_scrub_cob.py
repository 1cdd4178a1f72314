"""The coordination-of-benefits edits as pure functions (no database), each failing case, and
the 837P writer's CAS grouping; a property test: an adjudication built to balance always
passes, and moving one cent anywhere always fails."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import given
from hypothesis import strategies as st
from test_claim_scrub_edits import line, view
from test_x12_837p import BILLING, ENVELOPE, RECEIVER, SUBMITTER, self_claim
from x12_support import segments

from medbill_cli.scrub import checks
from medbill_cli.scrub.cob import check_cob
from medbill_cli.scrub.view import ClaimView, CobLine, CobPayer
from medbill_cli.x12 import p837

# Two lines: 125.00 and 25.50.
LINES = (line(1, amount_cents=12500), line(2, "87880", amount_cents=2550))


def primary(**kw: object) -> CobPayer:
    """The primary's balanced answer: line 1 paid 70.00 (CO-45 30.00, PR-2 25.00), line 2 paid
    10.00 (CO-45 5.50, PR-1 10.00); AMT*D 80.00."""
    base: dict[str, object] = dict(
        payer_code="ACME1", priority="primary", adjudicated=True, paid_cents=8000,
        by_lines=True, lines=(
            CobLine(1, 12500, 7000, (("CO", "45", 3000), ("PR", "2", 2500))),
            CobLine(2, 2550, 1000, (("CO", "45", 550), ("PR", "1", 1000)))))
    base.update(kw)
    return CobPayer(**base)  # type: ignore[arg-type]


def secondary_view(*payers: CobPayer) -> ClaimView:
    return view(lines=LINES, claim_priority="secondary", cob=payers)


def found(v: ClaimView) -> list[tuple[str, int | None]]:
    return [(f.edit, f.line) for f in check_cob(v)]


def test_balanced_secondary_passes_and_is_in_the_scrub() -> None:
    v = secondary_view(primary())
    assert found(v) == []
    assert check_cob in checks.EDITS
    assert [f for f in checks.scrub(v) if f.edit.startswith("cob-")] == []


def test_line_out_of_balance() -> None:
    """The payer adjudicated 120.00 of line 1: SV102 125.00 != SVD02 70.00 + CAS 50.00."""
    bad = primary(lines=(CobLine(1, 12500, 7000, (("CO", "45", 2500), ("PR", "2", 2500))),
                         primary().lines[1]), paid_cents=8000)
    got = check_cob(secondary_view(bad))
    assert [(f.edit, f.line) for f in got] == [("cob-line-balance", 1), ("cob-claim-balance", None)]
    assert "charge 125.00, paid 70.00 + adjustments 50.00 = 120.00 (off by -5.00)" in got[0].message
    assert got[0].severity == "error"


def test_claim_out_of_balance() -> None:
    """Lines balance, but AMT*D says 85.00 while CLM02 - CAS leaves 80.00."""
    got = check_cob(secondary_view(primary(paid_cents=8500)))
    assert [(f.edit, f.line) for f in got] == [("cob-claim-balance", None)]
    assert "off by -5.00" in got[0].message


def test_adjustment_at_both_levels() -> None:
    """PR-2 in 2320 and on line 1: counted twice."""
    got = found(secondary_view(primary(claim_adjustments=(("PR", "2", 2500),))))
    assert ("cob-both-levels", 1) in got and ("cob-claim-balance", None) in got


def test_negative_paid_refused() -> None:
    neg = primary(paid_cents=-1000, lines=(
        CobLine(1, 12500, -1000, (("CO", "45", 13500),)), primary().lines[1]))
    got = found(secondary_view(neg))
    assert ("cob-negative-paid", None) in got and ("cob-negative-paid", 1) in got


def test_line_without_adjudication_refused() -> None:
    """The payer answered line 1 only: line 2 has no 2430 and is never sent without one."""
    part = primary(paid_cents=7000, lines=(primary().lines[0], CobLine(2, 2550, None)))
    got = found(secondary_view(part))
    assert ("cob-line-missing", 2) in got


def test_prior_payer_not_adjudicated_refused() -> None:
    got = found(secondary_view(CobPayer("ACME1", "primary")))
    assert got == [("cob-not-adjudicated", None)]


def test_claim_level_only_answer_balances_at_the_claim() -> None:
    """A paper EOB without lines: no 2430, the claim balance alone."""
    eob = CobPayer("ACME1", "primary", True, 8000, (("CO", "45", 3550), ("PR", "1", 3500)))
    assert found(secondary_view(eob)) == []
    assert found(secondary_view(CobPayer("ACME1", "primary", True, 8000,
                                         (("CO", "45", 3550),)))) == [("cob-claim-balance", None)]


def test_primary_claim_with_known_secondary_is_not_checked() -> None:
    """A later payer (not yet adjudicated) on the primary's claim is no finding."""
    v = view(lines=LINES, claim_priority="primary", cob=(CobPayer("SECND", "secondary"),))
    assert found(v) == []


def test_tertiary_checks_both_prior_payers() -> None:
    sec = CobPayer("SECND", "secondary", True, 2500, (), True, (
        CobLine(1, 12500, 1500, (("OA", "23", 10000), ("PR", "3", 1000))),
        CobLine(2, 2550, 1000, (("OA", "23", 1550),))))
    v = view(lines=LINES, claim_priority="tertiary", cob=(primary(), sec))
    assert found(v) == []
    off = CobPayer("SECND", "secondary", True, 2600, (), True, sec.lines)
    v = view(lines=LINES, claim_priority="tertiary", cob=(primary(), off))
    assert found(v) == [("cob-claim-balance", None)]


@given(st.lists(st.tuples(st.integers(1, 500_00), st.integers(0, 100), st.integers(0, 100)),
                min_size=1, max_size=6), st.integers(0, 5), st.sampled_from(["paid", "cas"]))
def test_balanced_answers_pass_and_one_cent_off_fails(
        spec: list[tuple[int, int, int]], which: int, where: str) -> None:
    """Each line: charge split into paid, CO and PR by the two percentages (cents exact)."""
    cob_lines, view_lines = [], []
    for n, (charge, a, b) in enumerate(spec, start=1):
        co = charge * min(a, 100) // 100
        pr = (charge - co) * min(b, 100) // 100
        paid = charge - co - pr
        cob_lines.append(CobLine(n, charge, paid, (("CO", "45", co), ("PR", "1", pr))))
        view_lines.append(line(n, amount_cents=charge))
    total_paid = sum(ln.paid_cents or 0 for ln in cob_lines)
    payer = CobPayer("ACME1", "primary", True, total_paid, (), True, tuple(cob_lines))
    v = view(lines=tuple(view_lines), claim_priority="secondary", cob=(payer,))
    assert found(v) == []
    i = which % len(cob_lines)
    ln = cob_lines[i]
    if where == "paid":
        bumped = CobLine(ln.number, ln.charge_cents, (ln.paid_cents or 0) + 1, ln.adjustments)
    else:
        g, r, c = ln.adjustments[0]
        bumped = CobLine(ln.number, ln.charge_cents, ln.paid_cents, ((g, r, c + 1),
                                                                     *ln.adjustments[1:]))
    cob_lines[i] = bumped
    bad = CobPayer("ACME1", "primary", True, total_paid, (), True, tuple(cob_lines))
    v = view(lines=tuple(view_lines), claim_priority="secondary", cob=(bad,))
    assert ("cob-line-balance", ln.number) in found(v)


def test_writer_cas_one_segment_per_group_six_triplets() -> None:
    """Seven PR reasons: one CAS*PR with six, a second CAS*PR with the seventh; CO apart."""
    adjs = tuple(p837.Cas("PR", str(n), 100) for n in range(1, 8)) + (p837.Cas("CO", "45", 50),)
    other = p837.OtherPayer(
        priority="primary", relationship="self", subscriber=self_claim().subscriber,
        member_id="W1", payer=p837.PayerInfo("Acme Health", "ACME1"), paid_cents=0,
        adjustments=adjs, claim_number="ICN1", adjudication_date=dt.date(2024, 1, 5))
    co = self_claim(priority="secondary", other_payers=(other,))
    buf = io.StringIO()
    p837.write_837p(buf.write, [co], envelope=ENVELOPE, submitter=SUBMITTER, receiver=RECEIVER,
                    billing=BILLING)
    cas = [s for s in segments(buf.getvalue()) if s[0] == "CAS"]
    assert cas == [["CAS", "PR", "1", "1", "", "2", "1", "", "3", "1", "", "4", "1", "", "5", "1",
                    "", "6", "1"], ["CAS", "PR", "7", "1"], ["CAS", "CO", "45", "0.5"]]
    segs = segments(buf.getvalue())
    # Claim-level only: DTP*573 in 2330B, before REF*F8.
    i = max(n for n, s in enumerate(segs) if s[:2] == ["NM1", "PR"])
    assert segs[i + 1] == ["DTP", "573", "D8", "20240105"] and segs[i + 2] == ["REF", "F8", "ICN1"]
