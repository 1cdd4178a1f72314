"""Coordination-of-benefits edits: a later payer's claim must carry each earlier payer's
adjudication, and it must balance (005010X222A1 section 1.4.4, as clearinghouses enforce it):

* every earlier payer has adjudicated (no claim to the secondary before the primary answered);
* each line the payer answered on its lines has its 2430, and balances:
  SV102 = SVD02 + the line's CAS;
* the claim balances for each payer: CLM02 - the 2320 CAS - the 2430 CAS = AMT*D;
* an adjustment is never at both levels (the same group and reason in 2320 and in a 2430);
* no paid amount is negative (AMT*D, SVD02);
* a claim to Medicare (filing indicator MB) as a secondary or tertiary payer says why Medicare
  pays second: the coverage's insurance type, written in 2000B SBR05 (Medicare rejects the
  claim without it).

A claim-level-only answer (no service lines: a paper EOB posted without lines) has no 2430;
then the claim balance alone applies and 2330B carries the adjudication date.
"""

from __future__ import annotations

from medbill_cli.money import fmt
from medbill_cli.scrub.view import ClaimView, CobPayer, Finding

RANK = {"primary": 0, "secondary": 1, "tertiary": 2}


def _err(edit: str, message: str, fix: str, line: int | None = None) -> Finding:
    return Finding(edit=edit, severity="error", message=message, fix=fix, line=line)


def _signed(cents: int) -> str:
    return f"{'+' if cents > 0 else ''}{fmt(cents)}"


def _payer(v: ClaimView, p: CobPayer) -> list[Finding]:
    out: list[Finding] = []
    who = f"the {p.priority} payer {p.payer_code}"
    if p.paid_cents < 0:
        out.append(_err("cob-negative-paid", f"{who} paid {fmt(p.paid_cents)} (AMT*D); a paid "
                        "amount is never negative",
                        "Post the payer's corrected 835, or reverse the wrong posting"))
    claim_adj = sum(c for _, _, c in p.claim_adjustments)
    line_adj = 0
    if p.by_lines:
        at_claim = {(g, r) for g, r, _ in p.claim_adjustments}
        for ln in p.lines:
            if ln.paid_cents is None:
                out.append(_err("cob-line-missing", f"{who} has no adjudication of line "
                                f"{ln.number} (loop 2430)",
                                "Post the payer's answer for the line (its 835 or EOB), or "
                                "bill the line apart", ln.number))
                continue
            adj = sum(c for _, _, c in ln.adjustments)
            line_adj += adj
            if ln.paid_cents < 0:
                out.append(_err("cob-negative-paid", f"{who} paid {fmt(ln.paid_cents)} on line "
                                f"{ln.number} (SVD02); a paid amount is never negative",
                                "Post the payer's corrected 835", ln.number))
            got = ln.paid_cents + adj
            if got != ln.charge_cents:
                out.append(_err("cob-line-balance", f"line {ln.number} does not balance for "
                                f"{p.payer_code}: charge {fmt(ln.charge_cents)}, paid "
                                f"{fmt(ln.paid_cents)} + adjustments {fmt(adj)} = {fmt(got)} "
                                f"(off by {_signed(got - ln.charge_cents)})",
                                "The payer adjudicated another charge; correct the charge or "
                                "the posting", ln.number))
            both = sorted(at_claim & {(g, r) for g, r, _ in ln.adjustments})
            if both:
                g, r = both[0]
                out.append(_err("cob-both-levels", f"{g}-{r} from {p.payer_code} is both on the "
                                f"claim (2320) and on line {ln.number} (2430)",
                                "Keep the adjustment at one level: correct the posting",
                                ln.number))
    total = sum(ln.amount_cents for ln in v.lines)
    left = total - claim_adj - line_adj
    if left != p.paid_cents:
        out.append(_err("cob-claim-balance", f"the claim does not balance for {p.payer_code}: "
                        f"charge {fmt(total)} - claim adjustments {fmt(claim_adj)} - line "
                        f"adjustments {fmt(line_adj)} = {fmt(left)}, paid {fmt(p.paid_cents)} "
                        f"(off by {_signed(left - p.paid_cents)})",
                        "The payer's answer covers other lines or amounts; correct the claim "
                        "or the posting"))
    return out


def check_cob(v: ClaimView) -> list[Finding]:
    """The edits in the module docstring, for each earlier payer of the claim."""
    mine = RANK.get(v.claim_priority, 0)
    out: list[Finding] = []
    if mine > 0 and v.filing_indicator == "MB" and not v.insurance_type:
        out.append(_err("cob-msp-type", f"Medicare is billed as the {v.claim_priority} payer "
                        "with no Medicare secondary payer type (SBR05)",
                        "Give the coverage's reason Medicare pays second: medbill coverage "
                        "update COVERAGE_ID --insurance-type 12|13|14|15|16|41|42|43|47 "
                        "--reason ..."))
    for p in v.cob:
        if RANK.get(p.priority, 9) >= mine:
            continue
        if not p.adjudicated:
            out.append(_err("cob-not-adjudicated", f"the {p.priority} payer {p.payer_code} has "
                            f"not adjudicated this claim's charges",
                            "Post its 835 (medbill era import) or EOB (medbill eob post) first"))
            continue
        out.extend(_payer(v, p))
    return out
