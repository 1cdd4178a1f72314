"""The claim rules, as pure functions over frozen rows (no database).

* a claim is one patient, payer (the primary coverage in force on the date of service),
  rendering provider and place of service, with at most 50 lines and 12 diagnoses (a group
  that needs more is split);
* the claim's diagnoses are listed in the order the lines first point at them, and each line's
  pointers index that list;
* a service already on another live claim (same patient, code, date and modifiers) is a
  duplicate;
* a manifestation code ("code first" the underlying disease) is never listed first.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from medbill_cli.dates import in_force
from medbill_cli.x12.claim_map import ClaimRecord, CoverageRecord, LineRecord
from medbill_cli.x12.p837 import MAX_DIAGNOSES, MAX_LINES


@dataclass(frozen=True, slots=True)
class UnbilledCharge:
    """A charge waiting for a claim, with what grouping it needs."""

    id: int
    encounter_id: int
    patient_id: int
    date_of_service: dt.date
    provider_id: int | None  # the charge's own rendering provider
    pos: str
    amount_cents: int
    dx_pointers: str  # 1-based into its encounter's diagnoses


@dataclass(frozen=True, slots=True)
class PlannedClaim:
    patient_id: int
    coverage: CoverageRecord
    provider_id: int | None
    pos: str
    charges: tuple[UnbilledCharge, ...]
    diagnoses: tuple[str, ...]  # HI order
    pointers: tuple[str, ...]  # each charge's pointers into ``diagnoses``
    facility_id: int | None = None  # the encounters' service facility (2310C)

    @property
    def total_cents(self) -> int:
        return sum(c.amount_cents for c in self.charges)

    @property
    def first_dos(self) -> dt.date:
        return min(c.date_of_service for c in self.charges)

    @property
    def last_dos(self) -> dt.date:
        return max(c.date_of_service for c in self.charges)


@dataclass(frozen=True, slots=True)
class Plan:
    claims: tuple[PlannedClaim, ...]
    skipped_no_coverage: int  # charges left unbilled: the patient has no primary coverage


@dataclass(frozen=True, slots=True)
class BilledService:
    """A service on a claim that is still live (not closed, not a void)."""

    claim_id: int
    pcn: str
    charge_id: int
    patient_id: int
    code: str
    date_of_service: dt.date
    modifiers: str


# patient, coverage, provider, POS, service facility, the visit's claim fields (referring,
# onset, accident: one claim carries one of each)
GroupKey = tuple[int, int, int | None, str, int | None, tuple[object, ...]]


def primary_coverage(covs: Sequence[CoverageRecord], dos: dt.date) -> CoverageRecord | None:
    """The primary coverage in force on ``dos``; else the nearest one (so the scrubber can hold
    the claim and say why); None when the patient has no primary coverage at all."""
    prim = [c for c in covs if c.priority == "primary"]
    active = [c for c in prim if in_force(c.effective, c.termination, dos)]
    if active:
        return max(active, key=lambda c: (c.effective or dt.date.min, c.id))
    if not prim:
        return None
    return min(prim, key=lambda c: abs(((c.termination or c.effective or dos) - dos).days))


def charge_diagnoses(charge: UnbilledCharge, codes: Mapping[int, str]) -> list[str]:
    """The codes a charge points at, given its encounter's diagnoses by sequence."""
    return [codes[int(p)] for p in charge.dx_pointers.split() if p.isdigit() and int(p) in codes]


def split(items: Sequence[UnbilledCharge],
          dx_of: Mapping[int, Sequence[str]]) -> list[list[UnbilledCharge]]:
    """Consecutive runs of ``items`` of at most 50 lines and 12 distinct diagnoses each."""
    out: list[list[UnbilledCharge]] = []
    cur: list[UnbilledCharge] = []
    cur_dx: set[str] = set()
    for c in items:
        dx = set(dx_of[c.id])
        if cur and (len(cur) >= MAX_LINES or len(cur_dx | dx) > MAX_DIAGNOSES):
            out.append(cur)
            cur, cur_dx = [], set()
        cur.append(c)
        cur_dx |= dx
    if cur:
        out.append(cur)
    return out


