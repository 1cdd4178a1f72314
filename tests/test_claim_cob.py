"""Secondary and tertiary claims (coordination of benefits) and crossover, through the
commands: the primary pays part, the ledger moves the patient's share to the next coverage,
``claim generate`` builds that payer's claim with the prior payers' adjudication (2320, 2330,
2430) straight from the posted 835, the scrub checks it balances, and its 835 posts against
the balance. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cob_support import (
    answer,
    claim_lines,
    cob_practice,
    export,
    ledger_clean,
    loop,
    owed,
    patient_with,
    post,
    spec,
)
from conftest import Cli
from era_support import Line

DOS = (dt.date.today() - dt.timedelta(days=5)).isoformat()
DOS8 = DOS.replace("-", "")


def _primary_paid(cli: Cli, tmp_path: Path, account: str) -> tuple[str, list[str]]:
    """Generate, scrub and export the primary claim, then post the primary's 835: line 1
    125.00 paid 70.00 (CO-45 30.00, PR-2 25.00), line 2 25.50 paid 10.00 (CO-45 5.50,
    PR-1 10.00). Returns the claim's PCN and line ids."""
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 1
    pcn = rows[0]["pcn"]
    export(cli, tmp_path, "primary.x12")
    ids = claim_lines(cli, pcn)
    answer(cli, tmp_path, pcn, "1", [
        Line("99213", "125", "70", [("CO", "45", "30"), ("PR", "2", "25")], date=DOS8,
             control=ids[0]),
        Line("87880", "25.50", "10", [("CO", "45", "5.50"), ("PR", "1", "10")], date=DOS8,
             control=ids[1]),
    ], trace="PRIM1", number="ICN-PRIMARY-1")
    return pcn, ids


