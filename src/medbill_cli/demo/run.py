"""``medbill demo``: a primary-care practice and a period of its work, through the services.

The demo is a list of named steps. ``SETUP`` runs once (the database, the practice, its payers,
fees and patients), ``DAILY`` runs on every business day of the period in order, each inside
``dates.pinned_today(day)`` so that every service dates its work on that day, and ``FINISH``
runs once at the end. A step is a function ``(demo, day) -> None`` that opens its own
transaction(s) and calls the same service functions the CLI commands call; nothing here writes
SQL. To add a step (secondary claims, a statement run), write the function and put it in the
list where it belongs.

Deterministic: every choice comes from ``random.Random(seed)`` and the period ends on
``end`` (default today), so the same seed and end date give the same patients, charges,
claims and ledger. Audit timestamps are the real time the demo ran.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medbill_cli.demo import catalog as cat
from medbill_cli.demo import payers as x
from medbill_cli.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

MAX_DAYS = 366
CENT = Decimal("0.01")
ZERO = Decimal("0")
DEFAULT_SEED = 2026


def _round(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Options:
    days: int
    seed: int
    end: dt.date
    out: Path
    user: str


def check_options(days: int, end: dt.date, today: dt.date) -> None:
    """Refuse a period the demo cannot simulate (exit 3)."""
    if days < 1 or days > MAX_DAYS:
        raise InputError(f"--days {days} is out of range", f"Give 1 to {MAX_DAYS} days")
    if end > today:
        raise InputError(f"The end date {end.isoformat()} is in the future",
                         "Give --end today or an earlier date")
    if not business_days(end - dt.timedelta(days=days - 1), end):
        raise InputError(f"The {days}-day period ending {end.isoformat()} has no business day",
                         "Give more --days")


# --------------------------------------------------------------------------- state


@dataclass
class Visit:
    patient: cat.DemoPatient
    provider: str
    lines: list[dict[str, str]]  # charge import rows, without the encounter
    form_charges: Decimal
    copay: Decimal
    plant: str = ""  # "" | missing | total
    dos: dt.date | None = None  # a visit from an earlier day, found late (else today)


@dataclass
class Pending:
    """A payer file due on a business day, built when it is delivered."""

    due: dt.date
    kind: str  # 999 | 277ca | 835
    batch: x.SentBatch
    claims: list[x.SentClaim] = field(default_factory=list)
    payer: str = ""
    reversal: tuple[x.PaidClaim, x.PaidClaim] | None = None


@dataclass
class Demo:
    engine: Engine
    opts: Options
    rng: random.Random
    start: dt.date
    business_days: list[dt.date]
    fees: dict[str, Decimal] = field(default_factory=dict)
    patients: list[cat.DemoPatient] = field(default_factory=list)
    plans: dict[str, cat.Plan] = field(default_factory=dict)  # the payers' member files
    typos: dict[str, tuple[int, str]] = field(default_factory=dict)  # account -> (cov, right id)
    pending: list[Pending] = field(default_factory=list)
    statements: list[tuple[dt.date, str, int]] = field(default_factory=list)  # due, account, claim
    fixes: list[tuple[dt.date, str]] = field(default_factory=list)  # due, rejected claim pcn
    claim_ids: dict[str, int] = field(default_factory=dict)  # pcn -> claim id
    paid: list[tuple[x.PaidClaim, dt.date]] = field(default_factory=list)
    control: int = 100
    forms: int = 5000
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    auth_patients: set[str] = field(default_factory=set)
    claim_accounts: dict[str, str] = field(default_factory=dict)  # pcn -> patient account
    payer_numbers: dict[str, str] = field(default_factory=dict)  # pcn -> payer claim number
    reversed: bool = False
    missing: list[tuple[Visit, int]] = field(default_factory=list)  # today's uncaptured lines
    dependents: set[str] = field(default_factory=set)  # accounts covered as a dependent
    crossovers: dict[str, str] = field(default_factory=dict)  # pcn -> the Medigap's number

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        from medbill_cli.db.engine import connection_scope

        with connection_scope(self.engine) as c:
            yield c

    @contextmanager
    def session(self) -> Iterator[Session]:
        from medbill_cli.db.engine import session_scope

        with session_scope(self.engine) as s:
            yield s

    def next_control(self) -> int:
        self.control += 1
        return self.control

    def next_business_day(self, day: dt.date, n: int = 1) -> dt.date:
        d = day
        while n:
            d += dt.timedelta(days=1)
            if d.weekday() < 5:
                n -= 1
        return d

    def write_file(self, name: str, text: str) -> Path:
        from medbill_cli.privfile import write_private

        path = self.opts.out / name
        write_private(path, text.encode("ascii"))
        return path


Step = Callable[[Demo, dt.date], None]


# --------------------------------------------------------------------------- setup steps


def step_database(demo: Demo, day: dt.date) -> None:
    """Create or upgrade the schema and load the bundled code sets; refuse a database with
    patients, charges or claims."""
    from medbill_cli.db.migrations import upgrade
    from medbill_cli.services.codes import load_bundled

    upgrade(demo.engine)
    with demo.session() as s:
        load_bundled(session=s, user=demo.opts.user)


def step_practice(demo: Demo, day: dt.date) -> None:
    """The practice (billing provider and EDI settings), its providers and its office."""
    from medbill_cli.services import registration as reg

    with demo.session() as s:
        reg.set_practice(session=s, user=demo.opts.user, **cat.PRACTICE)
        for p in cat.PROVIDERS:
            reg.add_provider(session=s, user=demo.opts.user, npi=p.npi, first_name=p.first_name,
                             last_name=p.last_name, credential=p.credential, taxonomy=p.taxonomy)
        reg.add_facility(session=s, user=demo.opts.user, **cat.FACILITY)


def step_payers(demo: Demo, day: dt.date) -> None:
    """Medicare, Medicaid, two commercial plans and a Medigap plan; prior-auth codes."""
    from medbill_cli.services import registration as reg
    from medbill_cli.services.authorizations import add_auth_codes

    with demo.session() as s:
        for terms in cat.PAYERS.values():
            p = terms.payer
            reg.add_payer(session=s, user=demo.opts.user, name=p.name.title(),
                          payer_id=p.payer_id, filing_indicator=terms.filing_indicator,
                          timely_filing_days=terms.timely_filing_days, address=p.address,
                          city=p.city.title(), state=p.state, zip=p.zip)
            if terms.auth_codes:
                add_auth_codes(session=s, user=demo.opts.user, payer=p.payer_id,
                               codes=terms.auth_codes)


def step_fees(demo: Demo, day: dt.date) -> None:
    """The practice's fee schedule (the shipped sample)."""
    from importlib import resources

    from medbill_cli.services.csvfile import read_rows
    from medbill_cli.services.fees import import_fees

    ref = resources.files("medbill_cli").joinpath("data/sample_fees.csv")
    with resources.as_file(ref) as path, demo.session() as s:
        rows = list(read_rows(path, required=("code", "amount"),
                              optional=("modifier", "effective")))
        import_fees(session=s, user=demo.opts.user, rows=rows)
    for _, r in rows:
        if not r.get("modifier"):
            demo.fees[r["code"]] = Decimal(r["amount"])


