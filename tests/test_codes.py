"""codes search | show | import | info, over a database loaded by ``medbill init`` (both DBs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, shared_path

HCPCS_CSV = ("codesets", "hcpcs", "terminology__hcpcs_level_2.csv")
MUE_CSV = ("codesets", "ncci_mue", "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv")
PTP_TXT = ("codesets", "ncci_ptp", "ccipra-v322r0-f1.excerpt-rows1-81.txt")


def codes_of(rows: object) -> list[str]:
    assert isinstance(rows, list)
    return [r["code"] for r in rows]


# ------------------------------------------------------------------ info and init

def test_codes_info_reports_full_icd10cm(coded: Cli) -> None:
    rows = coded.json("codes", "info")
    icd = next(r for r in rows if r["system"] == "icd10cm")
    assert icd["billable"] == 74719 and icd["headers"] == 23467 and icd["version"] == "FY2026"
    systems = {r["system"] for r in rows}
    assert {"cpt", "hcpcs", "modifier", "pos", "group", "carc", "rarc"} <= systems


def test_init_twice_changes_nothing(coded: Cli) -> None:
    before = coded.db.counts()
    r = coded.ok("init")
    assert "nothing to do" in r.stderr
    assert coded.db.counts() == before


# ------------------------------------------------------------------ show

def test_codes_show_billable_code(coded: Cli) -> None:
    rec = coded.json("codes", "show", "E11.9")
    assert rec["billable"] is True and rec["code"] == "E11.9" and rec["parent"] == "E11"
    assert "excludes1 (from E11)" in rec["notes"]


def test_codes_show_without_dot(coded: Cli) -> None:
    assert coded.json("codes", "show", "e119")["code"] == "E11.9"


def test_codes_show_header_lists_children(coded: Cli) -> None:
    rec = coded.json("codes", "show", "E11")
    assert rec["billable"] is False
    kids = [k["code"] for k in rec["children"]]
    assert "E11.9" in kids and "E11.2" in kids
    table = coded.ok("codes", "show", "E11").stdout
    assert "header" in table and "E11.65" not in table  # grandchildren are not listed


def test_codes_show_seventh_character_code(coded: Cli) -> None:
    rec = coded.json("codes", "show", "S52.521A")
    assert rec["billable"] is True and rec["parent"] == "S52.521"
    assert rec["description"].endswith("initial encounter for closed fracture")


def test_codes_show_sample_cpt_is_marked_not_ama(coded: Cli) -> None:
    rec = coded.json("codes", "show", "99213")
    assert rec["system"] == "cpt" and "not the AMA" in rec["source"]


def test_codes_show_unknown_is_refused(coded: Cli) -> None:
    r = coded.fails(3, "codes", "show", "ZZZ99")
    assert "Unknown code ZZZ99" in r.stderr


# ------------------------------------------------------------------ search

def test_codes_search_words_ranks_e1122_in_top_three(coded: Cli) -> None:
    rows = coded.json("codes", "search", "type 2 diabetes with diabetic chronic kidney disease")
    assert "E11.22" in codes_of(rows)[:3]
    assert set(rows[0]) == {"system", "code", "description", "billable"}


def test_codes_search_typo_finds_diabetes_first(coded: Cli) -> None:
    rows = coded.json("codes", "search", "diabetis", "--limit", "5")
    assert rows and all("diabet" in r["description"].lower() for r in rows)
    assert codes_of(rows)[0][:3] in {"E08", "E09", "E10", "E11", "E13"}


@pytest.mark.parametrize("typo,word", [("hypertensoin", "hypertens"), ("kidny", "kidney")])
def test_codes_search_other_typos(coded: Cli, typo: str, word: str) -> None:
    rows = coded.json("codes", "search", typo, "--limit", "5")
    assert rows and all(word in r["description"].lower() for r in rows)


def test_codes_search_code_prefix_with_and_without_dot(coded: Cli) -> None:
    for q in ("E11.2", "E112", "e11.2"):
        got = codes_of(coded.json("codes", "search", q))
        assert got[0] == "E11.2"
        assert {"E11.21", "E11.22", "E11.29"} <= set(got)


def test_codes_search_exact_code_first(coded: Cli) -> None:
    got = coded.json("codes", "search", "9921")
    assert codes_of(got)[:5] == ["99211", "99212", "99213", "99214", "99215"]
    assert codes_of(coded.json("codes", "search", "I10"))[0] == "I10"


def test_codes_search_billable_filter_and_system(coded: Cli) -> None:
    rows = coded.json("codes", "search", "E11.2", "--billable")
    assert "E11.2" not in codes_of(rows) and all(r["billable"] for r in rows)
    rows = coded.json(
        "codes", "search", "office visit established", "--system", "cpt", "--limit", "3"
    )
    assert rows and all(r["system"] == "cpt" for r in rows)
    assert codes_of(coded.json("codes", "search", "25", "--system", "modifier")) == ["25"]


def test_codes_search_date_filter(coded: Cli) -> None:
    coded.db.execute(
        "UPDATE code SET termination = '2024-12-31' WHERE system = 'cpt' AND code = '99211'"
    )
    got = codes_of(coded.json("codes", "search", "9921", "--date", "2025-03-01"))
    assert "99211" not in got and "99212" in got
    assert "99211" in codes_of(coded.json("codes", "search", "9921", "--date", "2024-06-01"))


def test_codes_search_nothing_found_is_empty_json(coded: Cli) -> None:
    assert coded.json("codes", "search", "xqzwvvv") == []


def test_codes_search_bad_system_is_refused(coded: Cli) -> None:
    coded.fails(3, "codes", "search", "knee", "--system", "nope")


def test_codes_search_table_and_csv(coded: Cli) -> None:
    assert "E11.22" in coded.ok("codes", "search", "E11.22").stdout
    lines = coded.ok("codes", "search", "E11.22", "--format", "csv").stdout.splitlines()
    assert lines[0] == "system,code,billable,description" and lines[1].startswith(
        "icd10cm,E11.22,yes,"
    )


def test_codes_search_needs_a_database(tmp_path: Path) -> None:
    from conftest import Db

    r = Cli(Db("sqlite", str(tmp_path / "none.db")))("codes", "search", "knee")
    assert r.exit_code == 4 and "medbill init" in r.stderr


# ------------------------------------------------------------------ import

def test_codes_import_hcpcs_csv_then_show(coded: Cli) -> None:
    path = shared_path("data", *HCPCS_CSV)
    out = coded.json("codes", "import", str(path), "--system", "hcpcs")
    assert out["inserted"] == 7500 and out["system"] == "hcpcs"
    rec = coded.json("codes", "show", "J1100")
    assert rec["system"] == "hcpcs" and "dexamethasone" in rec["description"].lower()
    assert coded.json("codes", "show", "25", "--system", "modifier")["code"] == "25"
    # The sample's own-words J1100 is replaced, not duplicated.
    assert (
        coded.db.scalar("SELECT count(*) FROM code WHERE system = 'hcpcs' AND code = 'J1100'") == 1
    )


def test_codes_import_same_file_twice_changes_nothing(coded: Cli) -> None:
    path = shared_path("data", *HCPCS_CSV)
    coded.ok("codes", "import", str(path), "--system", "hcpcs")
    before = coded.db.counts()
    r = coded.ok("codes", "import", str(path), "--system", "hcpcs")
    assert "nothing changed" in r.stderr
    assert coded.db.counts() == before


def test_codes_import_mue_and_show_99213(coded: Cli) -> None:
    path = shared_path("data", *MUE_CSV)
    out = coded.json("codes", "import", str(path), "--system", "mue")
    assert out["rows"] == 15095 and out["version"] == "2026-04-01"
    rec = coded.json("codes", "show", "99213")
    assert rec["mue"]["units"] >= 1 and rec["mue"]["mai"] in (1, 2, 3)


def test_codes_import_ptp_excerpt_and_lookup(coded: Cli) -> None:
    import datetime as dt

    from medbill_cli.db.engine import session_scope
    from medbill_cli.services import lookup

    path = shared_path("data", *PTP_TXT)
    out = coded.json("codes", "import", str(path), "--system", "ncci-ptp")
    assert out["rows"] == 81 and out["version"] == "v322r0"
    eng = coded.db.engine()
    try:
        with session_scope(eng, write=False) as s:
            pairs = lookup.ptp_pairs(session=s, codes=["0001A", "36591"], dos=dt.date(2023, 5, 1))
            assert [(p.column1, p.column2, p.modifier_indicator) for p in pairs] == [
                ("0001A", "36591", "0")
            ]
            assert (
                lookup.ptp_pairs(session=s, codes=["0001A", "36591"], dos=dt.date(2024, 5, 1)) == []
            )
    finally:
        eng.dispose()


def test_codes_import_malformed_mue_names_line(coded: Cli, tmp_path: Path) -> None:
    src = shared_path("data", *MUE_CSV).read_bytes().decode("latin-1").splitlines()
    head = next(i for i, ln in enumerate(src) if ln.startswith("0001U"))
    bad = src[: head + 5] + ["99213,lots,1 Line Edit,Data"] + src[head + 5: head + 50]
    f = tmp_path / "MCR_MUE_bad.csv"
    f.write_bytes("\n".join(bad).encode("latin-1"))
    r = coded.fails(3, "codes", "import", str(f), "--system", "mue")
    assert f"line {head + 6}" in r.stderr and "lots" in r.stderr


def test_codes_import_malformed_csv_names_first_bad_line(coded: Cli, tmp_path: Path) -> None:
    f = tmp_path / "cpt.csv"
    f.write_text("code,description\n99999,Fine\n12,Too short\nABCDE,Bad too\n", encoding="utf-8")
    r = coded.fails(3, "codes", "import", str(f), "--system", "cpt")
    assert "line 3" in r.stderr and "'12'" in r.stderr


def test_codes_import_cpt_csv(coded: Cli, tmp_path: Path) -> None:
    f = tmp_path / "cpt2026.csv"
    f.write_text(
        "code,description\n99213,Licensed text for 99213\n0001U,A lab test\n", encoding="utf-8"
    )
    out = coded.json("codes", "import", str(f), "--system", "cpt", "--version", "2026")
    assert out["inserted"] == 2 and out["removed"] == 1
    assert coded.json("codes", "show", "99213")["description"] == "Licensed text for 99213"


def test_codes_import_unknown_column_refused(coded: Cli, tmp_path: Path) -> None:
    f = tmp_path / "pos.csv"
    f.write_text("code,descripton\n11,Office\n", encoding="utf-8")
    r = coded.fails(3, "codes", "import", str(f), "--system", "pos")
    assert "descripton" in r.stderr


def test_codes_import_missing_file_is_environment(coded: Cli, tmp_path: Path) -> None:
    coded.fails(4, "codes", "import", str(tmp_path / "nope.txt"), "--system", "hcpcs")


# ------------------------------------------------------------------ HCPCS ANWEB (.txt, .xlsx)

def _anweb_lines(rows: list[dict[str, str]]) -> list[str]:
    """Write rows in CMS's 320-character HCPCS record layout, splitting long descriptions."""
    lines = []
    for r in rows:
        modifier = r["recid"] == "7"
        code = ("   " + r["hcpcs"]) if modifier else r["hcpcs"]
        desc = r["long_description"]
        chunks = [desc[i:i + 80] for i in range(0, len(desc), 80)] or [""]
        for n, chunk in enumerate(chunks):
            recid = ("7" if modifier else "3") if n == 0 else ("8" if modifier else "4")
            line = f"{code:<5}{(n + 1) * 100:05d}{recid}{chunk:<80}"
            if n == 0:
                line += f"{r['short_description'][:28]:<28}".ljust(268 - 119 + 28)
                line = line.ljust(268) + "20200101" + "20200101" + " " * 8 + "N"
            lines.append(line.ljust(320))
    return lines


