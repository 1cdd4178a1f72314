"""The supervising (2310D) and ordering (2420E) providers, and CLM07-09 from the data: the
payer's assignment, the coverage's benefits assignment and the patient's release, printed the
same in the 837P and on the CMS-1500 (boxes 12, 13, 17, 27). SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from claim_support import add_coverage, add_patient
from cms1500_support import read_pdf
from conftest import NPI_PROVIDER, Cli
from test_claim_loops import GOLDEN_DOS, PRACTICE, _cpt, _export_golden
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837, segments

SUPERVISING = ("--supervising-npi", "1223344551", "--supervising-name", "Okafor, Grace")
ORDERING = ("--ordering-npi", "1334455668", "--ordering-name", "Lind, Marta")


def _claim(cli: Cli, last: str, visit: tuple[str, ...] = (),
           lines: tuple[tuple[str, ...], ...] = ((),), cov: tuple[str, ...] = ()) -> str:
    """A patient with Acme coverage, one visit on the golden date and a 99213 per line."""
    a = add_patient(cli, "Pat", last)
    if cov:
        cli.ok("coverage", "add", a, "--payer", "ACME1", "--member-id", f"M{last.upper()}", *cov)
    else:
        add_coverage(cli, a, "ACME1", f"M{last.upper()}")
    enc = cli.json("encounter", "add", "--patient", a, "--date", GOLDEN_DOS, "--provider",
                   NPI_PROVIDER, *visit)
    assert isinstance(enc, dict)
    codes = ("99213", "81002", "36415")
    for n, opts in enumerate(lines):
        cli.ok("charge", "add", "--patient", a, "--date", GOLDEN_DOS, "--code", codes[n],
               "--fee", "125.00", "--dx", "J06.9", "--encounter", str(enc["id"]), *opts)
    return a


def _nm1(segs: list[list[str]], qualifier: str) -> list[list[str]]:
    return [s for s in segs if s[0] == "NM1" and s[1] == qualifier]


# ------------------------------------------------------------------ 2310D supervising

def test_supervising_provider_golden(practice: Cli, tmp_path: Path) -> None:
    """A supervising physician who is not a practice member, by NPI and name: 2310D NM1*DQ
    after 2310B; a visit supervised by its own rendering provider sends no 2310D."""
    cli = practice
    _cpt(cli, "99213")
    cli.ok(*PRACTICE)
    _claim(cli, "Supervised", SUPERVISING)
    _claim(cli, "Self", ("--supervising-npi", NPI_PROVIDER, "--supervising-name", "Ruiz, Ana"))
    cli.ok("claim", "generate")
    segs = _export_golden(cli, tmp_path, "837p_supervising.x12")
    assert _nm1(segs, "DQ") == [["NM1", "DQ", "1", "OKAFOR", "GRACE", "", "", "", "XX",
                                 "1223344551"]]
    names = [s[1] for s in segs if s[0] == "NM1"]
    assert names.index("82") + 1 == names.index("DQ")
    assert cli.db.scalar("SELECT count(*) FROM provider WHERE npi = '1223344551'") == 0
    cli.ok("ledger", "check")


def test_encounter_update_sets_the_supervising_provider(practice: Cli) -> None:
    cli = practice
    a = add_patient(cli, "Late", "Slip")
    enc = cli.json("encounter", "add", "--patient", a, "--date", GOLDEN_DOS, "--provider",
                   NPI_PROVIDER)
    assert isinstance(enc, dict)
    out = cli.json("encounter", "update", str(enc["id"]), *SUPERVISING, "--reason",
                   "supervision noted")
    assert isinstance(out, dict)
    assert (out["supervising_npi"], out["supervising_name"]) == ("1223344551", "Okafor, Grace")
    assert cli.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'encounter' "
                         "AND action = 'update'") == 1


# ------------------------------------------------------------------ 2420E ordering

def test_ordering_provider_golden(practice: Cli, tmp_path: Path) -> None:
    """An ordered lab line carries 2420E NM1*DK after its REF*6R; the office visit line has
    none, and a line ordered by its own rendering provider sends none."""
    cli = practice
    _cpt(cli, "99213", "81002", "36415")
    cli.ok(*PRACTICE)
    _claim(cli, "Ordered", lines=((), ORDERING, ("--ordering-npi", NPI_PROVIDER,
                                                 "--ordering-name", "Ruiz, Ana")))
    cli.ok("claim", "generate")
    segs = _export_golden(cli, tmp_path, "837p_ordering.x12")
    assert _nm1(segs, "DK") == [["NM1", "DK", "1", "LIND", "MARTA", "", "", "", "XX",
                                 "1334455668"]]
    at = segs.index(_nm1(segs, "DK")[0])
    assert segs[at - 1][:2] == ["REF", "6R"] and segs[at - 3][0] == "SV1"
    assert segs[at - 3][1] == "HC:81002"
    cli.ok("ledger", "check")


def test_charge_update_and_import_take_the_ordering_provider(practice: Cli,
                                                             tmp_path: Path) -> None:
    cli = practice
    _cpt(cli, "81002")
    a = add_patient(cli, "Lab", "Order")
    add_coverage(cli, a)
    ch = cli.json("charge", "add", "--patient", a, "--date", GOLDEN_DOS, "--code", "81002",
                  "--fee", "20.00", "--dx", "J06.9")
    assert isinstance(ch, dict) and ch["ordering_npi"] is None
    out = cli.json("charge", "update", str(ch["id"]), *ORDERING, "--reason", "order slip")
    assert isinstance(out, dict)
    assert (out["ordering_npi"], out["ordering_name"]) == ("1334455668", "Lind, Marta")
    f = tmp_path / "charges.csv"
    f.write_text("patient,date,code,dx,fee,ordering_npi,ordering_name\n"
                 f'{a},{GOLDEN_DOS},81002,J06.9,20.00,1223344551,"Okafor, Grace"\n')
    cli.ok("charge", "import", str(f))
    got = cli.db.scalar("SELECT ordering_name FROM charge WHERE ordering_npi = '1223344551'")
    assert got == "Okafor, Grace"
    bad = tmp_path / "bad.csv"
    bad.write_text("patient,date,code,dx,fee,ordering_npi,ordering_name\n"
                   f'{a},{GOLDEN_DOS},81002,J06.9,20.00,1223344552,"Okafor, Grace"\n')
    r = cli.fails(3, "charge", "import", str(bad))
    assert "check digit" in r.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("encounter", "add", "--patient", "{a}", "--date", GOLDEN_DOS, "--provider", NPI_PROVIDER,
      "--supervising-npi", "1223344552", "--supervising-name", "Okafor, Grace"), "check digit"),
    (("encounter", "add", "--patient", "{a}", "--date", GOLDEN_DOS, "--provider", NPI_PROVIDER,
      "--supervising-npi", "1223344551"), "needs both --supervising-npi and --supervising-name"),
    (("encounter", "add", "--patient", "{a}", "--date", GOLDEN_DOS, "--provider", NPI_PROVIDER,
      "--supervising-npi", "1223344551", "--supervising-name", "Grace Okafor"), "LAST, FIRST"),
    (("charge", "add", "--patient", "{a}", "--date", GOLDEN_DOS, "--code", "81002", "--fee",
      "20", "--dx", "J06.9", "--ordering-npi", "1334455669", "--ordering-name", "Lind, Marta"),
     "Ordering NPI '1334455669' fails the NPI check digit"),
    (("charge", "add", "--patient", "{a}", "--date", GOLDEN_DOS, "--code", "81002", "--fee",
      "20", "--dx", "J06.9", "--ordering-name", "Lind, Marta"), "needs both"),
    (("charge", "add", "--patient", "{a}", "--date", GOLDEN_DOS, "--code", "81002", "--fee",
      "20", "--dx", "J06.9", "--ordering-npi", "13344556", "--ordering-name", "Lind, Marta"),
     "must be 10 digits"),
])
def test_supervising_and_ordering_bad_input_refused(practice: Cli, args: tuple[str, ...],
                                                    message: str) -> None:
    """Exit 3, one line, nothing written (``Cli.fails`` compares every table's row count)."""
    cli = practice
    _cpt(cli, "81002")
    a = add_patient(cli, "Bad", "Npi")
    r = cli.fails(3, *(x.replace("{a}", a) for x in args))
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def test_charge_update_bad_ordering_npi_changes_nothing(practice: Cli) -> None:
    cli = practice
    _cpt(cli, "81002")
    a = add_patient(cli, "Bad", "Update")
    ch = cli.json("charge", "add", "--patient", a, "--date", GOLDEN_DOS, "--code", "81002",
                  "--fee", "20.00", "--dx", "J06.9")
    assert isinstance(ch, dict)
    r = cli.fails(3, "charge", "update", str(ch["id"]), "--ordering-npi", "1334455669",
                  "--ordering-name", "Lind, Marta", "--reason", "typo")
    assert "check digit" in r.stderr
    assert cli.db.scalar(f"SELECT ordering_npi FROM charge WHERE id = {ch['id']}") is None


# ------------------------------------------------------------------ CLM07, CLM08, CLM09

def _clm(segs: list[list[str]]) -> list[list[str]]:
    return [s[6:10] for s in segs if s[0] == "CLM"]


def _export(cli: Cli, tmp_path: Path) -> list[list[str]]:
    cli.db.execute("UPDATE claim SET status = 'ready'")
    out = tmp_path / "out.x12"
    cli.ok("claim", "export", "--output", str(out))
    assert_valid_837(out, x12check_tool())
    return segments(out.read_text())


def test_clm07_to_09_follow_payer_coverage_and_patient(practice: Cli, tmp_path: Path) -> None:
    """Defaults keep Y A Y Y; a payer the practice does not accept assignment with gives C,
    a coverage without assignment N, a patient with informed consent only I; box 27, 13 and
    12 on the CMS-1500 say the same."""
    cli = practice
    _cpt(cli, "99213")
    cli.ok(*PRACTICE)
    cli.ok("payer", "add", "--name", "Nonpar Health", "--payer-id", "NONPAR",
           "--no-accept-assignment")
    _claim(cli, "Default")
    a = add_patient(cli, "Pat", "Nonpar")
    cli.ok("patient", "update", a, "--release-of-info", "I")
    cli.ok("coverage", "add", a, "--payer", "NONPAR", "--member-id", "MNP1", "--no-assignment")
    cli.ok("charge", "add", "--patient", a, "--date", GOLDEN_DOS, "--code", "99213", "--fee",
           "125.00", "--dx", "J06.9")
    cli.ok("claim", "generate")
    assert _clm(_export(cli, tmp_path)) == [["Y", "A", "Y", "Y"], ["Y", "C", "N", "I"]]

    default_pdf, nonpar_pdf = tmp_path / "d.pdf", tmp_path / "n.pdf"
    cli.ok("claim", "print", "1", "--output", str(default_pdf))
    cli.ok("claim", "print", "2", "--output", str(nonpar_pdf))
    d, n = read_pdf(default_pdf)[0], read_pdf(nonpar_pdf)[0]
    assert d.field(29, 7, 30) == "SIGNATURE ON FILE" == d.field(29, 55, 25)
    assert (d.field(56, 38, 1), d.field(56, 43, 1)) == ("X", "")
    assert n.field(29, 7, 30) == "" and n.field(29, 55, 25) == ""
    assert (n.field(56, 38, 1), n.field(56, 43, 1)) == ("", "X")
    cli.ok("ledger", "check")


def test_signature_date_box_12_and_box_17(practice: Cli, tmp_path: Path) -> None:
    """The release's date prints in box 12; box 17 names the supervising provider (DQ) when
    there is no referring or ordering one."""
    cli = practice
    _cpt(cli, "99213")
    a = _claim(cli, "Signed", SUPERVISING)
    cli.ok("patient", "update", a, "--signature-date", "2026-01-15")
    cli.ok("claim", "generate")
    pdf = tmp_path / "s.pdf"
    cli.ok("claim", "print", "1", "--output", str(pdf))
    sheet = read_pdf(pdf)[0]
    assert sheet.field(29, 7, 30) == "SIGNATURE ON FILE"
    assert sheet.field(29, 44, 8) == "01 15 26"
    assert sheet.field(34, 1, 3) == "DQ"
    assert sheet.field(34, 4, 25) == "OKAFOR, GRACE"
    assert sheet.field(34, 33, 10) == "1223344551"


def test_assignment_changes_are_audited(practice: Cli) -> None:
    cli = practice
    a = add_patient(cli, "Cov", "Change")
    add_coverage(cli, a)
    cov = cli.db.scalar("SELECT id FROM coverage")
    out = cli.json("coverage", "update", str(cov), "--no-assignment", "--reason", "no AOB")
    assert isinstance(out, dict) and out["assignment"] is False
    out = cli.json("payer", "update", "ACME1", "--no-accept-assignment", "--reason", "left")
    assert isinstance(out, dict) and out["accept_assignment"] is False
    cli.fails(3, "payer", "update", "ACME1", "--no-accept-assignment", "--reason", "again")
    cli.fails(3, "payer", "update", "ACME1", "--reason", "nothing")
    cli.fails(3, "payer", "update", "NOPE", "--accept-assignment", "--reason", "x")
    assert cli.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'update' "
                         "AND entity IN ('coverage', 'payer')") == 2


