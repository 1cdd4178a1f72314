"""All tables, imported lazily.

``from medbill_cli.db.models import Charge`` imports only the module that defines ``Charge``
(and, through ``resolve_references``, the modules its foreign keys point at): building
SQLModel classes costs several milliseconds each, and an interactive command should pay only
for the tables it uses. ``load_all()`` imports every table (migrations, tests, reports).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers and editors; names load lazily below
    from medbill_cli.db.models.acks import Ack, AckClaim, AckError
    from medbill_cli.db.models.charges import Charge, Encounter, EncounterDiagnosis, Fee
    from medbill_cli.db.models.claims import Batch, Claim, ClaimFinding, ClaimLine
    from medbill_cli.db.models.codes import Code, CodeSet, CodeWord, MueEdit, PtpEdit
    from medbill_cli.db.models.days import DayClose
    from medbill_cli.db.models.eligibility import (
        AuthCode,
        EligibilityRequest,
        EligibilityResponse,
        PriorAuth,
    )
    from medbill_cli.db.models.ledger import Adjustment, LedgerEntry, Period, Refund
    from medbill_cli.db.models.paper import Collection, PaymentPlan, StatementItem, StatementRun
    from medbill_cli.db.models.payments import Payment
    from medbill_cli.db.models.registration import (
        AuditLog,
        Coverage,
        Facility,
        HistoryEntry,
        Patient,
        Payer,
        Practice,
        Provider,
        Setting,
    )
    from medbill_cli.db.models.remit import Denial, Era, EraAdjustment, EraClaim, EraLine, EraPlb

_MODULES: dict[str, tuple[str, ...]] = {
    "registration": ("AuditLog", "Coverage", "Facility", "HistoryEntry", "Patient", "Payer",
                     "Practice", "Provider", "Setting"),
    "codes": ("Code", "CodeSet", "CodeWord", "MueEdit", "PtpEdit"),
    "charges": ("Charge", "Encounter", "EncounterDiagnosis", "Fee"),
    "payments": ("Payment",),
    "claims": ("Batch", "Claim", "ClaimFinding", "ClaimLine"),
    "days": ("DayClose",),
    "ledger": ("Adjustment", "LedgerEntry", "Period", "Refund"),
    "remit": ("Denial", "Era", "EraAdjustment", "EraClaim", "EraLine", "EraPlb"),
    "eligibility": ("AuthCode", "EligibilityRequest", "EligibilityResponse", "PriorAuth"),
    "acks": ("Ack", "AckClaim", "AckError"),
    "paper": ("Collection", "PaymentPlan", "StatementItem", "StatementRun"),
}
_MODULE_OF = {name: mod for mod, names in _MODULES.items() for name in names}
# Where each table lives, for tables that foreign keys point at.
_TABLE_MODULE = {
    "patient": "registration", "payer": "registration", "provider": "registration",
    "facility": "registration", "coverage": "registration", "encounter": "charges",
    "charge": "charges", "payment": "payments", "claim": "claims", "claim_line": "claims",
    "batch": "claims",
    "era": "remit", "era_claim": "remit", "era_line": "remit",
    "eligibility_request": "eligibility", "ack": "acks",
    "ledger_entry": "ledger", "adjustment": "ledger",
    "statement_run": "paper", "payment_plan": "paper",
}

# Spelled out (not computed) so that type checkers see the names as exported.
__all__ = [
    "AuditLog", "Batch", "Charge", "Claim", "ClaimFinding", "ClaimLine", "Code", "CodeSet",
    "CodeWord", "Collection", "Coverage", "DayClose", "Denial", "Encounter", "EncounterDiagnosis",
    "Era", "EraAdjustment", "EraClaim", "EraLine", "EraPlb", "Facility", "Fee", "HistoryEntry",
    "MueEdit", "Patient", "Payer", "Payment", "PaymentPlan", "Practice", "Provider", "PtpEdit",
    "Setting", "StatementItem", "StatementRun", "load_all",
    "resolve_references",
]


def _import(module: str) -> Any:
    return importlib.import_module(f"medbill_cli.db.models.{module}")


def resolve_references() -> None:
    """Import the modules of every table a loaded table's foreign keys point at."""
    from sqlmodel import SQLModel

    while True:
        tables = SQLModel.metadata.tables
        missing = {
            fk.target_fullname.split(".")[0]
            for table in list(tables.values())
            for fk in table.foreign_keys
        } - set(tables)
        if not missing:
            return
        for name in missing:
            _import(_TABLE_MODULE[name])


def load_all() -> None:
    """Import every table (for migrations, metadata comparison and reports)."""
    for module in _MODULES:
        _import(module)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import(module), name)
    resolve_references()
    globals()[name] = value
    return value
