"""The claim rules in ``services.claims.plan``, as pure functions over frozen rows."""

from __future__ import annotations

import datetime as dt

from medbill_cli.services.claims.plan import (
    BilledService,
    UnbilledCharge,
    find_duplicates,
    is_manifestation,
    plan_claims,
    primary_coverage,
)
from medbill_cli.status import ClaimStatus
from medbill_cli.x12.claim_map import ClaimRecord, CoverageRecord, LineRecord

DOS = dt.date(2026, 3, 2)


def cov(id_: int, *, priority: str = "primary", effective: dt.date | None = None,
        termination: dt.date | None = None, patient: int = 1) -> CoverageRecord:
    return CoverageRecord(id_, patient, 10 + id_, priority, f"M{id_}", None, "self", None, None,
                          None, None, None, effective, termination)


def charge(id_: int, pointers: str = "1", *, patient: int = 1, encounter: int = 1,
           provider: int | None = None, dos: dt.date = DOS) -> UnbilledCharge:
    return UnbilledCharge(id_, encounter, patient, dos, provider, "11", 1000 * id_, pointers)


def test_claim_plan_primary_coverage_in_force_wins() -> None:
    old = cov(1, termination=dt.date(2025, 12, 31))
    new = cov(2, effective=dt.date(2026, 1, 1))
    second = cov(3, priority="secondary")
    assert primary_coverage([old, new, second], DOS) == new
    # None in force: the nearest, so the scrubber can hold the claim and say why.
    assert primary_coverage([old], DOS) == old
    assert primary_coverage([second], DOS) is None


def test_claim_plan_splits_at_12_diagnoses_and_orders_pointers() -> None:
    dx = {i: f"Z{i:02d}.0" for i in range(1, 15)}
    charges = [charge(i, f"{i}") for i in range(1, 14)] + [charge(14, "2 1")]
    plan = plan_claims(charges, coverages={1: [cov(1)]}, encounter_provider={1: 7},
                       dx_by_encounter={1: dx})
    assert plan.skipped_no_coverage == 0
    first, second = plan.claims
    assert len(first.diagnoses) == 12 and len(first.charges) == 12
    assert [c.id for c in second.charges] == [13, 14]
    # Diagnoses in first-pointed order; each line's pointers index that list.
    assert second.diagnoses == ("Z13.0", "Z02.0", "Z01.0")
    assert second.pointers == ("1", "2 3")
    assert {p.provider_id for p in plan.claims} == {7}  # the encounter's provider


def test_claim_plan_splits_at_50_lines_and_skips_patients_without_coverage() -> None:
    charges = [charge(i) for i in range(1, 52)] + [charge(99, patient=2, encounter=2)]
    plan = plan_claims(charges, coverages={1: [cov(1)]}, encounter_provider={},
                       dx_by_encounter={1: {1: "I10"}})
    assert [len(p.charges) for p in plan.claims] == [50, 1]
    assert plan.skipped_no_coverage == 1
    assert plan.claims[0].total_cents == sum(1000 * i for i in range(1, 51))


def _claim(id_: int, original: int | None = None) -> ClaimRecord:
    return ClaimRecord(id_, f"C{id_:08d}", 1, 1, 1, None, None, "11", ClaimStatus.DRAFT, "1",
                       original, None, 1000, "I10", DOS, DOS, None, None)


def _line(claim_id: int, charge_id: int) -> LineRecord:
    return LineRecord(claim_id, 1, charge_id, "1", "99213", "", 1, 1000, DOS, 1, "11", None,
                      None, None)


def _billed(claim_id: int, charge_id: int) -> BilledService:
    return BilledService(claim_id, f"C{claim_id:08d}", charge_id, 1, "99213", DOS, "")


def test_claim_plan_duplicates_earlier_live_claim_but_not_own_original() -> None:
    # Claim 5 repeats the service of claim 2, which is still live.
    assert find_duplicates([_claim(5)], {5: [_line(5, 50)]},
                           [_billed(2, 20), _billed(5, 50)]) == {50: "C00000002"}
    # Claim 6 replaces claim 2 (its original): the same service is not a duplicate.
    assert find_duplicates([_claim(6, original=2)], {6: [_line(6, 60)]},
                           [_billed(2, 20), _billed(6, 60)]) == {}
    # A later claim does not make an earlier one a duplicate.
    assert find_duplicates([_claim(2)], {2: [_line(2, 20)]},
                           [_billed(2, 20), _billed(5, 50)]) == {}


def test_claim_plan_manifestation_codes() -> None:
    assert is_manifestation('{"code first": ["underlying disease, such as:"]}', "Gout in X")
    assert is_manifestation('{"code_first": ["the underlying condition"]}', "Delirium")
    # A "code first" note that is not the manifestation instruction: a sequencing hint.
    assert not is_manifestation('{"code_first": ["any routine childhood examination"]}',
                                "Encounter for immunization")
    assert not is_manifestation('{"code_first": [", if applicable, underlying X"]}', "Y")
    assert not is_manifestation('{"code first": ["E11"]}', "Diabetic cataract")
    assert is_manifestation(None, "Arthropathy in diseases classified elsewhere")
    assert not is_manifestation('{"excludes1": ["X"]}', "Essential hypertension")
    assert not is_manifestation("not json", None)
