"""The practice, providers, facilities and payers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from medbill_cli import validate as v
from medbill_cli.db.models import Facility, Payer, Practice, Provider
from medbill_cli.db.models._base import utcnow
from medbill_cli.errors import DuplicateError, InputError, NotFoundError
from medbill_cli.services import audit

# 837P SBR09 claim filing indicator codes (005010X222A1).
FILING_INDICATORS = {
    "11": "Other non-federal programs", "12": "PPO", "13": "POS", "14": "EPO",
    "15": "Indemnity", "16": "HMO Medicare Risk", "17": "Dental maintenance",
    "AM": "Automobile medical", "BL": "Blue Cross/Blue Shield", "CH": "CHAMPUS/TRICARE",
    "CI": "Commercial insurance", "DS": "Disability", "FI": "Federal employees program",
    "HM": "HMO", "LM": "Liability medical", "MA": "Medicare Part A", "MB": "Medicare Part B",
    "MC": "Medicaid", "OF": "Other federal program", "TV": "Title V", "VA": "Veterans affairs plan",
    "WC": "Workers' compensation", "ZZ": "Mutually defined",
}


def _address(address: str, city: str, state: str, zip_: str, *,
             plus4: bool = False) -> dict[str, str]:
    return {
        "address": v.text(address, field="Address", max_len=55),
        "city": v.text(city, field="City", max_len=30),
        "state": v.state(state),
        "zip": v.zip_code(zip_, require_plus4=plus4),
    }


def get_practice(*, session: Session) -> Practice | None:
    return session.exec(select(Practice).order_by(col(Practice.id)).limit(1)).first()


def set_practice(*, session: Session, user: str, **fields: Any) -> Practice:
    """Create or update the practice (the billing provider); only given fields change.

    Args:
        session: the command's session.
        user: who acts, for the audit trail.
        fields: name, npi, tin, taxonomy, address, city, state, zip, phone and the EDI settings.

    Returns:
        The practice.
    """
    clean: dict[str, Any] = {}
    checks: dict[str, Callable[[Any], Any]] = {
        "name": lambda x: v.text(x, field="Practice name", max_len=60),
        "npi": lambda x: v.npi(x, field="Practice NPI"),
        "tin": v.ein,
        "taxonomy": v.taxonomy,
        "address": lambda x: v.text(x, field="Address", max_len=55),
        "address2": lambda x: v.text(x, field="Address line 2", max_len=55),
        "city": lambda x: v.text(x, field="City", max_len=30),
        "state": v.state,
        "zip": lambda x: v.zip_code(x, require_plus4=True),
        "phone": v.phone,
        "submitter_id": lambda x: v.text(x, field="Submitter id", max_len=15),
        "submitter_name": lambda x: v.text(x, field="Submitter name", max_len=60),
        "contact_name": lambda x: v.text(x, field="Contact name", max_len=60),
        "contact_phone": v.phone,
        "contact_email": v.email,
        "receiver_id": lambda x: v.text(x, field="Receiver id", max_len=15),
        "receiver_name": lambda x: v.text(x, field="Receiver name", max_len=60),
        "remit_name": lambda x: v.text(x, field="Remit-to name", max_len=60),
        "remit_address": lambda x: v.text(x, field="Remit-to address", max_len=55),
        "remit_city": lambda x: v.text(x, field="Remit-to city", max_len=30),
        "remit_state": v.state,
        "remit_zip": lambda x: v.zip_code(x, require_plus4=False),
        "pay_url": _pay_url,
        "dunning_second_days": lambda x: _days(x, "--dunning-second-days"),
        "dunning_final_days": lambda x: _days(x, "--dunning-final-days"),
        "dunning_collections_days": lambda x: _days(x, "--dunning-collections-days"),
    }
    for key, value in fields.items():
        if value is None:
            continue
        if key not in checks:
            raise InputError(f"Unknown practice field '{key}'")
        clean[key] = checks[key](value)
    practice = get_practice(session=session)
    _check_dunning(practice, clean)
    if practice is None:
        missing = [k for k in ("name", "npi", "tin", "address", "city", "state", "zip")
                   if k not in clean]
        if missing:
            raise InputError(
                "The practice is not set up yet; missing " + ", ".join("--" + m for m in missing),
                "Give all of them the first time",
            )
        practice = Practice(**clean)
        session.add(practice)
        session.flush()
        audit.record(session=session, user=user, action="create", entity="practice",
                     entity_id=practice.id, after=audit.snapshot(practice))
        return practice
    before = audit.snapshot(practice)
    for key, value in clean.items():
        setattr(practice, key, value)
    practice.updated_at = utcnow()
    session.add(practice)
    session.flush()
    audit.record(session=session, user=user, action="update", entity="practice",
                 entity_id=practice.id, before=before, after=audit.snapshot(practice))
    return practice


DUNNING = ("dunning_second_days", "dunning_final_days", "dunning_collections_days")
DUNNING_DEFAULTS = (30, 60, 90)


def _pay_url(value: str) -> str:
    """Printed on statements only (never in X12): any web address without spaces."""
    url = (value or "").strip()
    if not url or len(url) > 100 or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise InputError("--pay-url must be a web address of at most 100 characters, no spaces",
                         "For example https://pay.example.com/main-street")
    return url


def _days(value: Any, what: str) -> int:
    days = int(value)
    if not 1 <= days <= 365:
        raise InputError(f"{what} {days} must be 1 to 365 days")
    return days


def _check_dunning(practice: Practice | None, clean: dict[str, Any]) -> None:
    """The dunning levels' days from the first statement must rise: second < final <
    collections."""
    if not any(k in clean for k in DUNNING):
        return
    days = [clean.get(k, getattr(practice, k, d) if practice is not None else d)
            for k, d in zip(DUNNING, DUNNING_DEFAULTS, strict=True)]
    if not days[0] < days[1] < days[2]:
        raise InputError(f"Dunning days {days[0]}, {days[1]}, {days[2]} must rise: second "
                         "notice before the final notice before collections",
                         "For example --dunning-second-days 30 --dunning-final-days 60 "
                         "--dunning-collections-days 90")


def require_practice(*, session: Session) -> Practice:
    p = get_practice(session=session)
    if p is None:
        raise NotFoundError("The practice is not set up", "Run medbill practice set first")
    return p


def add_provider(
    *, session: Session, user: str, npi: str, first_name: str, last_name: str,
    middle_name: str | None = None, credential: str | None = None, taxonomy: str | None = None,
) -> Provider:
    n = v.npi(npi, field="Provider NPI")
    if session.exec(select(Provider).where(Provider.npi == n)).first():
        raise DuplicateError(f"Provider with NPI {n} already exists",
                             "Use medbill provider show " + n)
    prov = Provider(
        npi=n,
        first_name=v.name(first_name, field="First name", max_len=35),
        last_name=v.name(last_name, field="Last name", max_len=60),
        middle_name=v.name(middle_name, field="Middle name", max_len=25) if middle_name else None,
        credential=v.text(credential, field="Credential", max_len=10) if credential else None,
        taxonomy=v.taxonomy(taxonomy) if taxonomy else None,
    )
    session.add(prov)
    session.flush()
    audit.record(session=session, user=user, action="create", entity="provider",
                 entity_id=prov.npi, after=audit.snapshot(prov))
    return prov


def get_provider(*, session: Session, npi: str) -> Provider:
    prov = session.exec(select(Provider).where(Provider.npi == npi.strip())).first()
    if prov is None:
        raise NotFoundError(f"No provider with NPI {npi}", "See medbill provider list")
    return prov


def list_providers(*, session: Session) -> list[Provider]:
    q = select(Provider).order_by(col(Provider.last_name), col(Provider.id))
    return list(session.exec(q).all())


def add_facility(
    *, session: Session, user: str, name: str, address: str, city: str, state: str, zip: str,
    npi: str | None = None, pos: str = "11",
) -> Facility:
    where = _address(address, city, state, zip)
    fac = Facility(
        name=v.text(name, field="Facility name", max_len=60),
        npi=v.npi(npi, field="Facility NPI") if npi else None,
        pos=v.pos(pos), address=where["address"], city=where["city"], state=where["state"],
        zip=where["zip"],
    )
    session.add(fac)
    session.flush()
    audit.record(session=session, user=user, action="create", entity="facility",
                 entity_id=fac.id, after=audit.snapshot(fac))
    return fac


def get_facility(*, session: Session, facility_id: int) -> Facility:
    fac = session.get(Facility, facility_id)
    if fac is None:
        raise NotFoundError(f"No facility {facility_id}", "See medbill facility list")
    return fac


def list_facilities(*, session: Session) -> list[Facility]:
    return list(session.exec(select(Facility).order_by(col(Facility.id))).all())


def add_payer(
    *, session: Session, user: str, name: str, payer_id: str, filing_indicator: str = "CI",
    timely_filing_days: int = 365, address: str | None = None, city: str | None = None,
    state: str | None = None, zip: str | None = None, accept_assignment: bool = True,
    forwards_claims: bool = False,
) -> Payer:
    pid = v.text(payer_id, field="Payer id", max_len=80).upper()
    if session.exec(select(Payer).where(Payer.payer_id == pid)).first():
        raise DuplicateError(f"Payer {pid} already exists", f"Use medbill payer show {pid}")
    fi = filing_indicator.strip().upper()
    if fi not in FILING_INDICATORS:
        raise InputError(
            f"Claim filing indicator '{filing_indicator}' is not an 837P SBR09 code",
            "Use one of " + ", ".join(sorted(FILING_INDICATORS)),
        )
    if not 1 <= timely_filing_days <= 3650:
        raise InputError("Timely filing days must be between 1 and 3650")
    addr: dict[str, Any] = {}
    if any(x is not None for x in (address, city, state, zip)):
        if not all((address, city, state, zip)):
            raise InputError("A payer address needs --address, --city, --state and --zip together")
        assert address and city and state and zip
        addr = _address(address, city, state, zip)
    payer = Payer(
        payer_id=pid, name=v.text(name, field="Payer name", max_len=60),
        filing_indicator=fi, timely_filing_days=timely_filing_days,
        accept_assignment=accept_assignment, forwards_claims=forwards_claims, **addr,
    )
    session.add(payer)
    session.flush()
    audit.record(session=session, user=user, action="create", entity="payer",
                 entity_id=payer.payer_id, after=audit.snapshot(payer))
    return payer


def get_payer(*, session: Session, payer_id: str) -> Payer:
    payer = session.exec(select(Payer).where(Payer.payer_id == payer_id.strip().upper())).first()
    if payer is None:
        raise NotFoundError(f"No payer with id {payer_id}",
                            "See medbill payer list, or add it with medbill payer add")
    return payer


def update_payer(*, session: Session, user: str, payer_id: str, reason: str,
                 accept_assignment: bool | None = None,
                 forwards_claims: bool | None = None) -> Payer:
    """Change what medbill knows of how a payer works; audited before/after with the reason.

    ``accept_assignment``: the practice accepts assignment with the payer (837P CLM07, box 27).
    ``forwards_claims``: the payer crosses its adjudicated claims over to the next payer
    itself, so no claim is sent to that payer after it (its 835 arrives by itself).

    Raises:
        NotFoundError: no such payer.
        InputError: no reason, nothing to change, or only the values it already has.
    """
    why = v.reason(reason, needed_for="A payer update", max_len=200)
    payer = get_payer(session=session, payer_id=payer_id)
    changes = {k: val for k, val in (("accept_assignment", accept_assignment),
                                     ("forwards_claims", forwards_claims)) if val is not None}
    if not changes:
        raise InputError(f"Nothing to change on payer {payer.payer_id}",
                         "Give --accept-assignment/--no-accept-assignment or "
                         "--forwards-claims/--no-forwards-claims")
    if all(bool(getattr(payer, k)) == val for k, val in changes.items()):
        raise InputError(f"The change leaves payer {payer.payer_id} as it is",
                         "Give the value that differs")
    audit.update_record(session=session, user=user, obj=payer, changes=changes, entity="payer",
                        entity_id=payer.payer_id, reason=why)
    return payer


def list_payers(*, session: Session) -> list[Payer]:
    return list(session.exec(select(Payer).order_by(col(Payer.name))).all())
