"""What the scrubber sees: a claim with its reference data already looked up (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One problem an edit found: edit id, severity (error|warning), line (None: the claim)."""

    edit: str
    severity: str
    message: str
    fix: str
    line: int | None = None


@dataclass(frozen=True)
class DxInfo:
    code: str
    known: bool = True  # in the loaded ICD-10-CM at all
    valid_on_dos: bool = True
    billable: bool = True
    manifestation: bool = False  # has a "code first" note: never first-listed
    description: str = ""


@dataclass(frozen=True)
class ProcInfo:
    code: str
    known: bool = True
    valid_on_dos: bool = True


@dataclass(frozen=True)
class PtpInfo:
    column1: str
    column2: str
    modifier_indicator: str  # 0 never bypassed, 1 bypassed by an NCCI modifier, 9 not applicable


@dataclass(frozen=True)
class AuthInfo:
    """An authorization as the prior-auth edit (``scrub.authorization``) sees it; ``*_used``
    count through this line's visit."""

    number: str
    start: dt.date
    end: dt.date
    visits_allowed: int | None = None
    units_allowed: int | None = None
    visits_used: int = 0
    units_used: int = 0


@dataclass(frozen=True)
class AuthLine:
    number: int  # the claim line
    code: str
    dos: dt.date
    needs_auth: bool
    auth: AuthInfo | None = None


@dataclass(frozen=True)
class EligibilityNote:
    """The latest eligibility answer for one of the claim's dates of service."""

    on_date: dt.date
    status: str  # active|inactive|rejected|unknown
    reason: str | None = None  # AAA rejections in words: "72: the member id is ..."


@dataclass(frozen=True)
class LineView:
    number: int
    code: str
    units: int
    amount_cents: int
    dos: dt.date
    dx_pointers: tuple[int, ...]
    modifiers: tuple[str, ...] = ()
    proc: ProcInfo | None = None
    unknown_modifiers: tuple[str, ...] = ()
    mue: int | None = None
    mai: int | None = None  # 1 per line, 2/3 per date of service
    duplicate_of: str | None = None  # another claim's PCN with the same service


Cas = tuple[str, str, int]  # group, CARC, cents


@dataclass(frozen=True)
class CobLine:
    """One claim line as another payer answered it (its 2430)."""

    number: int
    charge_cents: int  # SV102
    paid_cents: int | None  # SVD02; None: the payer's answer has no line for it
    adjustments: tuple[Cas, ...] = ()


@dataclass(frozen=True)
class CobPayer:
    """Another payer of the claim (its 2320), with its adjudication when it has one."""

    payer_code: str
    priority: str  # primary|secondary|tertiary
    adjudicated: bool = False
    paid_cents: int = 0  # AMT*D
    claim_adjustments: tuple[Cas, ...] = ()
    by_lines: bool = False  # the answer is on the lines (2430 for each)
    lines: tuple[CobLine, ...] = ()


@dataclass(frozen=True)
class ClaimView:
    claim_id: int
    pcn: str
    today: dt.date
    # billing provider
    practice_npi: str | None
    practice_ein: str | None
    practice_zip: str | None
    # patient
    patient_account: str
    patient_sex: str | None
    patient_dob: dt.date | None
    patient_has_name: bool
    patient_has_address: bool
    # subscriber and payer
    has_coverage: bool
    member_id: str | None
    payer_code: str | None  # the EDI payer id
    timely_filing_days: int | None
    coverage_effective: dt.date | None
    coverage_termination: dt.date | None
    subscriber_is_patient: bool
    subscriber_complete: bool
    # rendering provider
    rendering_npi: str | None
    diagnoses: tuple[DxInfo, ...]
    lines: tuple[LineView, ...]
    ptp: tuple[PtpInfo, ...] = ()
    frequency: str = "1"
    payer_claim_number: str | None = None
    auth_lines: tuple[AuthLine, ...] = ()  # each line's prior-authorization lookup
    eligibility: tuple[EligibilityNote, ...] = ()  # answers for the dates of service
    claim_priority: str = "primary"  # the billed coverage's payer sequence
    cob: tuple[CobPayer, ...] = ()  # the other payers (2320), in payer order
    filing_indicator: str | None = None  # the billed payer's (SBR09): MB is Medicare Part B
    insurance_type: str | None = None  # the billed coverage's Medicare secondary type (SBR05)

    @property
    def first_dos(self) -> dt.date:
        return min(ln.dos for ln in self.lines)

    @property
    def last_dos(self) -> dt.date:
        return max(ln.dos for ln in self.lines)
