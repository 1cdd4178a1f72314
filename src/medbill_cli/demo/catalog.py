"""The demo practice: who it is, whom it bills, and what a day's visits look like.

Everything here is made up (names, addresses, member ids, NPIs with valid check digits but no
NPPES record); the code mix and the payers' terms are typical of a US primary-care office.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources

from medbill_cli.demo.payers import Payer

PRACTICE = {
    "name": "Riverbend Family Medicine", "npi": "1647583925", "tin": "14-7382910",
    "taxonomy": "207Q00000X", "address": "200 Riverbend Dr", "city": "Albany", "state": "NY",
    "zip": "12207-2201", "phone": "518-555-0140", "submitter_id": "RIVERBEND01",
    "submitter_name": "Riverbend Family Medicine", "contact_name": "Billing Office",
    "contact_phone": "518-555-0141", "receiver_id": "HUDSONCH",
    "receiver_name": "Hudson Clearinghouse",
}
CLEARINGHOUSE = ("HUDSON CLEARINGHOUSE", "HUDSONCH")


@dataclass(frozen=True)
class Provider:
    npi: str
    first_name: str
    last_name: str
    credential: str
    taxonomy: str
    weight: int  # share of the visits


PROVIDERS = (
    Provider("1123948576", "Elena", "Marsh", "MD", "207Q00000X", 35),
    Provider("1329475614", "Samuel", "Okafor", "DO", "207Q00000X", 30),
    Provider("1488572037", "Priya", "Raman", "MD", "207R00000X", 25),
    Provider("1748293051", "Grace", "Lindqvist", "NP", "363LF0000X", 20),
)

FACILITY = {"name": "Riverbend Family Medicine", "address": "200 Riverbend Dr",
            "city": "Albany", "state": "NY", "zip": "12207-2201", "pos": "11"}


@dataclass(frozen=True)
class PayerTerms:
    """How a payer is set up in medbill and how the simulated payer adjudicates."""

    payer: Payer
    filing_indicator: str
    timely_filing_days: int
    allowed_pct: Decimal  # the contracted rate as a share of the practice's fee
    coinsurance: Decimal  # the patient's share after the deductible (PR-2)
    deductible: Decimal  # per year (PR-1)
    copays: tuple[str, ...]  # the plan's office-visit copays (PR-3)
    member_prefix: str
    secondary_only: bool = False
    auth_codes: tuple[str, ...] = ()  # codes that need its prior authorization


def _payer(name: str, pid: str, tin: str, address: str, city: str, state: str,
           zip_: str) -> Payer:
    return Payer(name=name, payer_id=pid, tin=tin, address=address, city=city, state=state,
                 zip=zip_)


PAYERS: dict[str, PayerTerms] = {
    "MCRB1": PayerTerms(
        _payer("MEDICARE PART B", "MCRB1", "1135679012", "PO BOX 6178", "INDIANAPOLIS", "IN",
               "46206"), "MB", 365, Decimal("0.58"), Decimal("0.20"), Decimal("257.00"), (),
        "1EG4"),
    "MCAID": PayerTerms(
        _payer("EMPIRE STATE MEDICAID", "MCAID", "1146013200", "PO BOX 4601", "RENSSELAER",
               "NY", "12144"), "MC", 90, Decimal("0.45"), Decimal("0"), Decimal("0"), (),
        "MC"),
    "HVHP1": PayerTerms(
        _payer("HUDSON VALLEY HEALTH PLAN", "HVHP1", "1223344556", "PO BOX 2210", "ALBANY",
               "NY", "12220"), "CI", 90, Decimal("0.78"), Decimal("0.10"), Decimal("500.00"),
        ("20", "25", "30"), "HVH", auth_codes=("20610",)),
    "EMPPO": PayerTerms(
        _payer("EMPIRE MUTUAL PPO", "EMPPO", "1334455667", "PO BOX 7700", "BUFFALO", "NY",
               "14240"), "12", 180, Decimal("0.82"), Decimal("0"), Decimal("0"),
        ("25", "35", "40"), "EMP"),
    "LMGAP": PayerTerms(
        _payer("LIBERTY MEDIGAP PLAN G", "LMGAP", "1445566778", "PO BOX 3300", "HARTFORD",
               "CT", "06101"), "CI", 365, Decimal("1"), Decimal("0"), Decimal("0"), (),
        "LMG", secondary_only=True),
}
# The sixth "payer" is the patient: self-pay patients have no coverage and pay at the desk.


# --------------------------------------------------------------------------- names


@dataclass(frozen=True)
class Names:
    female: tuple[str, ...]
    male: tuple[str, ...]
    surname: tuple[str, ...]
    street: tuple[str, ...]


def names() -> Names:
    """The public-domain name lists in ``data/demo_names.txt``."""
    text = resources.files("medbill_cli").joinpath("data/demo_names.txt").read_text("utf-8")
    parts: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            parts[current] = []
        else:
            parts[current] += line.split()
    return Names(*(tuple(parts[k]) for k in ("female", "male", "surname", "street")))


# --------------------------------------------------------------------------- clinical mix

# Chronic problems, by the share of adult patients who have them: (ICD-10-CM, share, min age).
CHRONIC = (
    ("I10", 30, 35), ("E78.5", 22, 35), ("E11.9", 12, 35), ("E03.9", 6, 30),
    ("J45.909", 7, 5), ("F41.1", 8, 16), ("K21.9", 8, 25), ("M17.11", 5, 50),
    ("E66.9", 10, 18), ("F32.A", 5, 16),
)
# Acute reasons for a visit: (ICD-10-CM, weight, extra lines: (code, modifiers, units)).
ACUTE = (
    ("J06.9", 14), ("J02.9", 7), ("R05.9", 7), ("N39.0", 5), ("M54.50", 8), ("J01.90", 6),
    ("R51.9", 4), ("L30.9", 4), ("H61.21", 3), ("B07.8", 3), ("R10.9", 3), ("R00.2", 2),
)
EST_EM = (("99212", 10), ("99213", 45), ("99214", 35), ("99215", 10))
NEW_EM = (("99202", 10), ("99203", 50), ("99204", 35), ("99205", 5))


def preventive_code(age: int, new: bool) -> str:
    """99385-99387 (new) or 99395-99397 (established), by age band."""
    band = 0 if age < 40 else 1 if age < 65 else 2
    return ("99385", "99386", "99387")[band] if new else ("99395", "99396", "99397")[band]


# Drugs given in the office: HCPCS, NDC (11 digits), quantity and unit, HCPCS units, dx.
DRUGS = {
    "J3420": ("00517003125", "1", "ML", 1, "E53.8"),  # vitamin B12, 1000 mcg
    "J1885": ("00409379501", "1", "ML", 2, "M54.50"),  # ketorolac 30 mg (15 mg units)
    "J1030": ("00009307301", "1", "ML", 1, "M17.11"),  # methylprednisolone acetate 40 mg
}


@dataclass
class Plan:
    """A patient's coverage as the simulated payer sees it (keyed by member id)."""

    payer: str
    member_id: str
    copay: Decimal
    deductible_left: Decimal


@dataclass
class DemoPatient:
    account: str
    first: str
    last: str
    dob: dt.date
    sex: str
    problems: list[str]
    plans: list[Plan] = field(default_factory=list)  # primary first
    seen: bool = False  # an established patient after the first visit
    pays: str = "prompt"  # prompt | partial | late: how the patient pays a statement

    @property
    def copay(self) -> Decimal:
        return self.plans[0].copay if self.plans else Decimal("0")

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.dob.year
        return years - ((day.month, day.day) < (self.dob.month, self.dob.day))