@pytest.mark.parametrize(("opts", "message"), [
    (("--release-of-info", "X"), "must be Y or I"),
    (("--signature-date", "2999-01-01"), "in the future"),
    (("--signature-date", "someday"), "signature date"),
])
def test_patient_release_bad_input_refused(practice: Cli, opts: tuple[str, ...],
                                           message: str) -> None:
    cli = practice
    a = add_patient(cli, "Bad", "Release")
    r = cli.fails(3, "patient", "update", a, *opts)
    assert message in r.stderr, r.stderr
    r = cli.fails(3, "patient", "add", "--first-name", "New", "--last-name", "Person", "--dob",
                  "1970-01-01", "--sex", "F", *opts)
    assert message in r.stderr, r.stderr


def test_box_10_follows_clm11(practice: Cli, tmp_path: Path) -> None:
    """An auto accident in MA: 10b YES with the state, 10a and 10c NO, as CLM11 AA:::MA."""
    cli = practice
    _cpt(cli, "99213")
    _claim(cli, "Crash", ("--accident", "auto", "--accident-date", "2026-02-27",
                          "--accident-state", "MA"))
    cli.ok("claim", "generate")
    pdf = tmp_path / "a.pdf"
    cli.ok("claim", "print", "1", "--output", str(pdf))
    sheet = read_pdf(pdf)[0]
    assert [(sheet.field(n, 35, 1), sheet.field(n, 41, 1)) for n in (20, 22, 24)] == [
        ("", "X"), ("X", ""), ("", "X")]
    assert sheet.field(22, 45, 2) == "MA"
