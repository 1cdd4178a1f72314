"""837P loops and claim-level rules: the manifestation edit on real ICD-10-CM codes, one-line
interchanges, the service facility, line item control numbers. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from claim_support import Svc, add_coverage, add_patient, add_visit, load_codes
from conftest import NPI_PROVIDER, Cli
from era_support import ClaimSpec, Line, build_835
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837, pyx12_errors, segments

DOS = (dt.date.today() - dt.timedelta(days=2)).isoformat()
GOLDEN = Path(__file__).parent / "golden"
GOLDEN_DOS = "2026-03-02"
PRACTICE = ("practice", "set", "--name", "Main Street Family Medicine", "--npi", "1234567893",
            "--tin", "12-3456789", "--address", "100 Main St", "--city", "Albany", "--state",
            "NY", "--zip", "12207-1234", "--phone", "518-555-0100", "--taxonomy", "207Q00000X",
            "--submitter-id", "MSFM01", "--contact-name", "Billing Office", "--receiver-id",
            "CLEARHOUSE", "--receiver-name", "Example Clearinghouse")


def _cpt(cli: Cli, *codes: str) -> None:
    """The test ICD-10-CM codes and modifiers (claim_support) and these CPT codes."""
    from sqlmodel import Session

    from medbill_cli.db.models import Code

    load_codes(cli)
    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            s.add_all(Code(system="cpt", code=c, long_description=f"{c} test", billable=True,
                           version="test") for c in codes)
            s.commit()
    finally:
        eng.dispose()


def export_golden(cli: Cli, tmp_path: Path, name: str, now: dt.datetime) -> list[list[str]]:
    """Export the ready claims at ``now`` with control number 4242 and compare with
    tests/golden/NAME (rewritten on MEDBILL_UPDATE_GOLDEN=1); checked by pyx12 and x12check;
    the segments."""
    from medbill_cli.services.claims.export import export_batch

    cli.db.execute("DELETE FROM setting WHERE key = 'x12.control_number'")
    cli.db.execute("INSERT INTO setting (key, value) VALUES ('x12.control_number', '4241')")
    out = tmp_path / name
    eng = cli.db.engine()
    try:
        export_batch(engine=eng, user="golden", fmt_="x12", output=out, now=now, usage="T")
    finally:
        eng.dispose()
    if os.environ.get("MEDBILL_UPDATE_GOLDEN") == "1":
        (GOLDEN / name).write_bytes(out.read_bytes())
    assert out.read_bytes() == (GOLDEN / name).read_bytes()
    assert_valid_837(out, x12check_tool())
    return segments(out.read_text())


def _export_golden(cli: Cli, tmp_path: Path, name: str) -> list[list[str]]:
    """Mark the claims ready and export them as tests/golden/NAME."""
    cli.db.execute("UPDATE claim SET status = 'ready'")
    return export_golden(cli, tmp_path, name, dt.datetime(2026, 3, 3, 18, 5))


def _charge(cli: Cli, account: str, code: str, fee: str, dx: list[str]) -> None:
    cli.ok("charge", "add", "--patient", account, "--date", DOS, "--code", code, "--fee", fee,
           *[a for d in dx for a in ("--dx", d)])


def _scrub_by_patient(cli: Cli) -> dict[str, tuple[str, set[str]]]:
    r = cli("claim", "scrub", "--format", "json")
    return {
        cli.json("claim", "show", str(row["claim"]))["patient"]: (
            row["status"], {f["edit"] for f in row["findings"] if f["severity"] == "error"})
        for row in json.loads(r.stdout)
    }


# ------------------------------------------------------------------ manifestation codes

def test_manifestation_edit_reads_the_tabular(coded: Cli) -> None:
    """Z23 has a "code first" note (a routine childhood exam, if coded) but is no
    manifestation; G63 (in diseases classified elsewhere), M14.611 (under M14, a manifestation
    category, its own title silent) and D63.1 ("code first underlying chronic kidney
    disease") are, and are held when listed first; listed second they are clean."""
    cli = coded
    cases = {
        "flu": (["Z23"], [("90686", "28.00"), ("90471", "30.00")], "ready"),
        "neuro": (["G63", "E85.4"], [("99213", "125.00")], "held"),
        "charcot": (["M14.611", "A52.16"], [("99213", "125.00")], "held"),
        "anemia": (["D63.1", "N18.4"], [("99213", "125.00")], "held"),
        "ordered": (["E85.4", "G63"], [("99213", "125.00")], "ready"),
    }
    acct = {}
    for name, (dx, services, _status) in cases.items():
        acct[name] = add_patient(cli, "Mani", name.title())
        add_coverage(cli, acct[name])
        for code, fee in services:
            _charge(cli, acct[name], code, fee, dx)
    cli.ok("claim", "generate")
    got = _scrub_by_patient(cli)
    for name, (_dx, _svc, status) in cases.items():
        st, edits = got[acct[name]]
        assert st == status, (name, edits)
        assert ("dx-manifestation-first" in edits) == (status == "held"), (name, edits)
    held = cli.json("claim", "list", "--status", "held")
    assert isinstance(held, list) and len(held) == 3
    shown = cli("claim", "scrub").stdout
    assert "Manifestation code G63 is first-listed" in shown
    assert "Z23" not in shown


# ------------------------------------------------------------------ line endings

def test_export_no_newlines_one_line_and_reproduced(practice: Cli, tmp_path: Path) -> None:
    for last in ("Doe", "Roe"):
        a = add_patient(practice, "John", last)
        add_coverage(practice, a)
        add_visit(practice, a, ["J06.9", "R50.9"],
                  [Svc("99213", 12500, pointers="1 2"), Svc("87880", 2550)])
    load_codes(practice)
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    dry = tmp_path / "dry.x12"
    practice.ok("claim", "export", "--dry-run", "--output", str(dry))
    out = tmp_path / "one.x12"
    r = practice.ok("claim", "export", "--no-newlines", "--output", str(out))
    assert "2 claim(s)" in r.stderr
    data = out.read_bytes()
    assert b"\n" not in data and b"\r" not in data and data.endswith(b"~")
    assert data.count(b"~") == dry.read_bytes().count(b"~\n")  # every segment, one line
    # The default (the dry run) keeps a newline after every terminator; the segments are the
    # same but for the creation time (ISA09/10, GS04/05, BHT04/05).
    stamped = {"ISA": (9, 10), "GS": (4, 5), "BHT": (4, 5)}

    def unstamped(text: str) -> list[list[str]]:
        return [[v for i, v in enumerate(s) if i not in stamped.get(s[0], ())]
                for s in segments(text)]

    assert unstamped(dry.read_text()) == unstamped(out.read_text())
    assert_valid_837(out, x12check_tool())
    segs = segments(out.read_text())
    assert sum(1 for s in segs if s[0] == "CLM") == 2
    copy = tmp_path / "copy.x12"
    practice.ok("claim", "batch", "show", "1", "--output", str(copy))
    assert copy.read_bytes() == data
    shown = practice("claim", "batch", "show", "1", "--output", "-")
    assert shown.exit_code == 0 and shown.stdout_bytes == data


def test_export_no_newlines_other_formats_unchanged(practice: Cli, tmp_path: Path) -> None:
    a = add_patient(practice, "John", "Doe")
    add_coverage(practice, a)
    add_visit(practice, a, ["I10"], [Svc("99213")])
    practice.ok("claim", "generate")
    practice.ok("claim", "scrub")
    out = tmp_path / "b.json"
    practice.ok("claim", "export", "--format", "json", "--no-newlines", "--output", str(out))
    assert json.loads(out.read_text())[0]["lines"] and b"\n" in out.read_bytes()


# ------------------------------------------------------------------ 2310C service facility

def test_service_facility_loop_golden(practice: Cli, tmp_path: Path) -> None:
    """An urgent-care visit at a facility with its own address and NPI carries 2310C; a visit
    at the practice's own address (spelled differently) and one with no facility do not."""
    cli = practice
    _cpt(cli, "99213")
    cli.ok(*PRACTICE)
    cli.ok("facility", "add", "--name", "Albany Urgent Care", "--npi", "1744550009",
           "--address", "55 Wolf Rd", "--city", "Albany", "--state", "NY", "--zip", "122051100",
           "--pos", "20")
    cli.ok("facility", "add", "--name", "Main Street Office", "--address", "100 MAIN ST.",
           "--city", "albany", "--state", "NY", "--zip", "12207")
    accts = []
    for last, facility in (("Urgent", "1"), ("Office", "2"), ("None", None)):
        a = add_patient(cli, "Pat", last)
        add_coverage(cli, a, "ACME1", f"M{last.upper()}")
        cli.ok("encounter", "add", "--patient", a, "--date", GOLDEN_DOS, "--provider",
               NPI_PROVIDER, *(("--facility", facility) if facility else ()))
        cli.ok("charge", "add", "--patient", a, "--date", GOLDEN_DOS, "--code", "99213",
               "--fee", "125.00", "--dx", "J06.9")
        accts.append(a)
    rows = cli.json("claim", "generate")
    assert isinstance(rows, list) and len(rows) == 3
    segs = _export_golden(cli, tmp_path, "837p_service_facility.x12")
    facility = [s for s in segs if s[0] == "NM1" and s[1] == "77"]
    assert facility == [["NM1", "77", "2", "ALBANY URGENT CARE", "", "", "", "", "XX",
                         "1744550009"]]
    i = segs.index(facility[0])
    assert segs[i + 1] == ["N3", "55 WOLF RD"] and segs[i + 2] == ["N4", "ALBANY", "NY",
                                                                   "122051100"]
    clm = [s for s in segs if s[0] == "CLM"]
    assert clm[0][5].startswith("20:")  # the urgent-care claim's place of service
    assert cli.db.scalar("SELECT count(*) FROM claim WHERE facility_id IS NOT NULL") == 2


def test_service_facility_splits_claims_by_facility(practice: Cli) -> None:
    """Two visits on one day at two facilities (same place of service) bill as two claims:
    a claim has one service location."""
    cli = practice
    _cpt(cli, "99213")
    cli.ok("facility", "add", "--name", "North Clinic", "--address", "1 North St", "--city",
           "Albany", "--state", "NY", "--zip", "12204")
    cli.ok("facility", "add", "--name", "South Clinic", "--address", "9 South St", "--city",
           "Albany", "--state", "NY", "--zip", "12202")
    a = add_patient(cli, "Two", "Places")
    add_coverage(cli, a)
    for fac in ("1", "2"):
        enc = cli.json("encounter", "add", "--patient", a, "--date", DOS, "--provider",
                       NPI_PROVIDER, "--facility", fac)
        assert isinstance(enc, dict)
        cli.ok("charge", "add", "--patient", a, "--date", DOS, "--code", "99213", "--fee",
               "125.00", "--dx", "I10", "--encounter", str(enc["id"]))
    assert len(cli.json("claim", "generate")) == 2  # type: ignore[arg-type]
    assert cli.db.scalar("SELECT count(DISTINCT facility_id) FROM claim") == 2


# ------------------------------------------------------------------ REF*6R line control numbers

def _era_lines(cli: Cli) -> dict[tuple[int, int], int]:
    """(claim line id, charge id) -> paid cents, for each posted SVC."""
    from sqlalchemy import text

    eng = cli.db.engine()
    try:
        with eng.connect() as c:
            return {(int(r[0]), int(r[1])): int(r[2]) for r in c.execute(
                text("SELECT claim_line_id, charge_id, paid_cents FROM era_line"))}
    finally:
        eng.dispose()


def _two_day_claim(cli: Cli, tmp_path: Path) -> tuple[str, list[tuple[int, int, str]]]:
    """One claim, two 99213 lines at the same fee on two days (so neither code nor amount
    tells them apart), exported; returns the PCN and (claim line id, charge id, DOS) per
    line, and the REF*6R values the 837P carried."""
    load_codes(cli)
    a = add_patient(cli, "Two", "Days")
    add_coverage(cli, a)
    d1, d2 = dt.date(2026, 3, 2), dt.date(2026, 3, 9)
    add_visit(cli, a, ["J06.9"], [Svc("99213", 10000)], dos=d1)
    add_visit(cli, a, ["J06.9"], [Svc("99213", 10000)], dos=d2)
    cli.ok("claim", "generate")
    cli.ok("claim", "scrub")
    out = tmp_path / "batch.x12"
    cli.ok("claim", "export", "--output", str(out))
    assert_valid_837(out, x12check_tool())
    segs = segments(out.read_text())
    sent = [s[2] for s in segs if s[0] == "REF" and s[1] == "6R"]
    pcn = str(cli.db.scalar("SELECT pcn FROM claim"))
    rows = []
    for n in (1, 2):
        line_id = cli.db.scalar("SELECT id FROM claim_line WHERE line_number = :n", n=n)
        charge_id = cli.db.scalar("SELECT charge_id FROM claim_line WHERE line_number = :n", n=n)
        rows.append((int(str(line_id)), int(str(charge_id)), (d1, d2)[n - 1].strftime("%Y%m%d")))
    assert sent == [str(r[0]) for r in rows]  # one per line, the claim line's id
    return pcn, rows


def test_ref_6r_on_every_line_unique(practice: Cli, tmp_path: Path) -> None:
    _pcn, rows = _two_day_claim(practice, tmp_path)
    assert len({r[0] for r in rows}) == 2


def test_835_reordered_lines_post_through_ref_6r(practice: Cli, tmp_path: Path) -> None:
    """The payer answers the second line first. By position, code and amount the SVCs would
    post crosswise; the echoed REF*6R puts each payment on the line it pays."""
    cli = practice
    pcn, rows = _two_day_claim(cli, tmp_path)
    (id1, ch1, dos1), (id2, ch2, dos2) = rows
    era = build_835([ClaimSpec(pcn, "1", "200", "110", lines=[
        Line("99213", "100", "70", [("CO", "45", "30")], date=dos2, control=str(id2)),
        Line("99213", "100", "40", [("CO", "45", "60")], date=dos1, control=str(id1)),
    ])])
    f = tmp_path / "reordered.835"
    f.write_text(era)
    assert pyx12_errors(f) == []
    cli.ok("era", "import", str(f))
    got = _era_lines(cli)
    assert got == {(id2, ch2): 7000, (id1, ch1): 4000}


def test_835_without_ref_6r_falls_back_to_position_and_code(practice: Cli,
                                                            tmp_path: Path) -> None:
    """No REF*6R (or one we never sent): lines match by code in line order, as before."""
    cli = practice
    pcn, rows = _two_day_claim(cli, tmp_path)
    (id1, ch1, dos1), (id2, ch2, dos2) = rows
    era = build_835([ClaimSpec(pcn, "1", "200", "110", lines=[
        Line("99213", "100", "70", [("CO", "45", "30")], date=dos1, control="999999"),
        Line("99213", "100", "40", [("CO", "45", "60")], date=dos2),
    ])])
    f = tmp_path / "plain.835"
    f.write_text(era)
    cli.ok("era", "import", str(f))
    got = _era_lines(cli)
    assert got == {(id1, ch1): 7000, (id2, ch2): 4000}


# ------------------------------------------------------------------ the visit's claim fields

REFERRING = ("--referring-npi", "1288490000", "--referring-name", "Smith, Carol")
ACCIDENT = ("--accident", "auto", "--accident-date", "2026-02-27", "--accident-state", "ma",
            "--onset", "2026-02-27")


def _visit_claim(cli: Cli, last: str, *opts: str) -> str:
    a = add_patient(cli, "Pat", last)
    add_coverage(cli, a, "ACME1", f"M{last.upper()}")
    cli.ok("encounter", "add", "--patient", a, "--date", GOLDEN_DOS, "--provider", NPI_PROVIDER,
           *opts)
    cli.ok("charge", "add", "--patient", a, "--date", GOLDEN_DOS, "--code", "99213", "--fee",
           "125.00", "--dx", "S52.501A" if "--accident" in opts else "J06.9")
    return a


def test_referring_provider_golden(practice: Cli, tmp_path: Path) -> None:
    """A referring provider who is not a practice member, by NPI and name: 2310A NM1*DN."""
    cli = practice
    _cpt(cli, "99213")
    cli.ok(*PRACTICE)
    _visit_claim(cli, "Referred", *REFERRING)
    cli.ok("claim", "generate")
    segs = _export_golden(cli, tmp_path, "837p_referring.x12")
    dn = [s for s in segs if s[0] == "NM1" and s[1] == "DN"]
    assert dn == [["NM1", "DN", "1", "SMITH", "CAROL", "", "", "", "XX", "1288490000"]]
    # 2310A comes before 2310B (the rendering provider).
    names = [s[1] for s in segs if s[0] == "NM1"]
    assert names.index("DN") + 1 == names.index("82")
    assert cli.db.scalar("SELECT count(*) FROM provider WHERE npi = '1288490000'") == 0


def test_accident_claim_golden(practice: Cli, tmp_path: Path) -> None:
    """An auto accident in Massachusetts: CLM11 AA:::MA, DTP*439 and the onset DTP*431."""
    cli = practice
    _cpt(cli, "99213")
    cli.ok(*PRACTICE)
    _visit_claim(cli, "Crash", *ACCIDENT)
    _visit_claim(cli, "Plain")
    cli.ok("claim", "generate")
    segs = _export_golden(cli, tmp_path, "837p_accident.x12")
    clm = [s for s in segs if s[0] == "CLM"]
    assert clm[0][10:] == ["", "AA:::MA"] and len(clm[1]) == 10
    dtp = [s for s in segs if s[0] == "DTP" and s[1] in ("431", "439")]
    assert dtp == [["DTP", "431", "D8", "20260227"], ["DTP", "439", "D8", "20260227"]]


def test_visits_with_different_claim_fields_bill_apart(practice: Cli) -> None:
    """A referred visit and a plain one the same day: one claim each (a claim has one
    referring provider)."""
    cli = practice
    _cpt(cli, "99213")
    a = add_patient(cli, "Two", "Visits")
    add_coverage(cli, a)
    for opts in (REFERRING, ()):
        enc = cli.json("encounter", "add", "--patient", a, "--date", DOS, "--provider",
                       NPI_PROVIDER, *opts)
        assert isinstance(enc, dict)
        cli.ok("charge", "add", "--patient", a, "--date", DOS, "--code", "99213", "--fee",
               "125.00", "--dx", "I10", "--encounter", str(enc["id"]))
    assert len(cli.json("claim", "generate")) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(("opts", "message"), [
    (("--referring-npi", "1288490001", "--referring-name", "Smith, Carol"), "check digit"),
    (("--referring-npi", "1288490000"), "needs both"),
    (("--referring-npi", "1288490000", "--referring-name", "Carol Smith"), "LAST, FIRST"),
    (("--accident", "auto", "--accident-date", "2026-03-03", "--accident-state", "NY"),
     "after the date of service"),
    (("--accident", "auto", "--accident-date", "2026-03-01", "--accident-state", "XX"), "XX"),
    (("--accident", "auto", "--accident-date", "2026-03-01"), "state"),
    (("--accident", "boat", "--accident-date", "2026-03-01"), "Unknown accident"),
    (("--accident", "other"), "needs its date"),
    (("--accident-date", "2026-03-01"), "need --accident"),
    (("--onset", "2026-03-05"), "after the date of service"),
])
def test_visit_claim_fields_bad_input_refused(practice: Cli, opts: tuple[str, ...],
                                              message: str) -> None:
    cli = practice
    a = add_patient(cli, "Bad", "Input")
    r = cli.fails(3, "encounter", "add", "--patient", a, "--date", GOLDEN_DOS, "--provider",
                  NPI_PROVIDER, *opts)
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_encounter_update_claim_fields_until_sent(practice: Cli, tmp_path: Path) -> None:
    """encounter update sets the referring provider before the claim is sent (audited with
    the reason, on the claim that is then exported); once sent it is refused."""
    cli = practice
    _cpt(cli, "99213")
    a = _visit_claim(cli, "Later")
    enc = str(cli.db.scalar("SELECT id FROM encounter"))
    cli.fails(3, "encounter", "update", enc, *REFERRING)  # no reason
    cli.fails(3, "encounter", "update", enc, "--referring-npi", "1288490001",
              "--referring-name", "Smith, Carol", "--reason", "slip")
    r = cli.fails(3, "encounter", "update", enc, "--accident", "other", "--accident-date",
                  "2026-03-09", "--reason", "slip")
    assert "after the date of service" in r.stderr
    cli.fails(3, "encounter", "update", "999", *REFERRING, "--reason", "slip")
    rec = cli.json("encounter", "update", enc, *REFERRING, "--reason", "referral slip came")
    assert isinstance(rec, dict) and rec["referring_npi"] == "1288490000"
    assert cli.db.scalar("SELECT referring_name FROM encounter") == "Smith, Carol"
    assert cli.db.scalar(
        "SELECT count(*) FROM audit_log WHERE entity = 'encounter' AND action = 'update'") == 1
    cli.ok("claim", "generate")
    cli.ok("claim", "scrub")
    out = tmp_path / "b.x12"
    cli.ok("claim", "export", "--output", str(out))
    assert ["NM1", "DN", "1", "SMITH", "CAROL", "", "", "", "XX", "1288490000"] in segments(
        out.read_text())
    r = cli.fails(3, "encounter", "update", enc, "--onset", "2026-03-01", "--reason", "late")
    assert "already sent (submitted)" in r.stderr
    assert a