def test_secondary_claim_scenario(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Second", "ACME1", "SECND", dos=DOS)
    pcn, _ = _primary_paid(cli, tmp_path, a)
    assert owed(cli, a) == {"SECND:secondary": "35.00"}
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 1
    sec = rows[0]
    assert sec["payer"] == "SECND" and sec["total"] == "150.50" and sec["pcn"] != pcn
    # Nothing more is due: a second run builds nothing.
    assert cli.json("claim", "generate") == []
    segs = export(cli, tmp_path, "secondary.x12")
    assert ["SBR", "S", "18", "GSEC", "", "", "", "", "", "CI"] in segs
    other = loop(segs, ("SBR", "P"), {"LX"})
    assert other[0] == ["SBR", "P", "18", "GACM", "", "", "", "", "", "CI"]
    assert ["AMT", "D", "80"] in other
    assert ["OI", "", "", "Y", "", "", "Y"] in other
    assert ["NM1", "PR", "2", "ACME HEALTH", "", "", "", "", "PI", "ACME1"] in other
    assert ["REF", "F8", "ICN-PRIMARY-1"] in other
    assert not [s for s in other if s[0] == "CAS"]  # all adjustments are on the lines
    svd = [s for s in segs if s[0] == "SVD"]
    assert svd == [["SVD", "ACME1", "70", "HC:99213", "", "1"],
                   ["SVD", "ACME1", "10", "HC:87880", "", "1"]]
    line1 = loop(segs, ("SVD", "ACME1", "70"), {"LX", "SE"})
    assert line1[1:] == [["CAS", "CO", "45", "30"], ["CAS", "PR", "2", "25"],
                         ["DTP", "573", "D8", "20240105"]]
    # The secondary pays what it was left (35.00) but 5.00, which moves to the patient.
    sec_ids = claim_lines(cli, sec["pcn"])
    answer(cli, tmp_path, sec["pcn"], "2", [
        Line("99213", "125", "20", [("OA", "23", "100"), ("PR", "3", "5")], date=DOS8,
             control=sec_ids[0]),
        Line("87880", "25.50", "10", [("OA", "23", "15.50")], date=DOS8, control=sec_ids[1]),
    ], trace="SEC1", number="ICN-SECOND-1", payer_name="SECOND HEALTH")
    assert owed(cli, a) == {"patient": "5.00"}
    shown = cli.json("claim", "show", sec["pcn"])
    assert isinstance(shown, dict)
    assert [(o["payer"], o["adjudicated"], o.get("paid")) for o in shown["other_payers"]] == [
        ("ACME1", True, "80.00")]
    assert cli.json("claim", "list", "--payer-sequence", "secondary") == [
        r for r in cli.json("claim", "list") if r["pcn"] == sec["pcn"]]  # type: ignore[union-attr]
    ledger_clean(cli)


def test_tertiary_claim_scenario(practice: Cli, tmp_path: Path) -> None:
    """Three coverages: the secondary leaves 10.00, which goes to the tertiary; its claim carries
    both prior payers' adjudications (two 2320 sets, two 2430 per line)."""
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Third", "ACME1", "SECND", "THIRD", dos=DOS)
    _primary_paid(cli, tmp_path, a)
    (sec,) = cli.json("claim", "generate")  # type: ignore[misc]
    assert sec["payer"] == "SECND"
    segs = export(cli, tmp_path, "secondary.x12")
    # The secondary's claim lists the primary (adjudicated) and the tertiary (not yet).
    sbr = [s for s in segs if s[0] == "SBR"]
    assert [s[:2] for s in sbr] == [["SBR", "S"], ["SBR", "P"], ["SBR", "T"]]
    tert = loop(segs, ("SBR", "T"), {"LX"})
    assert not [s for s in tert if s[0] in ("CAS", "AMT", "DTP") or s[:2] == ["REF", "F8"]]
    ids = claim_lines(cli, sec["pcn"])
    answer(cli, tmp_path, sec["pcn"], "2", [
        Line("99213", "125", "15", [("OA", "23", "100"), ("PR", "3", "10")], date=DOS8,
             control=ids[0]),
        Line("87880", "25.50", "10", [("OA", "23", "15.50")], date=DOS8, control=ids[1]),
    ], trace="SEC1", number="ICN-SECOND-1", payer_name="SECOND HEALTH")
    assert owed(cli, a) == {"THIRD:tertiary": "10.00"}
    (ter,) = cli.json("claim", "generate")  # type: ignore[misc]
    assert ter["payer"] == "THIRD" and ter["total"] == "150.50"
    segs = export(cli, tmp_path, "tertiary.x12")
    sbr = [s for s in segs if s[0] == "SBR"]
    assert [s[:2] for s in sbr] == [["SBR", "T"], ["SBR", "P"], ["SBR", "S"]]
    assert [s for s in segs if s[:2] == ["AMT", "D"]] == [["AMT", "D", "80"], ["AMT", "D", "25"]]
    assert [s[:2] for s in segs if s[:2] == ["REF", "F8"]] == [["REF", "F8"]] * 2
    assert [s[1:3] for s in segs if s[0] == "SVD"] == [["ACME1", "70"], ["SECND", "15"],
                                                       ["ACME1", "10"], ["SECND", "10"]]
    line1 = loop(segs, ("SVD", "SECND", "15"), {"LX", "SVD"})
    assert line1[1:] == [["CAS", "OA", "23", "100"], ["CAS", "PR", "3", "10"],
                         ["DTP", "573", "D8", "20240105"]]
    ids = claim_lines(cli, ter["pcn"])
    answer(cli, tmp_path, ter["pcn"], "3", [
        Line("99213", "125", "10", [("OA", "23", "115")], date=DOS8, control=ids[0]),
        Line("87880", "25.50", "0", [("OA", "23", "25.50")], date=DOS8, control=ids[1]),
    ], trace="TER1", number="ICN-THIRD-1", payer_name="THIRD MUTUAL")
    assert owed(cli, a) == {}
    assert cli.json("claim", "generate") == []
    ledger_clean(cli)


def _crossover_lines(ids: list[str]) -> list[Line]:
    return [Line("99213", "125", "70", [("CO", "45", "30"), ("PR", "2", "25")], date=DOS8,
                 control=ids[0]),
            Line("87880", "25.50", "10", [("CO", "45", "5.50"), ("PR", "1", "10")], date=DOS8,
                 control=ids[1])]


def test_crossover_signals_and_the_secondary_835(practice: Cli, tmp_path: Path) -> None:
    """Medicare (BCN02) primary, SECND secondary. CLP02 19, MA18, a crossover carrier
    (NM1*TT) and a payer flagged as forwarding claims mark the claim crossed_over and no
    secondary claim is built; MA19 (crossover failed) and a plain answer bill the secondary.
    The secondary's own 835 for a crossed-over claim (our PCN, CLP02 2) posts against the
    balance the ledger moved to it."""
    cli = practice
    cob_practice(cli)
    names = ["Nineteen", "Remark", "Carrier", "Failed", "Plain", "Flagged"]
    accts = [patient_with(cli, n, "BCN02", "SECND", dos=DOS) for n in names]
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 6
    export(cli, tmp_path, "medicare.x12")
    pcns = [r["pcn"] for r in rows]
    ids = [claim_lines(cli, p) for p in pcns]
    claims = [
        spec(pcns[0], "19", _crossover_lines(ids[0]), number="MCR-0"),
        spec(pcns[1], "1", _crossover_lines(ids[1]), number="MCR-1", moa=["MA18"]),
        spec(pcns[2], "1", _crossover_lines(ids[2]), number="MCR-2"),
        spec(pcns[3], "19", _crossover_lines(ids[3]), number="MCR-3", moa=["MA19"]),
        spec(pcns[4], "1", _crossover_lines(ids[4]), number="MCR-4"),
    ]
    carrier = "NM1*TT*2*SECOND HEALTH MEDIGAP*****PI*55001"

    def with_carrier(text: str) -> str:
        head, _, rest = text.partition(f"CLP*{pcns[2]}*")
        qc, _, tail = rest.partition("NM1*QC")
        before, _, after = tail.partition("~\n")
        return f"{head}CLP*{pcns[2]}*{qc}NM1*QC{before}~\n{carrier}~\n{after}"

    post(cli, tmp_path, claims, trace="MCR1", payer_name="BEACON MEDICARE", edit=with_carrier)
    cli.ok("payer", "update", "BCN02", "--forwards-claims", "--reason", "COBA crossover")
    assert cli.json("payer", "show", "BCN02")["forwards_claims"] is True  # type: ignore[index]
    post(cli, tmp_path, [spec(pcns[5], "1", _crossover_lines(ids[5]), number="MCR-5")],
         trace="MCR2", payer_name="BEACON MEDICARE",
         edit=lambda t: t.replace("PER*BL", "REF*2U*BCN02~\nPER*BL"))
    status = {r["pcn"]: r["status"] for r in cli.json("claim", "list")}  # type: ignore[union-attr]
    assert [status[p] for p in pcns] == ["crossed_over", "crossed_over", "crossed_over", "paid",
                                         "paid", "crossed_over"]
    crossed = cli.json("claim", "list", "--status", "crossed_over")
    assert [r["pcn"] for r in crossed] == [pcns[0], pcns[1], pcns[2], pcns[5]]  # type: ignore[union-attr]
    for a in accts:
        assert owed(cli, a) == {"SECND:secondary": "35.00"}
    built = cli.json("claim", "generate")
    assert isinstance(built, list)
    assert sorted(r["patient"] for r in built) == [accts[3], accts[4]]
    assert {r["payer"] for r in built} == {"SECND"}
    # The Medigap plan's 835 for the first crossed-over claim: our PCN, processed as secondary.
    answer(cli, tmp_path, pcns[0], "2", [
        Line("99213", "125", "20", [("OA", "23", "100"), ("PR", "3", "5")], date=DOS8,
             control=ids[0][0]),
        Line("87880", "25.50", "10", [("OA", "23", "15.50")], date=DOS8, control=ids[0][1]),
    ], trace="GAP1", number="GAP-0", payer_name="SECOND HEALTH")
    assert owed(cli, accts[0]) == {"patient": "5.00"}
    assert cli.db.scalar("SELECT count(*) FROM era_claim WHERE coverage_id IS NOT NULL") == 1
    # No claim was ever built to the secondary for it.
    assert cli.json("claim", "generate") == []
    ledger_clean(cli)


def test_next_payer_claim_refused_until_the_prior_payer_answers(practice: Cli,
                                                                tmp_path: Path) -> None:
    """``claim generate --claim``: refused (exit 3, one line, nothing written) before the
    primary adjudicates, for a sequence the patient has no coverage of, for a coverage not in
    force on the date of service, and twice for the same payer."""
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Early", "ACME1", "SECND", dos=DOS)
    b = patient_with(cli, "Lapsed", "ACME1", "SECND", dos=DOS,
                     later=("--effective", (dt.date.today() - dt.timedelta(days=1)).isoformat()))
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 2
    pa, pb = rows[0]["pcn"], rows[1]["pcn"]
    export(cli, tmp_path, "primary.x12")
    r = cli.fails(3, "claim", "generate", "--claim", pa)
    assert "has not adjudicated" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli.fails(3, "claim", "generate", "--claim", pa, "--sequence", "tertiary")
    assert "no tertiary coverage" in r.stderr
    r = cli.fails(3, "claim", "generate", "--claim", pa, "--sequence", "primary")
    assert "--claim" in r.stderr
    r = cli.fails(3, "claim", "generate", "--sequence", "fourth")
    assert "Unknown payer sequence" in r.stderr
    cli.fails(3, "claim", "generate", "--claim", "C99999999")
    for pcn in (pa, pb):
        ids = claim_lines(cli, pcn)
        answer(cli, tmp_path, pcn, "1", _crossover_lines(ids), trace=f"T{pcn}", number=pcn)
    r = cli.fails(3, "claim", "generate", "--claim", pb)
    assert "is not in force on" in r.stderr and DOS in r.stderr
    # The secondary not in force on the date of service: the ledger left the share with the
    # patient, and a plain generate builds nothing for that patient.
    assert owed(cli, b) == {"patient": "35.00"}
    (sec,) = cli.json("claim", "generate", "--claim", pa)  # type: ignore[misc]
    assert sec["payer"] == "SECND" and sec["patient"] == a
    r = cli.fails(3, "claim", "generate", "--claim", pa)
    assert "already on a claim" in r.stderr
    assert cli.json("claim", "generate") == []
    ledger_clean(cli)


def test_secondary_after_paper_eobs(practice: Cli, tmp_path: Path) -> None:
    """The primary answers on paper: with lines (2430 from the EOB's lines) and claim level
    only (no 2430; the claim-level CAS in 2320 and the EOB's date in 2330B DTP*573)."""
    cli = practice
    cob_practice(cli)
    a = patient_with(cli, "Lines", "ACME1", "SECND", dos=DOS)
    b = patient_with(cli, "Whole", "ACME1", "SECND", dos=DOS)
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 2
    export(cli, tmp_path, "primary.x12")
    eob = ("eob", "post", "--date", DOS, "--check", "10423")
    cli.ok(*eob, "--claim", rows[0]["pcn"], "--paid", "80", "--line", "1=70", "--line", "2=10",
           "--line-adjust", "1:CO-45=30", "--line-adjust", "1:PR-2=25",
           "--line-adjust", "2:CO-45=5.50", "--line-adjust", "2:PR-1=10")
    cli.ok(*eob, "--claim", rows[1]["pcn"], "--paid", "80", "--adjust", "CO-45=35.50",
           "--adjust", "PR-1=35")
    assert owed(cli, a) == owed(cli, b) == {"SECND:secondary": "35.00"}
    built = cli.json("claim", "generate")
    assert isinstance(built, list) and [r["patient"] for r in built] == [a, b]
    segs = export(cli, tmp_path, "secondary.x12")
    clms = [i for i, s in enumerate(segs) if s[0] == "CLM"] + [len(segs)]
    first, second = segs[clms[0]:clms[1]], segs[clms[1]:clms[2]]
    assert [s[1:3] for s in first if s[0] == "SVD"] == [["ACME1", "70"], ["ACME1", "10"]]
    assert not [s for s in first if s[:2] == ["DTP", "573"] and first.index(s) < next(
        i for i, x in enumerate(first) if x[0] == "LX")]
    assert not [s for s in second if s[0] == "SVD"]
    assert ["CAS", "CO", "45", "35.5"] in second and ["CAS", "PR", "1", "35"] in second
    assert ["DTP", "573", "D8", DOS8] in second and ["AMT", "D", "80"] in second
    ledger_clean(cli)


def test_unbalanced_secondary_held_and_not_exported(practice: Cli, tmp_path: Path) -> None:
    """The primary adjudicated line 1 at 120.00 (our charge is 125.00): the secondary's claim
    does not balance, so the scrub holds it with both findings and export sends nothing."""
    cli = practice
    cob_practice(cli)
    patient_with(cli, "Unbalanced", "ACME1", "SECND", dos=DOS)
    (row,) = cli.json("claim", "generate")  # type: ignore[misc]
    export(cli, tmp_path, "primary.x12")
    ids = claim_lines(cli, row["pcn"])
    answer(cli, tmp_path, row["pcn"], "1", [
        Line("99213", "120", "70", [("CO", "45", "25"), ("PR", "2", "25")], date=DOS8,
             control=ids[0]),
        Line("87880", "25.50", "10", [("CO", "45", "5.50"), ("PR", "1", "10")], date=DOS8,
             control=ids[1]),
    ], trace="PRIM1", number="ICN-1")
    (sec,) = cli.json("claim", "generate")  # type: ignore[misc]
    r = cli("claim", "scrub", "--format", "json")
    assert r.exit_code == 1
    import json

    (rec,) = [x for x in json.loads(r.stdout) if x["pcn"] == sec["pcn"]]
    assert rec["status"] == "held"
    assert sorted((f["edit"], f["line"]) for f in rec["findings"]
                  if f["severity"] == "error") == [("cob-claim-balance", None),
                                                   ("cob-line-balance", 1)]
    out = tmp_path / "none.x12"
    r = cli.ok("claim", "export", "--format", "x12", "--output", str(out))
    assert not out.exists()
    assert cli.db.scalar("SELECT status FROM claim WHERE pcn = :p", p=sec["pcn"]) == "held"
    ledger_clean(cli)


def test_payer_forwards_flag_and_sequence_filters_refuse_bad_input(practice: Cli) -> None:
    cli = practice
    assert cli.json("payer", "show", "ACME1")["forwards_claims"] is False  # type: ignore[index]
    r = cli.fails(3, "payer", "update", "ACME1", "--reason", "nothing")
    assert "Nothing to change" in r.stderr
    cli.fails(3, "payer", "update", "NOSUCH", "--forwards-claims", "--reason", "x")
    cli.ok("payer", "add", "--name", "Gap Plan", "--payer-id", "GAP1", "--forwards-claims")
    assert cli.json("payer", "show", "GAP1")["forwards_claims"] is True  # type: ignore[index]
    cli.ok("payer", "update", "GAP1", "--no-forwards-claims", "--reason", "no COBA")
    assert cli.json("payer", "show", "GAP1")["forwards_claims"] is False  # type: ignore[index]
    assert cli.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'payer' "
                         "AND action = 'update'") == 1
    r = cli.fails(3, "claim", "list", "--payer-sequence", "fourth")
    assert "Unknown payer sequence" in r.stderr
    assert cli.json("claim", "list", "--payer-sequence", "tertiary") == []