def test_codes_import_anweb_txt_and_xlsx_match_csv(coded: Cli, tmp_path: Path) -> None:
    import csv

    from openpyxl import Workbook

    src = shared_path("data", *HCPCS_CSV)
    with src.open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if r["recid"] in ("3", "7")][:400]
    rows.append(
        {
            "hcpcs": "J1100",
            "recid": "3",
            "long_description": "Injection, dexamethasone sodium phosphate, 1 mg " * 3,
            "short_description": "Dexamethasone sodium phos",
        }
    )
    txt = tmp_path / "HCPC2026_JAN_ANWEB_v2.txt"
    txt.write_text("\r\n".join(_anweb_lines(rows)) + "\r\n", encoding="latin-1")
    out = coded.json("codes", "import", str(txt), "--system", "hcpcs")
    assert out["version"] == "2026-JAN" and out["rows"] == len(rows)
    rec = coded.json("codes", "show", "J1100")
    assert rec["description"] == ("Injection, dexamethasone sodium phosphate, 1 mg " * 3).strip()
    assert rec["effective"] == "2020-01-01"
    first = rows[0]
    got = coded.json("codes", "show", first["hcpcs"], "--system",
                     "modifier" if first["recid"] == "7" else "hcpcs")
    assert got["description"] == first["long_description"]

    wb = Workbook()
    ws = wb.active
    ws.append(["HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "ADD DT",
               "ACT EFF DT", "TERM DT", "ACTION CD"])
    for ln in _anweb_lines(rows):
        ws.append([ln[0:5].strip(), ln[5:10], ln[10], ln[11:91].rstrip(), ln[91:119].rstrip(),
                   ln[268:276].strip(), ln[276:284].strip(), ln[284:292].strip(), ln[292:293]])
    xlsx = tmp_path / "HCPC2026_JAN_ANWEB_v2.xlsx"
    wb.save(xlsx)
    before = coded.db.count("code")
    out2 = coded.json("codes", "import", str(xlsx), "--system", "hcpcs")
    assert out2["rows"] == len(rows) and out2["inserted"] == 0 and out2["updated"] == 0
    assert coded.db.count("code") == before