def _member_id(rng: random.Random, terms: cat.PayerTerms) -> str:
    if terms.payer.payer_id == "MCRB1":  # a Medicare Beneficiary Identifier's shape
        letters = "ACDEFGHJKMNPQRTUVWXY"
        pick = rng.choice
        return "".join((str(rng.randint(1, 9)), pick(letters), pick(letters + "0123456789"),
                        str(rng.randint(0, 9)), pick(letters), pick(letters + "0123456789"),
                        str(rng.randint(0, 9)), pick(letters), pick(letters),
                        str(rng.randint(0, 9)), str(rng.randint(0, 9))))
    return f"{terms.member_prefix}{rng.randint(10**8, 10**9 - 1)}"


def _age(rng: random.Random) -> int:
    band = rng.choices(((1, 17), (18, 39), (40, 64), (65, 92)), (15, 25, 35, 25))[0]
    return rng.randint(*band)


def step_patients(demo: Demo, day: dt.date) -> None:
    """A few hundred patients with coverages: subscribers, spouses and children on a parent's
    plan, Medicare with and without a Medigap secondary, Medicaid, and self-pay."""
    from medbill_cli.services import patients as ps

    rng, names, user = demo.rng, cat.names(), demo.opts.user
    count = min(300, max(60, demo.opts.days * 10))
    zips = ("12203", "12205", "12206", "12208", "12209", "12210", "12180", "12144", "12047")
    cities = {"12180": "Troy", "12144": "Rensselaer", "12047": "Cohoes"}
    year_start = dt.date(demo.start.year, 1, 1)
    with demo.session() as s:
        for i in range(count):
            sex = "F" if rng.random() < 0.54 else "M"
            first = rng.choice(names.female if sex == "F" else names.male)
            last = rng.choice(names.surname)
            age = _age(rng)
            dob = day - dt.timedelta(days=age * 365 + rng.randint(0, 364))
            zip_ = rng.choice(zips)
            rec = ps.add_patient(
                session=s, user=user, allow_duplicate=True, first_name=first, last_name=last,
                dob=dob, sex=sex,
                address=f"{rng.randint(2, 980)} {rng.choice(names.street)} "
                        f"{rng.choice(('St', 'Ave', 'Rd', 'Ln', 'Dr'))}",
                city=cities.get(zip_, "Albany"), state="NY", zip=zip_,
                phone=f"518-555-{rng.randint(100, 199):04d}")
            problems = [code for code, share, min_age in cat.CHRONIC
                        if age >= min_age and rng.random() * 100 < share]
            pt = cat.DemoPatient(rec.account or "", first, last, dob, sex, problems,
                                 seen=rng.random() < 0.9,
                                 pays=rng.choices(("prompt", "partial", "late"), (70, 15, 15))[0])
            demo.patients.append(pt)
            _coverages(demo, s, pt, age, year_start, i)
    # At least two knee-arthritis patients on the plan that authorizes injections.
    plan = [p for p in demo.patients if p.plans and p.plans[0].payer == "HVHP1"
            and p.age_on(day) >= 18]
    for p in plan[:max(0, 2 - sum("M17.11" in q.problems for q in plan))]:
        if "M17.11" not in p.problems:
            p.problems.append("M17.11")


def _coverages(demo: Demo, s: Session, pt: cat.DemoPatient, age: int, since: dt.date,
               i: int) -> None:
    from medbill_cli.services import patients as ps

    rng, user, names = demo.rng, demo.opts.user, cat.names()
    if age >= 65:
        payer = "MCRB1" if rng.random() < 0.9 else rng.choice(("HVHP1", "EMPPO"))
    else:
        payer = rng.choices(("MCAID", "HVHP1", "EMPPO", ""), (20, 37, 37, 6))[0]
    if not payer:
        return  # self-pay
    terms = cat.PAYERS[payer]
    member = _member_id(rng, terms)
    copay = Decimal(rng.choice(terms.copays)) if terms.copays else ZERO
    ded = ZERO if rng.random() < 0.5 else _round(terms.deductible * Decimal(rng.random()))
    rel, sub = "self", dict[str, Any]()
    if payer in ("HVHP1", "EMPPO") and (age < 18 or rng.random() < 0.15):
        rel = "child" if age < 18 else "spouse"
        gap = rng.randint(24, 40) if rel == "child" else rng.randint(-4, 6)
        sex = "F" if rng.random() < 0.5 else "M"
        sub = {"subscriber_first_name": rng.choice(names.female if sex == "F" else names.male),
               "subscriber_last_name": pt.last,
               "subscriber_dob": pt.dob - dt.timedelta(days=gap * 365 + rng.randint(0, 300)),
               "subscriber_sex": sex}
    if payer == "MCAID" and age < 18:
        rel = "self"  # a child's Medicaid is the child's own
    plan = cat.Plan(payer, member, copay, ded)
    demo.plans[member] = plan
    if rel != "self":
        demo.dependents.add(pt.account)
    pt.plans.append(plan)
    typo = rng.random() < 0.02 and rel == "self"
    given = member[:-2] + member[-1] + member[-2] if typo and member[-1] != member[-2] else member
    cov = ps.add_coverage(
        session=s, user=user, account=pt.account, payer=payer, member_id=given,
        group=None if payer in ("MCRB1", "MCAID") else f"G{rng.randint(1000, 9999)}",
        relationship=rel, effective=since, copay=str(copay) if copay else None, **sub)
    if given != member:
        assert cov.id is not None
        demo.typos[pt.account] = (cov.id, member)
    if payer == "MCRB1" and rng.random() < 0.5:
        gm = _member_id(rng, cat.PAYERS["LMGAP"])
        gplan = cat.Plan("LMGAP", gm, ZERO, ZERO)
        demo.plans[gm] = gplan
        pt.plans.append(gplan)
        ps.add_coverage(session=s, user=user, account=pt.account, payer="LMGAP", member_id=gm,
                        group=f"LG{rng.randint(100, 999)}", priority="secondary",
                        effective=since)