def _crossed_over(cli: Cli, tmp_path: Path, last: str, number: str
                  ) -> tuple[str, str, list[str]]:
    """A Medicare (BCN02) patient with a SECND secondary, whose claim Medicare paid and
    crossed over (CLP02 19, claim number ``number``): the account, the PCN and its line ids."""
    cob_practice(cli)
    acct = patient_with(cli, last, "BCN02", "SECND", dos=DOS)
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 1
    export(cli, tmp_path, "medicare.x12")
    pcn = rows[0]["pcn"]
    ids = claim_lines(cli, pcn)
    post(cli, tmp_path, [spec(pcn, "19", _crossover_lines(ids), number=number)],
         trace=number.replace("-", ""), payer_name="BEACON MEDICARE")
    return acct, pcn, ids


def test_primary_reversal_on_a_crossed_over_claim_undoes_the_primary_posting(
        practice: Cli, tmp_path: Path) -> None:
    """Medicare crossed the claim over and the Medigap plan paid on the same claim; Medicare
    then takes its payment back (CLP02 22). The reversal undoes Medicare's posting, not the
    Medigap plan's, which is the claim's latest."""
    cli = practice
    acct, pcn, ids = _crossed_over(cli, tmp_path, "Reversed", "MCR-9")
    answer(cli, tmp_path, pcn, "2", [
        Line("99213", "125", "20", [("OA", "23", "100"), ("PR", "3", "5")], date=DOS8,
             control=ids[0]),
        Line("87880", "25.50", "10", [("OA", "23", "15.50")], date=DOS8, control=ids[1]),
    ], trace="GAP9", number="GAP-9", payer_name="SECOND HEALTH")
    assert owed(cli, acct) == {"patient": "5.00"}
    gap_posting = cli.db.scalar("SELECT id FROM era_claim WHERE coverage_id IS NOT NULL")
    back = [Line("99213", "-125", "-70", [("CO", "45", "-30"), ("PR", "2", "-25")], date=DOS8,
                 control=ids[0]),
            Line("87880", "-25.50", "-10", [("CO", "45", "-5.50"), ("PR", "1", "-10")],
                 date=DOS8, control=ids[1])]
    post(cli, tmp_path, [spec(pcn, "22", back, number="MCR-9")], trace="MCR9R",
         payer_name="BEACON MEDICARE")
    medicare_posting = cli.db.scalar("SELECT id FROM era_claim WHERE payer_claim_number = "
                                     "'MCR-9' AND status_code = '19'")
    reversed_ = cli.db.scalar("SELECT reverses_id FROM era_claim WHERE status_code = '22'")
    assert reversed_ == medicare_posting != gap_posting
    assert cli.db.scalar("SELECT reversed_by_id FROM era_claim WHERE id = :i",
                         i=gap_posting) is None
    # Exactly Medicare's posting is undone: the whole charge is Medicare's again (its payment,
    # contractual and transfer taken back), while the Medigap's payment stands, 35.00 ahead of
    # what it now holds, until Medicare answers again.
    assert owed(cli, acct) == {"BCN02:primary": "150.50", "SECND:secondary": "-35.00",
                               "patient": "5.00"}
    post(cli, tmp_path, [spec(pcn, "19", _crossover_lines(ids), number="MCR-9B")],
         trace="MCR9B", payer_name="BEACON MEDICARE")
    assert owed(cli, acct) == {"patient": "5.00"}
    assert cli.json("claim", "generate") == []  # still crossed over: nothing to bill
    ledger_clean(cli)