def test_codes_import_anweb_bad_record_names_line(coded: Cli, tmp_path: Path) -> None:
    rows = [{"hcpcs": "J1100", "recid": "3", "long_description": "Dexamethasone 1 mg",
             "short_description": "Dexameth"},
            {"hcpcs": "J1101", "recid": "3", "long_description": "Other drug",
             "short_description": "Other"}]
    lines = _anweb_lines(rows)
    lines[1] = lines[1][:10] + "5" + lines[1][11:]
    f = tmp_path / "HCPC2026_JAN_ANWEB.txt"
    f.write_text("\n".join(lines), encoding="latin-1")
    r = coded.fails(3, "codes", "import", str(f), "--system", "hcpcs")
    assert "line 2" in r.stderr and "record id" in r.stderr


def test_codes_import_audited(coded: Cli, tmp_path: Path) -> None:
    f = tmp_path / "rarc.csv"
    f.write_text("code,description\nN999,A remark\n", encoding="utf-8")
    out = coded.json("codes", "import", str(f), "--system", "rarc")
    rows = coded.json("audit", "list", "--entity", "code_set")
    assert any(r["entity_id"] == str(out["id"]) and r["action"] == "import" for r in rows)
    assert coded.ok("audit", "verify")


# ------------------------------------------------------------------ the lookup service