def order_diagnoses(items: Sequence[UnbilledCharge], dx_of: Mapping[int, Sequence[str]],
                    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The claim's diagnoses in first-pointed order, and each charge's pointers into them."""
    order: list[str] = []
    for c in items:
        order.extend(code for code in dx_of[c.id] if code not in order)
    pointers = tuple(" ".join(str(order.index(code) + 1) for code in dx_of[c.id]) for c in items)
    return tuple(order), pointers


def plan_claims(
    charges: Sequence[UnbilledCharge], *, coverages: Mapping[int, Sequence[CoverageRecord]],
    encounter_provider: Mapping[int, int | None],
    dx_by_encounter: Mapping[int, Mapping[int, str]],
    encounter_facility: Mapping[int, int | None] | None = None,
    encounter_fields: Mapping[int, tuple[object, ...]] | None = None,
) -> Plan:
    """Group unbilled charges into claims (see the module docstring).

    Args:
        charges: in the order claims should be numbered (patient, date of service, id).
        coverages: each patient's coverages.
        encounter_provider: each encounter's provider, for charges that name none.
        dx_by_encounter: each encounter's diagnoses by sequence number.
        encounter_facility: each encounter's service facility (one claim per facility).
        encounter_fields: each encounter's claim-level fields (one claim per distinct set).

    Returns:
        The claims to create, and how many charges no primary coverage could take.
    """
    dx_of = {c.id: charge_diagnoses(c, dx_by_encounter.get(c.encounter_id, {})) for c in charges}
    groups: dict[GroupKey, list[UnbilledCharge]] = defaultdict(list)
    cov_by_id: dict[int, CoverageRecord] = {}
    skipped = 0
    for c in charges:
        cov = primary_coverage(coverages.get(c.patient_id, ()), c.date_of_service)
        if cov is None:
            skipped += 1
            continue
        cov_by_id[cov.id] = cov
        provider = c.provider_id if c.provider_id is not None else encounter_provider.get(
            c.encounter_id)
        facility = (encounter_facility or {}).get(c.encounter_id)
        extra = (encounter_fields or {}).get(c.encounter_id, ())
        groups[(c.patient_id, cov.id, provider, c.pos, facility, extra)].append(c)
    planned: list[PlannedClaim] = []
    for (patient_id, cov_id, provider, pos, facility, _extra), items in groups.items():
        for part in split(items, dx_of):
            dx, pointers = order_diagnoses(part, dx_of)
            planned.append(PlannedClaim(patient_id, cov_by_id[cov_id], provider, pos, tuple(part),
                                        dx, pointers, facility))
    return Plan(tuple(planned), skipped)


ServiceKey = tuple[int, str, dt.date, str]  # patient, code, date of service, modifiers


def find_duplicates(claims: Sequence[ClaimRecord], lines: Mapping[int, Sequence[LineRecord]],
                    billed: Iterable[BilledService]) -> dict[int, str]:
    """Charge id -> PCN of an earlier live claim with the same patient, code, date and
    modifiers (the claim's own original, for a replacement, does not count)."""
    seen: dict[ServiceKey, list[BilledService]] = defaultdict(list)
    for b in billed:
        seen[(b.patient_id, b.code, b.date_of_service, b.modifiers)].append(b)
    this_claim = {ln.charge_id: ln.claim_id for lst in lines.values() for ln in lst}
    out: dict[int, str] = {}
    for claim in claims:
        related = {claim.id} | ({claim.original_claim_id} if claim.original_claim_id else set())
        for ln in lines.get(claim.id, ()):
            key = (ln.patient_id, ln.code, ln.date_of_service, ln.modifiers)
            for b in seen.get(key, ()):
                if (b.charge_id != ln.charge_id and b.claim_id not in related
                        and b.claim_id < claim.id and this_claim.get(b.charge_id) != claim.id):
                    out[ln.charge_id] = b.pcn
                    break
    return out


_CONDITIONAL = ("if applicable", "if known", "any associated")


def _code_first_notes(notes: str | None) -> list[str]:
    try:
        parsed = json.loads(notes) if notes else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return []
    out: list[str] = []
    for k, v in parsed.items():
        if k.lower().replace(" ", "_").replace("-", "_") in ("code_first", "codefirst"):
            out += [str(x) for x in v] if isinstance(v, list) else [str(v)]
    return out


def is_manifestation(notes: str | None, long_description: str | None) -> bool:
    """Whether an ICD-10-CM code (or category) is a manifestation, never first-listed.

    It is when its title says "in (other) diseases classified elsewhere" (the tabular's
    manifestation codes), or when its "code first" note is the manifestation instruction: the
    underlying disease or condition, unconditionally ("code first underlying disease, such
    as: ..."). Other "code first" notes are sequencing hints that apply only when the other
    condition is also coded (Z23: "code first any routine childhood examination", or
    "code first, if applicable, ..."), and do not make a code a manifestation.
    """
    if "classified elsewhere" in (long_description or "").lower():
        return True
    first = _code_first_notes(notes)
    if not first:
        return False
    head = first[0].strip().lower()
    return (head.startswith(("underlying", "the underlying"))
            and not any(c in head for c in _CONDITIONAL))


def icd_ancestors(code: str) -> list[str]:
    """The categories above an ICD-10-CM code, nearest first: M14.61 -> M14.6, M14."""
    bare = code.replace(".", "")
    return [bare[:n] if n <= 3 else f"{bare[:3]}.{bare[3:n]}" for n in range(len(bare) - 1, 2, -1)]
