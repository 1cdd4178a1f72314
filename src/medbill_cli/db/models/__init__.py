"""All tables. Import this package so that ``SQLModel.metadata`` knows every table."""

from medbill_cli.db.models.charges import Charge, Encounter, EncounterDiagnosis, Fee, Payment
from medbill_cli.db.models.claims import Batch, Claim, ClaimFinding, ClaimLine
from medbill_cli.db.models.codes import Code, CodeSet, CodeWord, MueEdit, PtpEdit
from medbill_cli.db.models.days import DayClose
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

__all__ = [
    "AuditLog",
    "Batch",
    "Charge",
    "Claim",
    "ClaimFinding",
    "ClaimLine",
    "Code",
    "CodeSet",
    "CodeWord",
    "Coverage",
    "DayClose",
    "Denial",
    "Encounter",
    "EncounterDiagnosis",
    "Era",
    "EraAdjustment",
    "EraClaim",
    "EraLine",
    "EraPlb",
    "Facility",
    "Fee",
    "HistoryEntry",
    "MueEdit",
    "Patient",
    "Payer",
    "Payment",
    "Practice",
    "Provider",
    "PtpEdit",
    "Setting",
]