def step_authorizations(demo: Demo, day: dt.date) -> None:
    """Prior authorizations from Hudson Valley Health Plan for the knee injections it requires
    them for (the last patient's is missing, so the scrub holds that claim)."""
    from medbill_cli.services.authorizations import add_authorization

    knees = [p for p in demo.patients if "M17.11" in p.problems and p.plans
             and p.plans[0].payer == "HVHP1"]
    with demo.session() as s:
        for n, p in enumerate(knees[:-1], start=1):
            add_authorization(session=s, user=demo.opts.user, account=p.account, kind="auth",
                              number=f"HV{demo.start:%y}{n:05d}", start=demo.start,
                              end=demo.opts.end + dt.timedelta(days=90), payer="HVHP1",
                              visits=3, codes=["20610"])
            demo.auth_patients.add(p.account)


# --------------------------------------------------------------------------- a business day


def _line(code: str, dx: list[str], modifiers: tuple[str, ...] = (), units: int = 1,
          ndc: tuple[str, str, str] | None = None) -> dict[str, str]:
    row = {"code": code, "dx": " ".join(list(dict.fromkeys(dx))[:4]),
           "modifiers": " ".join(modifiers), "units": str(units)}
    if ndc:
        row |= {"ndc": ndc[0], "ndc_quantity": ndc[1], "ndc_unit": ndc[2]}
    return row


def _visit_lines(demo: Demo, p: cat.DemoPatient, day: dt.date,
                 knee: bool = False) -> list[dict[str, str]]:
    """The services of one visit, with diagnoses that fit them."""
    rng = demo.rng
    age = p.age_on(day)
    new = not p.seen
    kind = rng.choices(("sick", "preventive", "injection", "procedure"), (74, 14, 6, 6))[0]
    if knee or (kind == "procedure" and "M17.11" in p.problems):
        kind = "knee"
    acute = rng.choices([c for c, _ in cat.ACUTE], [w for _, w in cat.ACUTE])[0]
    chronic = [c for c in p.problems if rng.random() < 0.7]
    lines: list[dict[str, str]] = []
    em_table = cat.NEW_EM if new else cat.EST_EM
    em = rng.choices([c for c, _ in em_table], [w for _, w in em_table])[0]
    flu = day.month in (9, 10, 11, 12, 1, 2) and age >= 3 and rng.random() < 0.35
    if kind == "preventive" and age >= 18:
        lines.append(_line(cat.preventive_code(age, new),
                           ["Z00.01" if p.problems else "Z00.00", *p.problems[:3]]))
        if p.problems and rng.random() < 0.3:  # a problem addressed at the physical
            lines.append(_line("99213", p.problems[:4], ("25",)))
        if "E11.9" in p.problems:
            lines += [_line("36415", ["E11.9"]), _line("83036", ["E11.9"])]
        if age >= 40 and rng.random() < 0.6:
            lines += [] if any(ln["code"] == "36415" for ln in lines) else [
                _line("36415", ["Z00.00" if not p.problems else p.problems[0]])]
            lines += [_line("80053", [p.problems[0] if p.problems else "Z00.00"]),
                      _line("85025", [p.problems[0] if p.problems else "Z00.00"])]
        if flu:
            lines += [_line("90686", ["Z23"]), _line("90471", ["Z23"])]
        return lines
    dx = [acute, *chronic][:4] if kind == "sick" else chronic[:3]
    if kind == "knee":
        drug = cat.DRUGS["J1030"]
        lines += [_line(em, ["M17.11", *chronic][:4], ("25",)),
                  _line("20610", ["M17.11"], ("RT",)),
                  _line("J1030", ["M17.11"], (), drug[3], drug[:3])]
        return lines
    if kind == "injection":
        code = "J3420" if rng.random() < 0.5 else "J1885"
        drug = cat.DRUGS[code]
        dx = [drug[4], *chronic][:4]
        lines += [_line(em, dx, ("25",)), _line("96372", [drug[4]]),
                  _line(code, [drug[4]], (), drug[3], drug[:3])]
        return lines
    if kind == "procedure":
        proc = rng.choice(("69210", "17110", "11200", "93000"))
        pdx = {"69210": "H61.21", "17110": "B07.8", "11200": "L91.8", "93000": "R00.2"}[proc]
        lines.append(_line(em, [pdx, *chronic][:4], ("25",)))
        lines.append(_line(proc, [pdx]))
        if proc == "11200" and rng.random() < 0.6:  # warts elsewhere, a separate lesion
            lines.append(_line("17110", ["B07.8"], ("59",)))
        return lines
    lines.append(_line(em, dx or [acute]))
    if "E11.9" in chronic and rng.random() < 0.5:
        lines += [_line("36415", ["E11.9"]), _line("83036", ["E11.9"])]
    elif acute == "N39.0":
        lines.append(_line("81003", ["N39.0"]))
    elif acute == "J02.9" and rng.random() < 0.7:
        lines.append(_line("87880", ["J02.9"]))
    elif chronic and rng.random() < 0.25:
        lines += [_line("36415", chronic[:1]), _line("80053", chronic[:1])]
    if flu and rng.random() < 0.5:
        lines += [_line("90686", ["Z23"]), _line("90471", ["Z23"])]
    return lines