def test_denial_by_the_crossover_payer_is_held_and_written_off_with_it(
        practice: Cli, tmp_path: Path) -> None:
    """The Medigap plan's own 835 for a crossed-over claim denies a line (CO-50). That denial
    holds the line's balance with the Medigap coverage, and closing it writes off from that
    coverage; Medicare's side of the claim is not touched."""
    cli = practice
    acct, pcn, ids = _crossed_over(cli, tmp_path, "Gapdenied", "MCR-7")
    answer(cli, tmp_path, pcn, "2", [
        Line("99213", "125", "25", [("OA", "23", "100")], date=DOS8, control=ids[0]),
        Line("87880", "25.50", "0", [("OA", "23", "15.50"), ("CO", "50", "10")], date=DOS8,
             control=ids[1]),
    ], trace="GAP7", number="GAP-7", payer_name="SECOND HEALTH")
    assert owed(cli, acct) == {"SECND:secondary": "10.00"}  # held with the Medigap plan
    denials = cli.json("denial", "list")
    assert isinstance(denials, list) and len(denials) == 1
    d = str(denials[0]["id"])
    cli.ok("denial", "work", d, "--note", "not medically necessary; no appeal", "--status",
           "closed")
    assert owed(cli, acct) == {}
    shown = cli.json("ledger", "show", acct)
    assert isinstance(shown, list)
    offs = [(e["party"], e["amount"]) for e in shown if e["kind"] == "adjustment"]
    assert offs == [("SECND:secondary", "-10.00")], offs
    ledger_clean(cli)
