"""The ``coded`` fixture: ICD-10-CM and the samples are there, and the practice is set up."""

from __future__ import annotations


def test_coded_fixture_has_codes_and_practice(coded) -> None:  # type: ignore[no-untyped-def]
    n = coded.db.scalar(
        "SELECT count(*) FROM code WHERE system = 'icd10cm' AND billable = :b", b=True
    )
    assert n == 74719
    assert coded.db.scalar("SELECT count(*) FROM code WHERE system = 'cpt' AND code = '99213'") == 1
    assert coded.db.count("provider") == 1