def _fee(demo: Demo, row: dict[str, str]) -> Decimal:
    return demo.fees[row["code"]] * int(row["units"])


def step_visits(demo: Demo, day: dt.date) -> None:
    """The day's visits: encounter forms from the front desk, their charges and desk copays.
    Now and then a form's total is mistyped, or a charge on the form is not entered."""
    from medbill_cli.services.charges import import_charges
    from medbill_cli.services.encounters import import_encounters
    from medbill_cli.services.payments import add_payment

    rng, user = demo.rng, demo.opts.user
    n = rng.randint(14, 22) if day.weekday() != 4 else rng.randint(10, 15)
    seen_today = rng.sample(demo.patients, min(n, len(demo.patients)))
    provs = [p.npi for p in cat.PROVIDERS]
    weights = [p.weight for p in cat.PROVIDERS]
    visits: list[Visit] = []
    last_day = day == demo.business_days[-1]
    plant_missing = last_day or rng.random() < 0.15
    plant_total = not last_day and rng.random() < 0.08
    index = demo.business_days.index(day)
    knees = [p for p in demo.patients if "M17.11" in p.problems and p.plans
             and p.plans[0].payer == "HVHP1"]
    if index in (1, 3) and knees:  # an injection with its authorization, and one without
        who = knees[0] if index == 1 else knees[-1]
        seen_today = [who, *[p for p in seen_today if p is not who]]
    for i, p in enumerate(seen_today):
        lines = _visit_lines(demo, p, day, knee=index in (1, 3) and i == 0 and bool(knees))
        total = sum((_fee(demo, ln) for ln in lines), ZERO)
        copay = p.copay if p.plans else total
        preventive = lines[0]["code"].startswith("993")
        if preventive and p.plans and rng.random() < 0.7:
            copay = ZERO  # the desk knows a preventive visit has no copay (most days)
        v = Visit(p, rng.choices(provs, weights)[0], lines, total, copay)
        if plant_missing and i == 1:
            v.plant = "missing"
            v.lines = lines + [_line("36415", [lines[0]["dx"].split()[0]])]
            v.form_charges = total + demo.fees["36415"]
        elif plant_total and i == 2:
            v.plant = "total"
            v.form_charges = total + Decimal("10.00")
        visits.append(v)
        p.seen = True
    late = [p for p in demo.patients if p.plans and p.plans[0].payer == "HVHP1"
            and p not in seen_today]
    if index == 2 and late:  # a form found in a drawer: the visit was 86 days ago
        p = late[0]
        was = day - dt.timedelta(days=86)
        lines = [_line("99213", ["J06.9"])]
        visits.append(Visit(p, provs[0], lines, _fee(demo, lines[0]), ZERO, dos=was))
    with demo.session() as s:
        rows: list[tuple[int, dict[str, str]]] = []
        for v in visits:
            demo.forms += 1
            rows.append((len(rows) + 2, {
                "patient": v.patient.account, "date": (v.dos or day).isoformat(),
                "provider_npi": v.provider,
                "form": str(demo.forms), "form_charges": str(v.form_charges),
                "form_collected": str(v.copay) if v.copay else "", "facility": "1"}))
        encs = import_encounters(session=s, user=user, rows=rows)
        charge_rows: list[tuple[int, dict[str, str]]] = []
        for v, e in zip(visits, encs, strict=True):
            entered = v.lines[:-1] if v.plant == "missing" else v.lines
            for ln in entered:
                charge_rows.append((len(charge_rows) + 2, {
                    **ln, "patient": v.patient.account, "date": (v.dos or day).isoformat(),
                    "provider_npi": v.provider, "encounter": str(e.encounter.id)}))
        import_charges(session=s, user=user, rows=charge_rows)
        for v, e in zip(visits, encs, strict=True):
            if not v.copay:
                continue
            method = rng.choices(("card", "cash", "check"), (70, 20, 10))[0]
            ref = (f"{rng.randint(1000, 9999)}" if method != "cash" else None)
            add_payment(session=s, user=user, patient=v.patient.account, amount=v.copay,
                        method=method, reference=ref, date=day, encounter=e.encounter.id,
                        kind="copay" if v.patient.plans else None)
    demo.counts["visits"] += len(visits)
    demo.counts["charges"] += len(charge_rows)
    demo.missing = [(v, e.encounter.id) for v, e in zip(visits, encs, strict=True)
                    if v.plant == "missing"]


def step_close_day(demo: Demo, day: dt.date) -> None:
    """Balance the day. A charge the form lists but nobody entered is found and entered; a
    mistyped form total is closed with a reason. The last day is left open, unbalanced, for
    ``medbill reconcile`` to show."""
    from medbill_cli.services.charges import import_charges
    from medbill_cli.services.days import close_day
    from medbill_cli.services.reconcile import reconcile_day

    if day == demo.business_days[-1]:
        return
    missing = demo.missing
    with demo.session() as s:
        rows = [(i + 2, {**v.lines[-1], "patient": v.patient.account, "date": day.isoformat(),
                         "provider_npi": v.provider, "encounter": str(enc)})
                for i, (v, enc) in enumerate(missing)]
        if rows:
            import_charges(session=s, user=demo.opts.user, rows=rows)
            demo.counts["charges"] += len(rows)
        result = reconcile_day(session=s, date=day, lock=True)
        if result.balanced:
            close_day(session=s, user=demo.opts.user, result=result)
        else:
            close_day(session=s, user=demo.opts.user, result=result, force=True,
                      reason="Form total added wrong at the desk; charges checked against "
                             "the visit notes")
            demo.counts["forced closes"] += 1


