"""The scrub edits as pure functions over a ClaimView (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from medbill_cli.scrub import checks
from medbill_cli.scrub.rules import SEX_RULES, age_rule, sex_rule
from medbill_cli.scrub.view import ClaimView, DxInfo, LineView, ProcInfo, PtpInfo

DOS = dt.date(2024, 3, 4)


def line(n: int = 1, code: str = "99213", **kw: object) -> LineView:
    base: dict[str, object] = dict(number=n, code=code, units=1, amount_cents=12500, dos=DOS,
                                   dx_pointers=(1,), proc=ProcInfo(code))
    base.update(kw)
    return LineView(**base)  # type: ignore[arg-type]


def view(**kw: object) -> ClaimView:
    base: dict[str, object] = dict(
        claim_id=1, pcn="C000001", today=DOS + dt.timedelta(days=3), practice_npi="1234567893",
        practice_ein="123456789", practice_zip="122071234", patient_account="P000001",
        patient_sex="M", patient_dob=dt.date(1970, 1, 1), patient_has_name=True,
        patient_has_address=True, has_coverage=True, member_id="W1", payer_code="ACME1",
        timely_filing_days=365, coverage_effective=dt.date(2020, 1, 1), coverage_termination=None,
        subscriber_is_patient=True, subscriber_complete=True, rendering_npi="1987654328",
        diagnoses=(DxInfo("J06.9"),), lines=(line(),))
    base.update(kw)
    return ClaimView(**base)  # type: ignore[arg-type]


def edits(v: ClaimView) -> list[tuple[str, str, int | None]]:
    return [(f.edit, f.severity, f.line) for f in checks.scrub(v)]


def test_claim_scrub_clean_claim_has_no_findings() -> None:
    assert edits(view()) == []


@pytest.mark.parametrize(
    "change, edit",
    [
        (dict(practice_npi=None), "required-data"),
        (dict(practice_zip="12207"), "required-data"),
        (dict(member_id=""), "required-data"),
        (dict(payer_code=None), "required-data"),
        (dict(patient_has_address=False), "required-data"),
        (dict(rendering_npi=None), "required-data"),
        (dict(rendering_npi="1987654321"), "npi-check-digit"),
        (dict(coverage_termination=dt.date(2024, 1, 31)), "coverage-inactive"),
        (dict(coverage_effective=dt.date(2024, 6, 1)), "coverage-inactive"),
        (dict(diagnoses=(DxInfo("E11", billable=False),)), "dx-header"),
        (dict(diagnoses=(DxInfo("Q99.9", known=False),)), "dx-invalid"),
        (dict(diagnoses=(DxInfo("W19.XXXA"), DxInfo("S52.501A"))), "dx-external-cause-first"),
        (
            dict(diagnoses=(DxInfo("G63", manifestation=True), DxInfo("E11.42"))),
            "dx-manifestation-first",
        ),
        (dict(diagnoses=(DxInfo("O09.90"),)), "dx-sex-conflict"),
        (dict(diagnoses=(DxInfo("N40.0"),), patient_sex="F"), "dx-sex-conflict"),
        (dict(diagnoses=(DxInfo("Z38.00"),)), "dx-age-conflict"),
        (dict(lines=(line(dx_pointers=(2,)),)), "dx-pointer"),
        (dict(lines=(line(dx_pointers=()),)), "dx-pointer"),
        (dict(lines=(line(proc=ProcInfo("99999", known=False)),)), "proc-invalid"),
        (dict(lines=(line(unknown_modifiers=("ZZ",), modifiers=("ZZ",)),)), "modifier-invalid"),
        (dict(lines=(line(units=3, mue=1, mai=1),)), "mue"),
        (
            dict(
                lines=(
                    line(1, "97110", units=3, mue=4, mai=3),
                    line(2, "97110", units=2, mue=4, mai=3, modifiers=("59",)),
                )
            ),
            "mue",
        ),
        (dict(lines=(line(duplicate_of="C000007"),)), "duplicate-claim"),
        (dict(today=DOS + dt.timedelta(days=400)), "timely-filing"),
        (dict(lines=(line(amount_cents=0),)), "charge-amount"),
        (dict(frequency="7"), "payer-claim-number"),
    ],
)
def test_claim_scrub_edit_finds(change: dict[str, object], edit: str) -> None:
    found = edits(view(**change))
    assert (edit, "error") in [(e, s) for e, s, _ in found], found


def test_claim_scrub_ptp_pair_without_modifier() -> None:
    ptp = (PtpInfo("20610", "99213", "1"),)
    lines = (line(1, "20610"), line(2, "99213"))
    assert edits(view(lines=lines, ptp=ptp)) == [("ncci-ptp", "error", 2)]


@pytest.mark.parametrize("mod", ["25", "59", "XE", "XS", "XP", "XU"])
def test_claim_scrub_ptp_bypassed_by_modifier(mod: str) -> None:
    ptp = (PtpInfo("20610", "99213", "1"),)
    lines = (line(1, "20610"), line(2, "99213", modifiers=(mod,)))
    assert edits(view(lines=lines, ptp=ptp)) == []


def test_claim_scrub_ptp_indicator_0_not_bypassed() -> None:
    ptp = (PtpInfo("20610", "20611", "0"),)
    lines = (line(1, "20610"), line(2, "20611", modifiers=("59",)))
    assert edits(view(lines=lines, ptp=ptp)) == [("ncci-ptp", "error", 2)]


def test_claim_scrub_ptp_other_date_ignored() -> None:
    ptp = (PtpInfo("20610", "99213", "1"),)
    lines = (line(1, "20610"), line(2, "99213", dos=DOS + dt.timedelta(days=1)))
    assert edits(view(lines=lines, ptp=ptp)) == []


def test_claim_scrub_timely_filing_warns_near_limit() -> None:
    assert edits(view(today=DOS + dt.timedelta(days=350))) == [("timely-filing", "warning", None)]


def test_claim_scrub_age_rule_passes_newborn() -> None:
    v = view(diagnoses=(DxInfo("Z38.00"),), patient_dob=DOS - dt.timedelta(days=2))
    assert edits(v) == []


def test_claim_scrub_rules_tables() -> None:
    assert sex_rule("O80") is not None and sex_rule("O80").sex == "F"  # type: ignore[union-attr]
    assert sex_rule("C61").sex == "M"  # type: ignore[union-attr]
    assert sex_rule("J06.9") is None
    assert age_rule("P07.1") is None  # usable throughout life (guideline I.C.16.a)
    assert all(r.sex in ("M", "F") for r in SEX_RULES)


def test_claim_scrub_every_edit_listed() -> None:
    names = {n for n in dir(checks) if n.startswith("check_")}
    assert names == {f.__name__ for f in checks.EDITS}


def test_claim_scrub_findings_frozen() -> None:
    f = checks.scrub(view(practice_npi=None))[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.edit = "x"  # type: ignore[misc]
