"""Rule tables the scrubber reads, kept as data with their sources.

Each row names a range of ICD-10-CM codes (by prefix, inclusive, compared on the code without
its dot) and what the code says about the patient. Sources:

* Sex: CMS, "Definitions of Medicare Code Edits" (ICD-10 MCE), edit 4 "Sex conflict", and the
  ICD-10-CM Tabular List chapter and block titles (chapter 15 "Pregnancy, childbirth and the
  puerperium" O00-O9A; N40-N53 "Diseases of male genital organs"; N70-N98 female pelvic organs
  and genital tract; C51-C58 and C60-C63 malignant neoplasms of female and male genital organs).
* Age: ICD-10-CM Tabular List notes that are explicit about newborns: Z38 "for use as the
  principal code on the initial record of a newborn baby", Z05 "for newborns, within the
  neonatal period (the first 28 days of life)", P00-P04 "newborn affected by maternal factors";
  and guideline I.C.16.a (other chapter 16 codes may be used throughout life, so they are not
  listed here).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

SEX_SOURCE = "CMS ICD-10 MCE edit 4 (sex conflict); ICD-10-CM Tabular List block titles"
AGE_SOURCE = "ICD-10-CM Tabular List notes for Z38, Z05, P00-P04 (newborn, first 28 days)"


@dataclass(frozen=True)
class SexRule:
    first: str  # code prefix, no dot, inclusive
    last: str
    sex: str  # the only sex the code fits: F or M
    what: str


@dataclass(frozen=True)
class AgeRule:
    first: str
    last: str
    max_days: int  # the patient's age on the date of service, in days, at most
    what: str


SEX_RULES: tuple[SexRule, ...] = (
    SexRule("O00", "O9A", "F", "pregnancy, childbirth and the puerperium"),
    SexRule("Z32", "Z36", "F",
            "pregnancy test, pregnant state, supervision of pregnancy, antenatal screening"),
    SexRule("Z37", "Z37", "F", "outcome of delivery"),
    SexRule("Z39", "Z39", "F", "postpartum care"),
    SexRule("Z3A", "Z3A", "F", "weeks of gestation"),
    SexRule("C51", "C58", "F", "malignant neoplasm of female genital organs"),
    SexRule("D06", "D06", "F", "carcinoma in situ of cervix uteri"),
    SexRule("D25", "D28", "F", "benign neoplasm of female genital organs"),
    SexRule("N70", "N98", "F", "diseases of female pelvic organs and genital tract"),
    SexRule("Z01.41", "Z01.42", "F", "gynecological examination"),
    SexRule("Z12.4", "Z12.4", "F", "screening for malignant neoplasm of cervix"),
    SexRule("C60", "C63", "M", "malignant neoplasm of male genital organs"),
    SexRule("D07.4", "D07.6", "M", "carcinoma in situ of male genital organs"),
    SexRule("D29", "D29", "M", "benign neoplasm of male genital organs"),
    SexRule("N40", "N53", "M", "diseases of male genital organs"),
    SexRule("R97.2", "R97.2", "M", "elevated prostate specific antigen"),
    SexRule("Z12.5", "Z12.5", "M", "screening for malignant neoplasm of prostate"),
)

AGE_RULES: tuple[AgeRule, ...] = (
    AgeRule("Z38", "Z38", 28, "liveborn infant (the newborn's birth record)"),
    AgeRule("Z05", "Z05", 28, "observation of a newborn for suspected conditions"),
    AgeRule("P00", "P04", 28, "newborn affected by maternal factors"),
)


def _key(code: str) -> str:
    return code.replace(".", "").upper()


def _in_range(code: str, first: str, last: str) -> bool:
    c, lo, hi = _key(code), _key(first), _key(last)
    return c[: len(lo)] >= lo and c[: len(hi)] <= hi


@lru_cache(maxsize=4096)
def sex_rule(code: str) -> SexRule | None:
    """The sex rule that covers ``code``, if any."""
    for rule in SEX_RULES:
        if _in_range(code, rule.first, rule.last):
            return rule
    return None


@lru_cache(maxsize=4096)
def age_rule(code: str) -> AgeRule | None:
    for rule in AGE_RULES:
        if _in_range(code, rule.first, rule.last):
            return rule
    return None


def is_external_cause(code: str) -> bool:
    """ICD-10-CM chapter 20, V00-Y99: never first-listed."""
    return _key(code)[:1] in ("V", "W", "X", "Y")


# NCCI-associated modifiers that may bypass a PTP edit whose modifier indicator is 1.
PTP_BYPASS_MODIFIERS = frozenset({"25", "59", "XE", "XS", "XP", "XU"})