def step_fix_rejections(demo: Demo, day: dt.date) -> None:
    """Claims the payer rejected for a wrong member id: the coverage is corrected from the
    card and the claim rebuilt, so today's claim run sends it again."""
    from medbill_cli.services.corrections import rebuild_claim
    from medbill_cli.services.patients import update_coverage

    due = [pcn for when, pcn in demo.fixes if when <= day]
    if not due:
        return
    demo.fixes = [(w, p) for w, p in demo.fixes if w > day]
    with demo.session() as s:
        for pcn in due:
            account = demo.claim_accounts.get(pcn)
            if account is None or account not in demo.typos:
                continue
            cov_id, right = demo.typos.pop(account)
            update_coverage(session=s, user=demo.opts.user, coverage_id=cov_id,
                            reason="Member id mistyped; corrected from the card",
                            member_id=right)
            rebuild_claim(session=s, user=demo.opts.user, claim_id=demo.claim_ids[pcn],
                          reason="Rejected for the member id; coverage corrected")
            demo.counts["claims fixed and resent"] += 1


def step_claims(demo: Demo, day: dt.date) -> None:
    """Generate, scrub and export the day's claims as one 837P batch; the clearinghouse and
    payers will answer it (999 tomorrow, 277CA the day after, 835s in 14-30 days)."""
    from medbill_cli.services.claims.export import export_batch
    from medbill_cli.services.claims.generate import generate_claims
    from medbill_cli.services.claims.scrub import scrub_claims

    with demo.session() as s:
        made = generate_claims(session=s, user=demo.opts.user, through=day)
        for c in made.claims:
            demo.claim_ids[c.pcn] = c.id
        results = scrub_claims(session=s, user=demo.opts.user, today=day)
        demo.counts["claims"] += len(made.claims)
        new = {c.id for c in made.claims}
        demo.counts["held by the scrub"] += sum(1 for r in results
                                                if r.status.value == "held" and r.claim.id in new)
        accounts = _accounts(s, [c.patient_id for c in made.claims])
        for c in made.claims:
            demo.claim_accounts[c.pcn] = accounts[c.patient_id]
    from medbill_cli.dates import pinned_today

    path = demo.opts.out / f"claims-{day:%Y%m%d}.x12"
    with pinned_today(day, dt.time(17, 30)):
        res = export_batch(engine=demo.engine, user=demo.opts.user, fmt_="x12", output=path,
                           now=dt.datetime.combine(day, dt.time(17, 30)))
    if not res.claim_count:
        path.unlink(missing_ok=True)
        return
    path.chmod(0o600)
    demo.counts["batches"] += 1
    batch = x.read_837(path.read_bytes())
    demo.pending.append(Pending(demo.next_business_day(day), "999", batch))
    demo.pending.append(Pending(demo.next_business_day(day, 2), "277ca", batch))


def _accounts(s: Session, patient_ids: list[int]) -> dict[int, str]:
    from medbill_cli.services.claims.store import patients

    return {pid: rec.account or "" for pid, rec in patients(s, patient_ids).items()}


def step_payer_answers(demo: Demo, day: dt.date) -> None:
    """Deliver the clearinghouse's and payers' files due today, through ``ack import`` and
    ``era import``'s services: 999s, 277CAs (a mistyped member id is rejected), 835s."""
    due = [p for p in demo.pending if p.due <= day]
    demo.pending = [p for p in demo.pending if p.due > day]
    remits: dict[str, Pending] = {}  # a payer pays everything it adjudicated today at once
    for p in due:
        if p.kind == "999":
            _import_ack(demo, day, x.ack_999(p.batch, control=demo.next_control(),
                                             when=_morning(day)), "999")
        elif p.kind == "277ca":
            _answer_277ca(demo, day, p.batch)
        elif p.payer in remits:
            remits[p.payer].claims.extend(p.claims)
        else:
            remits[p.payer] = Pending(day, "835", p.batch, list(p.claims), p.payer)
    for payer in sorted(remits):
        _answer_835(demo, day, remits[payer])


def _morning(day: dt.date, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(7, minute))


def _import_ack(demo: Demo, day: dt.date, text: str, kind: str) -> None:
    from medbill_cli.services.acks import import_ack

    n = demo.next_control()
    path = demo.write_file(f"ack-{day:%Y%m%d}-{n}.{kind}", text)
    with demo.session() as s:
        import_ack(session=s, user=demo.opts.user, data=path.read_bytes(), file_name=path.name)
    demo.counts[f"{kind} files"] += 1


def _answer_277ca(demo: Demo, day: dt.date, batch: x.SentBatch) -> None:
    rng = demo.rng
    answers = []
    by_due: dict[tuple[dt.date, str], list[x.SentClaim]] = defaultdict(list)
    for c in batch.claims:
        if c.member_id not in demo.plans:
            answers.append(x.Answer(c, "A7:164:IL"))
            demo.fixes.append((demo.next_business_day(day, 2), c.pcn))
            demo.counts["rejected by the payer"] += 1
            continue
        number = f"{c.payer_id[:2]}{day:%y%j}{rng.randint(10000, 99999)}"
        answers.append(x.Answer(c, "A2:20:PR", number))
        if rng.random() < 0.03:
            continue  # the payer sits on it: no 835 yet (the no-response worklist)
        # Medicare pays clean electronic claims after its 14-day payment floor; others vary.
        due = day + dt.timedelta(days=rng.randint(14, 16) if c.payer_id == "MCRB1"
                                 else rng.randint(12, 28))
        while due.weekday() >= 5:
            due += dt.timedelta(days=1)
        by_due[(due, c.payer_id)].append(c)
    name, ident = cat.CLEARINGHOUSE
    _import_ack(demo, day, x.ack_277ca(batch, answers, control=demo.next_control(),
                                       when=_morning(day, 30), source_name=name,
                                       source_id=ident), "277ca")
    numbers = {a.claim.pcn: a.payer_claim_number or "" for a in answers}
    for (due, payer), claims in sorted(by_due.items()):
        demo.pending.append(Pending(due, "835", batch, claims, payer))
    demo.payer_numbers.update(numbers)