def test_lookup_checks(coded: Cli) -> None:
    import datetime as dt

    from medbill_cli.db.engine import session_scope
    from medbill_cli.errors import InputError
    from medbill_cli.services import lookup

    eng = coded.db.engine()
    try:
        with session_scope(eng, write=False) as s:
            dos = dt.date(2026, 1, 15)
            assert lookup.check_diagnosis(session=s, code="e119", dos=dos).code == "E11.9"
            with pytest.raises(InputError, match="header"):
                lookup.check_diagnosis(session=s, code="E11", dos=dos)
            assert lookup.check_procedure(session=s, code="99213", dos=dos).system == "cpt"
            assert lookup.check_procedure(session=s, code="J1100", dos=dos).system == "hcpcs"
            assert lookup.check_modifier(session=s, modifier="25", dos=dos).code == "25"
            with pytest.raises(InputError):
                lookup.check_modifier(session=s, modifier="Q9", dos=dos)
            assert lookup.check_pos(session=s, pos="11").code == "11"
            assert lookup.check_pos(session=s, pos="2").code == "02"
    finally:
        eng.dispose()


def test_search_service_matches_cli(coded: Cli) -> None:
    from medbill_cli.codesets.search import search_codes
    from medbill_cli.db.engine import session_scope
    from medbill_cli.db.readonly import SessionRunner

    eng = coded.db.engine()
    try:
        with session_scope(eng, write=False) as s:
            hits = search_codes(session=SessionRunner(s), query="E11.2")
    finally:
        eng.dispose()
    assert [h.public() for h in hits] == coded.json("codes", "search", "E11.2")


