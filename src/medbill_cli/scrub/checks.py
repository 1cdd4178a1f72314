"""Claim edits: small functions over a ClaimView, each returning its findings.

Add an edit by writing ``check_<what>(view) -> list[Finding]`` and listing it in ``EDITS``.
Every finding says what is wrong and how to fix it; an ``error`` holds the claim, a ``warning``
does not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable

from medbill_cli.scrub.authorization import check_prior_auth
from medbill_cli.scrub.cob import check_cob
from medbill_cli.scrub.rules import (
    AGE_SOURCE,
    PTP_BYPASS_MODIFIERS,
    SEX_SOURCE,
    age_rule,
    is_external_cause,
    sex_rule,
)
from medbill_cli.scrub.view import ClaimView, Finding, LineView
from medbill_cli.validate import npi_check_digit_ok

ERROR = "error"
WARNING = "warning"
TIMELY_WARNING_DAYS = 30


def _err(edit: str, message: str, fix: str, line: int | None = None) -> Finding:
    return Finding(edit=edit, severity=ERROR, message=message, fix=fix, line=line)


def _warn(edit: str, message: str, fix: str, line: int | None = None) -> Finding:
    return Finding(edit=edit, severity=WARNING, message=message, fix=fix, line=line)


def check_required_data(v: ClaimView) -> list[Finding]:
    out: list[Finding] = []
    if not v.practice_npi:
        out.append(_err("required-data", "Billing provider NPI is missing",
                        "Set it with medbill practice set --npi"))
    if not v.practice_ein:
        out.append(_err("required-data", "Billing provider EIN is missing",
                        "Set it with medbill practice set --tin"))
    if not v.practice_zip or not re.fullmatch(r"\d{9}", v.practice_zip):
        out.append(_err("required-data", "Billing provider ZIP is not ZIP+4 (9 digits)",
                        "Set it with medbill practice set --zip 12207-1234"))
    if not v.has_coverage:
        out.append(_err("required-data", f"Patient {v.patient_account} has no primary coverage "
                        "on the date of service",
                        f"Add it with medbill coverage add {v.patient_account}"))
    else:
        if not v.member_id:
            out.append(_err("required-data", "Subscriber member id is missing",
                            f"Correct the coverage of {v.patient_account}"))
        if not v.payer_code:
            out.append(_err("required-data", "Payer id is missing",
                            "Set the payer's EDI id with medbill payer add"))
        if not v.subscriber_is_patient and not v.subscriber_complete:
            out.append(_err("required-data", "Subscriber name, date of birth or sex is missing",
                            f"Give the subscriber on the coverage of {v.patient_account}"))
    if not v.patient_has_name or v.patient_dob is None or v.patient_sex not in ("M", "F", "U"):
        out.append(_err("required-data", f"Patient {v.patient_account} demographics are incomplete",
                        f"Complete them with medbill patient update {v.patient_account}"))
    if not v.patient_has_address:
        out.append(_err("required-data", f"Patient {v.patient_account} address is missing",
                        f"Add it with medbill patient update {v.patient_account} --address .. "
                        "--city .. --state .. --zip .."))
    if not v.rendering_npi:
        out.append(_err("required-data", "Rendering provider NPI is missing",
                        "Give the provider on the charge (--provider NPI)"))
    if not v.diagnoses:
        out.append(_err("required-data", "The claim has no diagnosis",
                        "Add a diagnosis to the charges"))
    return out


def check_npi(v: ClaimView) -> list[Finding]:
    out: list[Finding] = []
    for who, npi in (("Billing provider", v.practice_npi), ("Rendering provider", v.rendering_npi)):
        if npi and not npi_check_digit_ok(npi):
            out.append(_err("npi-check-digit", f"{who} NPI {npi} fails the NPI check digit",
                            "Look the NPI up on NPPES and correct the typo"))
    return out


def check_coverage_active(v: ClaimView) -> list[Finding]:
    if not v.has_coverage:
        return []
    out: list[Finding] = []
    for ln in v.lines:
        if (v.coverage_effective and ln.dos < v.coverage_effective) or (
            v.coverage_termination and ln.dos > v.coverage_termination
        ):
            out.append(_err("coverage-inactive", f"Coverage is not active on {ln.dos}",
                            "Check eligibility; add the current coverage with medbill coverage add "
                            f"{v.patient_account}",
                            ln.number))
    return out


def check_diagnoses_valid(v: ClaimView) -> list[Finding]:
    out: list[Finding] = []
    for i, dx in enumerate(v.diagnoses, start=1):
        where = f"Diagnosis {i} ({dx.code})"
        if not dx.known:
            out.append(_err("dx-invalid", f"{where} is not an ICD-10-CM code",
                            f"Find the right code with medbill codes search {dx.code}"))
        elif not dx.valid_on_dos:
            out.append(_err("dx-invalid", f"{where} is not valid on the date of service",
                            "Use the code in force on the date of service"))
        elif not dx.billable:
            out.append(_err("dx-header", f"{where} is a header code, not billable",
                            f"Use a more specific code (medbill codes show {dx.code})"))
    if len(v.diagnoses) > 12:
        out.append(_err("dx-count", f"The claim has {len(v.diagnoses)} diagnoses; at most 12",
                        "Split the charges over two claims"))
    return out


def check_external_cause_first(v: ClaimView) -> list[Finding]:
    if v.diagnoses and is_external_cause(v.diagnoses[0].code):
        return [_err("dx-external-cause-first",
                     f"External-cause code {v.diagnoses[0].code} (V00-Y99) is first-listed",
                     "List the injury or condition first; external-cause codes are secondary")]
    return []


def check_manifestation_first(v: ClaimView) -> list[Finding]:
    if v.diagnoses and v.diagnoses[0].manifestation:
        return [_err("dx-manifestation-first",
                     f"Manifestation code {v.diagnoses[0].code} is first-listed "
                     "(a manifestation: the underlying disease is coded first)",
                     "List the underlying condition first, then the manifestation")]
    return []


def check_sex_conflict(v: ClaimView) -> list[Finding]:
    if v.patient_sex not in ("M", "F"):
        return []
    out: list[Finding] = []
    for dx in v.diagnoses:
        rule = sex_rule(dx.code)
        if rule is not None and rule.sex != v.patient_sex:
            who = "male" if v.patient_sex == "M" else "female"
            out.append(_err("dx-sex-conflict",
                            f"Diagnosis {dx.code} ({rule.what}) conflicts with a {who} patient "
                            f"[{SEX_SOURCE}]",
                            f"Check the diagnosis, or the sex of patient {v.patient_account}"))
    return out


def check_age_conflict(v: ClaimView) -> list[Finding]:
    if v.patient_dob is None:
        return []
    out: list[Finding] = []
    age_days = (v.first_dos - v.patient_dob).days
    for dx in v.diagnoses:
        rule = age_rule(dx.code)
        if rule is not None and age_days > rule.max_days:
            out.append(_err("dx-age-conflict",
                            f"Diagnosis {dx.code} ({rule.what}) is for newborns; the patient is "
                            f"{age_days} days old [{AGE_SOURCE}]",
                            "Check the diagnosis, or the date of birth of patient "
                            f"{v.patient_account}"))
    return out


def check_pointers(v: ClaimView) -> list[Finding]:
    out: list[Finding] = []
    n = len(v.diagnoses)
    for ln in v.lines:
        if not ln.dx_pointers:
            out.append(_err("dx-pointer", "The line points to no diagnosis",
                            "Give the charge a --dx", ln.number))
        elif len(ln.dx_pointers) > 4:
            out.append(_err("dx-pointer", "The line points to more than 4 diagnoses",
                            "Keep the 4 most relevant diagnoses on the charge", ln.number))
        bad = [p for p in ln.dx_pointers if p < 1 or p > min(n, 12)]
        if bad:
            out.append(_err("dx-pointer",
                            f"Diagnosis pointer {bad[0]} does not point to a claim diagnosis",
                            "Correct the charge's diagnoses", ln.number))
    return out


def check_procedures(v: ClaimView) -> list[Finding]:
    out: list[Finding] = []
    for ln in v.lines:
        if ln.proc is not None and not ln.proc.known:
            out.append(_err("proc-invalid", f"Procedure code {ln.code} is not a CPT or HCPCS code",
                            f"Find the right code with medbill codes search {ln.code}",
                            ln.number))
        elif ln.proc is not None and not ln.proc.valid_on_dos:
            out.append(_err("proc-invalid", f"Procedure code {ln.code} is not valid on {ln.dos}",
                            "Use the code in force on the date of service", ln.number))
        for m in ln.unknown_modifiers:
            out.append(_err("modifier-invalid", f"Modifier {m} is not a valid modifier",
                            "See medbill codes search --system modifier", ln.number))
        if len(ln.modifiers) > 4:
            out.append(_err("modifier-invalid", "More than 4 modifiers on the line",
                            "Keep at most 4 modifiers", ln.number))
    return out


def check_ptp(v: ClaimView) -> list[Finding]:
    """NCCI procedure-to-procedure pairs billed on the same date."""
    if not v.ptp:
        return []
    edits = {(e.column1, e.column2): e.modifier_indicator for e in v.ptp}
    out: list[Finding] = []
    by_date: dict[dt.date, list[LineView]] = defaultdict(list)
    for ln in v.lines:
        by_date[ln.dos].append(ln)
    for lines in by_date.values():
        for col1 in lines:
            for col2 in lines:
                ind = edits.get((col1.code, col2.code))
                if col1 is col2 or ind is None or ind == "9":
                    continue
                pair = f"{col2.code} is bundled into {col1.code} on {col2.dos} (NCCI PTP"
                if ind == "0":
                    out.append(_err("ncci-ptp", f"{pair}, no modifier allowed)",
                                    f"Remove {col2.code}; it is not paid with {col1.code}",
                                    col2.number))
                elif not ((set(col2.modifiers) | set(col1.modifiers)) & PTP_BYPASS_MODIFIERS):
                    out.append(_err("ncci-ptp", f"{pair}, modifier indicator 1)",
                                    "If the service was separate and distinct, add 59, XE, XS, "
                                    f"XP or XU (or 25 on the E/M) to {col2.code} and document "
                                    "it; otherwise remove it",
                                    col2.number))
    return out


def check_mue(v: ClaimView) -> list[Finding]:
    out: list[Finding] = []
    per_day: dict[tuple[str, dt.date], int] = defaultdict(int)
    for ln in v.lines:
        per_day[(ln.code, ln.dos)] += ln.units
    seen: set[tuple[str, dt.date]] = set()
    for ln in v.lines:
        if ln.mue is None:
            continue
        if ln.mai == 1 or ln.mai is None:
            if ln.units > ln.mue:
                out.append(_err("mue", f"{ln.units} units of {ln.code} exceed the MUE of "
                                f"{ln.mue} per line",
                                f"Bill at most {ln.mue} units, or appeal with documentation",
                                ln.number))
        else:
            key = (ln.code, ln.dos)
            if key not in seen and per_day[key] > ln.mue:
                seen.add(key)
                out.append(_err("mue", f"{per_day[key]} units of {ln.code} on {ln.dos} exceed "
                                f"the MUE of {ln.mue} per day",
                                f"Bill at most {ln.mue} units on that date", ln.number))
    return out


def check_duplicates(v: ClaimView) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[tuple[object, ...], int] = {}
    for ln in v.lines:
        if ln.duplicate_of:
            out.append(_err("duplicate-claim",
                            f"{ln.code} on {ln.dos} was already billed on claim {ln.duplicate_of}",
                            f"Void the duplicate charge, or resubmit claim {ln.duplicate_of} "
                            "instead", ln.number))
        key = (ln.code, ln.dos, ln.modifiers)
        if key in seen and not ({"76", "77", "91"} & set(ln.modifiers)):
            out.append(_warn("duplicate-line", f"{ln.code} on {ln.dos} is billed twice on this "
                             f"claim (line {seen[key]})",
                             "Void one charge, or add 76, 77 or 91 for a repeated service",
                             ln.number))
        seen.setdefault(key, ln.number)
    return out


def check_timely_filing(v: ClaimView) -> list[Finding]:
    if not v.timely_filing_days or not v.lines:
        return []
    age = (v.today - v.first_dos).days
    limit = v.timely_filing_days
    if age > limit:
        return [_err("timely-filing", f"The service is {age} days old; the payer's filing "
                     f"limit is {limit} days",
                     "Send proof of timely filing with an appeal, or adjust the balance off")]
    if age > limit - TIMELY_WARNING_DAYS:
        return [_warn("timely-filing", f"The service is {age} days old; the filing limit of "
                      f"{limit} days is near",
                      "Send the claim today")]
    return []


def check_charges(v: ClaimView) -> list[Finding]:
    out: list[Finding] = []
    for ln in v.lines:
        if ln.amount_cents <= 0:
            out.append(_err("charge-amount", "The line's charge is zero or negative",
                            "Correct the fee; a no-charge service is not billed", ln.number))
        if ln.units < 1:
            out.append(_err("charge-units", "The line has no units", "Bill at least 1 unit",
                            ln.number))
    if not v.lines:
        out.append(_err("charge-amount", "The claim has no lines", "Void the claim"))
    return out


def check_resubmission(v: ClaimView) -> list[Finding]:
    if v.frequency in ("7", "8") and not v.payer_claim_number:
        return [_err("payer-claim-number",
                     "A replacement or void needs the payer's claim number (REF*F8)",
                     "Give --payer-claim-number to claim resubmit")]
    return []


def check_eligibility(v: ClaimView) -> list[Finding]:
    """A warning per date of service whose latest eligibility answer is inactive or rejected."""
    out: list[Finding] = []
    for note in v.eligibility:
        if note.status not in ("inactive", "rejected"):
            continue
        said = f"rejected ({note.reason})" if note.status == "rejected" and note.reason \
            else note.status
        out.append(_warn("eligibility", f"The eligibility answer for {note.on_date} says {said}",
                         f"Check the coverage (medbill eligibility show {v.patient_account}) "
                         "before sending, or ask again with medbill eligibility request "
                         f"{v.patient_account} --date {note.on_date}"))
    return out


Edit = Callable[[ClaimView], list[Finding]]


EDITS: tuple[Edit, ...] = (
    check_required_data,
    check_npi,
    check_coverage_active,
    check_diagnoses_valid,
    check_external_cause_first,
    check_manifestation_first,
    check_sex_conflict,
    check_age_conflict,
    check_pointers,
    check_procedures,
    check_ptp,
    check_mue,
    check_duplicates,
    check_timely_filing,
    check_charges,
    check_resubmission,
    check_prior_auth,
    check_eligibility,
    check_cob,
)


def scrub(view: ClaimView, edits: tuple[Edit, ...] = EDITS) -> list[Finding]:
    """Every finding of every edit, in edit order."""
    out: list[Finding] = []
    for edit in edits:
        out.extend(edit(view))
    return out