def _adjudicate_secondary(c: x.SentClaim, number: str) -> x.PaidClaim:
    """A Medigap plan's answer, as the payer after Medicare: it pays what Medicare left to
    the patient (coinsurance, copays) except the Part B deductible (a Plan G leaves that to
    the patient), and reports the rest of the charge as the prior payer's impact (OA-23)."""
    lines: list[x.PaidLine] = []
    for ln in c.lines:
        pr = [(g, carc, a) for g, carc, a in ln.prior if g == "PR"]
        owed = sum((a for _, _, a in pr), ZERO)
        deductible = sum((a for _, carc, a in pr if carc == "1"), ZERO)
        adjs: list[x.Adjustment] = [("OA", "23", ln.charge - owed), ("PR", "1", deductible)]
        lines.append(x.PaidLine(ln, owed - deductible, tuple(a for a in adjs if a[2])))
    return x.PaidClaim(c, "2", number, tuple(lines))


def _crossover(demo: Demo, day: dt.date, p: Pending, paid: x.PaidClaim) -> x.PaidClaim:
    """Medicare's answer for a patient with a Medigap plan: most claims cross over (CLP02 19,
    remark MA18) and the Medigap's own 835 follows a few days later; now and then the
    crossover fails (MA19) and medbill bills the Medigap plan itself."""
    from dataclasses import replace

    acct = demo.claim_accounts.get(paid.claim.pcn)
    pt = next((q for q in demo.patients if q.account == acct), None)
    gap = next((pl for pl in pt.plans if pl.payer == "LMGAP"), None) if pt else None
    if gap is None or paid.status != "1" or paid.patient_resp <= 0:
        return paid
    first, *rest = paid.lines
    if demo.rng.random() < 0.2:
        demo.counts["crossovers failed (MA19)"] += 1
        return replace(paid, lines=(replace(first, remarks=(*first.remarks, "MA19")), *rest))
    demo.counts["crossovers to the Medigap plan"] += 1
    forwarded = replace(paid.claim, payer_id="LMGAP", member_id=gap.member_id, sequence="S",
                        lines=tuple(replace(pl.line, prior=pl.adjustments)
                                    for pl in paid.lines))
    demo.crossovers[paid.claim.pcn] = f"LG{day:%y%j}{demo.rng.randint(10000, 99999)}"
    demo.pending.append(Pending(demo.next_business_day(day, demo.rng.randint(2, 5)), "835",
                                p.batch, [forwarded], "LMGAP"))
    return replace(paid, status="19",
                   lines=(replace(first, remarks=(*first.remarks, "MA18")), *rest))


def _adjudicate(demo: Demo, c: x.SentClaim, number: str, late: bool) -> x.PaidClaim:
    """What the payer decides on one claim: contract reductions, the patient's share, and now
    and then a denial. A claim billed to it after another payer is answered from that payer's
    answer (2430)."""
    if c.sequence != "P":
        return _adjudicate_secondary(c, number)
    rng = demo.rng
    plan = demo.plans[c.member_id]
    terms = cat.PAYERS[plan.payer]
    if late:
        return _deny(c, number, "29", ())
    if rng.random() < 0.035:
        return _deny(c, number, "16", ("M76",))
    lines: list[x.PaidLine] = []
    copay_left = plan.copay
    for ln in c.lines:
        if plan.payer == "MCAID" and ln.code == "36415":
            lines.append(x.PaidLine(ln, ZERO, (("CO", "97", ln.charge),), ("M15",)))
            continue
        commercial = plan.payer in ("EMPPO", "HVHP1")
        if ln.code in ("80053", "85025", "83036", "87880", "81003", "93000") and (
                (commercial and not demo.counts["labs denied"])  # the first one always
                or rng.random() < (0.3 if commercial else 0.03)):  # not covered for the dx
            demo.counts["labs denied"] += 1
            lines.append(x.PaidLine(ln, ZERO, (("CO", "50", ln.charge),), ("N115",)))
            continue
        allowed = min(ln.charge, _round(ln.charge * terms.allowed_pct))
        adjs: list[x.Adjustment] = []
        if allowed < ln.charge:
            adjs.append(("CO", "45", ln.charge - allowed))
        left = allowed
        preventive = ln.code.startswith(("9938", "9939")) or ln.code in ("90686", "90471")
        if not preventive:
            if copay_left and ln.code.startswith("992"):
                pr3 = min(copay_left, left)
                copay_left -= pr3
                left -= pr3
                adjs.append(("PR", "3", pr3))
            if plan.deductible_left and left:
                pr1 = min(plan.deductible_left, left)
                plan.deductible_left -= pr1
                left -= pr1
                adjs.append(("PR", "1", pr1))
            if terms.coinsurance and left:
                pr2 = _round(left * terms.coinsurance)
                left -= pr2
                adjs.append(("PR", "2", pr2))
        lines.append(x.PaidLine(ln, left, tuple(a for a in adjs if a[2])))
    status = "1" if any(pl.paid for pl in lines) or any(
        g == "PR" for pl in lines for g, _, _ in pl.adjustments) else "4"
    return x.PaidClaim(c, status, number, tuple(lines))


def _deny(c: x.SentClaim, number: str, carc: str, remarks: tuple[str, ...]) -> x.PaidClaim:
    return x.PaidClaim(c, "4", number, tuple(
        x.PaidLine(ln, ZERO, (("CO", carc, ln.charge),), remarks) for ln in c.lines))