def test_codes_search_json_is_valid_for_modifiers(coded: Cli) -> None:
    got = json.loads(coded.ok("codes", "search", "XS", "--format", "json").stdout)
    assert got[0]["code"] == "XS" and got[0]["system"] == "modifier"


def test_codes_import_icd10cm_order_file(coded: Cli, tmp_path: Path) -> None:
    # CMS's icd10cm_order file: order, code, header flag, 60-character short title, long title.
    def line(n: int, code: str, flag: str, title: str) -> str:
        return f"{n:05d} {code:<7} {flag} {title[:60]:<60} {title}"

    f = tmp_path / "icd10cm_order_2027.txt"
    f.write_text("\n".join([
        line(1, "E11", "0", "Type 2 diabetes mellitus"),
        line(2, "E119", "1", "Type 2 diabetes mellitus without complications"),
        line(3, "E11A1", "1", "Type 2 diabetes mellitus in a new test subcategory"),
    ]) + "\n", encoding="utf-8")
    out = coded.json("codes", "import", str(f), "--system", "icd10cm", "--version", "FY2027")
    assert out["inserted"] == 0 or out["inserted"] == 1
    rec = coded.json("codes", "show", "E11.A1")
    assert rec["billable"] is True and rec["parent"] == "E11"
    bad = tmp_path / "bad_order.txt"
    bad.write_text(line(1, "E11", "0", "Fine") + "\nnot a code line\n", encoding="utf-8")
    r = coded.fails(3, "codes", "import", str(bad), "--system", "icd10cm")
    assert "line 2" in r.stderr


def test_sample_codes_live_in_the_package_and_at_the_root() -> None:
    # data/sample_codes at the repository root links to the package folder, so that a
    # non-editable install (pip install .) ships the same files (package-data "data/**/*").
    root = Path(__file__).resolve().parents[1]
    pkg = root / "src" / "medbill_cli" / "data" / "sample_codes"
    assert (root / "data" / "sample_codes").resolve() == pkg.resolve()
    from medbill_cli.services.codes import SAMPLES, sample_dir

    assert sample_dir().resolve() == pkg.resolve()
    for _system, name in SAMPLES:
        assert (pkg / name).is_file()
    assert (
        "not the AMA" in (pkg / "README.md").read_text()
        or "NOT the AMA" in (pkg / "README.md").read_text()
    )


def test_codes_import_order_file_keeps_tabular_notes(coded: Cli, tmp_path: Path) -> None:
    f = tmp_path / "icd10cm_order_2026.txt"
    f.write_text(
        f"{1:05d} {'E11':<7} 0 {'Type 2 diabetes mellitus':<60} Type 2 diabetes mellitus\n",
        encoding="utf-8",
    )
    coded.ok("codes", "import", str(f), "--system", "icd10cm", "--version", "FY2026-order")
    assert "excludes1" in coded.json("codes", "show", "E11")["notes"]