def _answer_835(demo: Demo, day: dt.date, p: Pending) -> None:
    from medbill_cli.services.remit import import_era

    terms = cat.PAYERS[p.payer]
    numbers: dict[str, str] = demo.payer_numbers
    trace = f"{terms.payer.payer_id[:3]}{day:%y%m%d}{demo.next_control()}"
    remit = x.Remit(terms.payer, cat.PRACTICE["name"].upper(), cat.PRACTICE["npi"],
                    cat.PRACTICE["submitter_id"], trace, day)
    for c in p.claims:
        first_dos = min(ln.dos for ln in c.lines)
        late = (day - first_dos).days > terms.timely_filing_days
        crossed = p.payer == "LMGAP" and c.pcn in demo.crossovers
        number = demo.crossovers[c.pcn] if crossed else numbers.get(c.pcn, c.pcn)
        paid = _adjudicate(demo, c, number, late)
        if p.payer == "MCRB1":
            paid = _crossover(demo, day, p, paid)
        if c.sequence != "P":
            demo.counts["secondary claims paid"] += 1
        remit.claims.append(paid)
        if paid.status == "4":
            demo.counts["denied claims"] += 1
        if paid.patient_resp > 0:
            acct = demo.claim_accounts.get(c.pcn)
            if acct:
                demo.statements.append((day + dt.timedelta(days=demo.rng.randint(2, 8)), acct,
                                        demo.claim_ids[c.pcn]))
        if paid.status == "1" and paid.paid > 0:
            demo.paid.append((paid, day))
    if not demo.reversed and demo.paid and p.payer != "LMGAP":
        _plant_reversal(demo, remit, terms.payer.payer_id)
    n = demo.next_control()
    path = demo.write_file(f"era-{day:%Y%m%d}-{n}.835", x.era_835(remit, control=n,
                                                                    when=_morning(day, 45)))
    with demo.session() as s:
        import_era(session=s, user=demo.opts.user, data=path.read_bytes(), file_name=path.name)
    demo.counts["835 files"] += 1


def _plant_reversal(demo: Demo, remit: x.Remit, payer_id: str) -> None:
    """The payer takes back an earlier payment (CLP02 22) and pays it again, lower: it had
    paid the level-4 visit at the wrong rate."""
    for paid, when in demo.paid:
        if paid.claim.payer_id != payer_id or when >= remit.paid_on:
            continue
        first = paid.lines[0]
        if first.paid < Decimal("10"):
            continue
        cut = Decimal("5.00")
        fixed = x.PaidLine(first.line, first.paid - cut,
                           tuple(a if (a[0], a[1]) != ("CO", "45") else (a[0], a[1], a[2] + cut)
                                 for a in first.adjustments))
        if not any((a[0], a[1]) == ("CO", "45") for a in first.adjustments):
            continue
        remit.claims.append(x.PaidClaim(paid.claim, "22", paid.payer_claim_number, paid.lines))
        remit.claims.append(x.PaidClaim(paid.claim, "1", paid.payer_claim_number + "R",
                                        (fixed, *paid.lines[1:])))
        demo.reversed = True
        demo.counts["reversals"] += 1
        return


def step_patient_payments(demo: Demo, day: dt.date) -> None:
    """Patients pay what their statement says they owe (most in full, some in part, some
    not yet), by check or card."""
    from medbill_cli.services.ledger_reports import patient_balance
    from medbill_cli.services.payments import add_payment

    due = [(a, c) for when, a, c in demo.statements if when <= day]
    demo.statements = [t for t in demo.statements if t[0] > day]
    by_account = {p.account: p for p in demo.patients}
    done: set[str] = set()
    with demo.session() as s:
        for account, claim in due:
            pt = by_account[account]
            if account in done or pt.pays == "late":
                continue
            done.add(account)
            cents = int(patient_balance(session=s, account=account)["patient_due"])
            owed = Decimal(cents) / 100
            if owed <= 0:
                continue
            amount = owed if pt.pays == "prompt" else _round(owed / 2)
            method = "check" if demo.rng.random() < 0.4 else "card"
            add_payment(session=s, user=demo.opts.user, patient=account, amount=amount,
                        method=method, reference=str(demo.rng.randint(1000, 9999)), date=day,
                        kind="patient", claim=claim)
            demo.counts["patient payments"] += 1


def step_statement_run(demo: Demo, day: dt.date) -> None:
    """Every Friday (and on the period's last day) the office sends statements to every
    patient who owes at least $5, one PDF in the demo's folder; the dunning level advances
    run by run."""
    from medbill_cli.services.statements import run_statements

    if day.weekday() != 4 and day != demo.business_days[-1]:
        return
    with demo.session() as s:
        r = run_statements(session=s, user=demo.opts.user, as_of=day, min_balance="5",
                           output=demo.opts.out / f"statements-{day:%Y%m%d}.pdf")
    if r.path is not None:
        r.path.chmod(0o600)
    demo.counts["statement runs"] += 1 if r.run_id is not None else 0
    demo.counts["statements"] += r.statements


# --------------------------------------------------------------------------- period


SETUP: list[tuple[str, Step]] = [
    ("database", step_database),
    ("practice", step_practice),
    ("payers", step_payers),
    ("fees", step_fees),
    ("patients", step_patients),
    ("authorizations", step_authorizations),
]
DAILY: list[tuple[str, Step]] = [
    # The payers' 835s move what they leave to the next coverage or the patient; "claims"
    # below then bills the next payer (a secondary claim) unless the payer crossed it over.
    ("payer answers", step_payer_answers),
    ("patient payments", step_patient_payments),
    ("statement run", step_statement_run),
    ("fix rejections", step_fix_rejections),
    ("visits", step_visits),
    ("close of day", step_close_day),
    ("claims", step_claims),
]
PLAN_NAMES = {"HVHP1": "HVHP SELECT PLUS", "EMPPO": "EMPIRE MUTUAL PPO 500",
              "MCRB1": "MEDICARE PART B"}


def step_denial_follow_up(demo: Demo, day: dt.date) -> None:
    """The biller works the oldest open denial: an appeal is on its way."""
    from medbill_cli.services.denials import list_denials, work_denial

    with demo.session() as s:
        open_ = list_denials(session=s, status="open")
        if not open_:
            return
        d = open_[0].denial
        assert d.id is not None
        note = ("Appeal sent with the original submission's 999 and 277CA as proof of timely "
                "filing" if d.carc == "29" else "Corrected claim being prepared; records asked for")
        work_denial(session=s, user=demo.opts.user, denial_id=d.id, note=note)
        demo.counts["denials worked"] += 1


def step_eligibility(demo: Demo, day: dt.date) -> None:
    """A 270 for a few of the day's insured patients and the payers' 271 answers: most plans
    active with their copay, coinsurance and deductible left; one ended last month."""
    from medbill_cli.services import eligibility as el

    picks = [p for p in demo.patients if p.plans and p.account not in demo.dependents
             and p.plans[0].payer in ("HVHP1", "EMPPO", "MCRB1")][:8]
    if not picks:
        return
    out = demo.opts.out / f"eligibility-{day:%Y%m%d}.270"
    with demo.connection() as c:
        req = el.request_eligibility(conn=c, user=demo.opts.user,
                                     accounts=[p.account for p in picks], on=day,
                                     types=("30",), output=out,
                                     now=dt.datetime.combine(day, dt.time(8, 0)))
    el.finish_file(req)
    by_account = {p.account: p for p in picks}
    year = dt.date(day.year, 1, 1)
    groups: dict[str, list[x.Benefit]] = defaultdict(list)
    for n, r in enumerate(req.requests):
        p = by_account[str(r["account"])]
        plan = p.plans[0]
        terms = cat.PAYERS[plan.payer]
        ended = n == len(req.requests) - 1 and len(req.requests) > 1
        groups[plan.payer].append(x.Benefit(
            trace=str(r["trace"]), member_id=str(r["member_id"]), last_name=p.last.upper(),
            first_name=p.first.upper(), dob=p.dob, sex=p.sex,
            plan_name=PLAN_NAMES[plan.payer],
            plan_begin=year, active=not ended,
            plan_end=(day.replace(day=1) - dt.timedelta(days=1)) if ended
            else dt.date(day.year, 12, 31),
            copay=plan.copay if terms.copays else None,
            deductible=terms.deductible or None, deductible_left=plan.deductible_left,
            coinsurance=terms.coinsurance or None))
    for payer, answers in sorted(groups.items()):
        n = demo.next_control()
        text = x.eligibility_271(cat.PAYERS[payer].payer, cat.PRACTICE["name"].upper(),
                                 cat.PRACTICE["npi"], cat.PRACTICE["submitter_id"], answers,
                                 control=n, when=dt.datetime.combine(day, dt.time(8, 5)))
        path = demo.write_file(f"eligibility-{day:%Y%m%d}-{n}.271", text)
        with demo.connection() as c:
            el.import_271(conn=c, user=demo.opts.user, data=path.read_bytes(), name=path.name)
        demo.counts["271 files"] += 1


def step_payment_plan(demo: Demo, day: dt.date) -> None:
    """The patient who owes the most (one who pays late, if any owes $20) agrees to a monthly
    payment plan."""
    from medbill_cli.services.collections import add_plan
    from medbill_cli.services.ledger_reports import patient_balance

    with demo.session() as s:
        owed = []
        for pt in demo.patients:
            if not pt.seen:
                continue
            cents = int(patient_balance(session=s, account=pt.account)["patient_due"])
            if cents >= 2000:
                owed.append((pt.pays == "late", cents, pt.account))
        if not owed:
            return
        _, cents, account = max(owed)
        monthly = max(Decimal(cents) / 300, Decimal(10)).quantize(Decimal(1))
        add_plan(session=s, user=demo.opts.user, account=account, monthly=monthly,
                 start=day.replace(day=1))
        demo.counts["payment plans"] += 1


FINISH: list[tuple[str, Step]] = [
    ("denial follow-up", step_denial_follow_up),
    ("eligibility", step_eligibility),
    ("payment plan", step_payment_plan),
]


def business_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def plan_demo(engine: Engine, opts: Options) -> Demo:
    start = opts.end - dt.timedelta(days=opts.days - 1)
    check_options(opts.days, opts.end, opts.end)
    days = business_days(start, opts.end)
    demo = Demo(engine, opts, random.Random(opts.seed), start, days)
    return demo


def total_steps(demo: Demo) -> int:
    return len(SETUP) + len(DAILY) * len(demo.business_days) + len(FINISH)


def run_demo(demo: Demo, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Run every step in order; ``progress`` is called after each with its label.

    Returns:
        What was made (visits, charges, claims, files, ...), for the summary.
    """
    from medbill_cli.dates import pinned_today

    def done(label: str) -> None:
        if progress:
            progress(label)

    with pinned_today(demo.start):
        for name, step in SETUP:
            step(demo, demo.start)
            done(name)
    for day in demo.business_days:
        with pinned_today(day):
            for name, step in DAILY:
                step(demo, day)
                done(f"{day.isoformat()} {name}")
    with pinned_today(demo.opts.end):
        for name, step in FINISH:
            step(demo, demo.opts.end)
            done(name)
    return dict(demo.counts)


def refuse_non_empty(engine: Engine) -> None:
    """A database that already holds patients, charges or claims is refused (exit 3); an empty
    one, or one with only code sets loaded, is fine."""
    from sqlalchemy import func, inspect, select

    from medbill_cli.db import tables as t

    names = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        for table, what in ((t.patient, "patients"), (t.charge, "charges"),
                            (t.claim, "claims")):
            if table.name in names and conn.execute(
                    select(func.count()).select_from(table)).scalar():
                raise InputError(f"The database already holds {what}; the demo fills only an "
                                 "empty database", "Use another --db, e.g. --db demo.db")


__all__ = ["DAILY", "DEFAULT_SEED", "FINISH", "MAX_DAYS", "SETUP", "Demo", "Options",
           "check_options", "plan_demo", "refuse_non_empty", "run_demo", "total_steps"]
