"""fee set / import / list."""

from __future__ import annotations

from pathlib import Path

from charge_support import charging  # noqa: F401
from conftest import Cli


def test_fee_set_prints_id_and_lists(cli: Cli) -> None:
    r = cli.ok("fee", "set", "99213", "$1,250.50")
    fid = int(r.stdout.strip())
    cli.ok("fee", "set", "99213", "80", "--modifier", "25", "--effective", "2025-01-01")
    rows = cli.json("fee", "list")
    assert rows == [
        {"id": fid, "code": "99213", "modifier": None, "amount": "1250.50", "effective": None},
        {
            "id": fid + 1,
            "code": "99213",
            "modifier": "25",
            "amount": "80.00",
            "effective": "2025-01-01",
        },
    ]
    assert cli.db.scalar("SELECT amount_cents FROM fee WHERE id = :i", i=fid) == 125050


def test_fee_set_same_key_replaces_and_audits(cli: Cli) -> None:
    a = cli.ok("fee", "set", "99213", "75").stdout
    b = cli.ok("fee", "set", "99213", "76").stdout
    assert a == b and cli.db.count("fee") == 1
    assert cli.db.scalar("SELECT amount_cents FROM fee") == 7600
    assert cli.db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'fee'") == 2


def test_fee_set_refused(cli: Cli) -> None:
    for args, needle in [
        (("99213", "1e3"), "is not an amount"),
        (("--", "99213", "-0"), "is not an amount"),
        (("99213", "NaN"), "is not an amount"),
        (("99213", "1.234"), "is not an amount"),
        (("9921", "75"), "not a CPT or HCPCS code"),
        (("99213", "75", "--modifier", "2"), "not a modifier"),
        (("99213", "75", "--effective", "2025-13-01"), "not a valid effective date"),
    ]:
        r = cli.fails(3, "fee", "set", *args)
        assert needle in r.stderr, (args, r.stderr)


def test_fee_import_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "fees.csv"
    good.write_text("\ufeffCode,Amount,Modifier,Effective\n99213,75.00,,\n99213,90,25,2025-01-01\n36415,12,,\n")
    out = cli.json("fee", "import", str(good))
    assert isinstance(out, list) and [f["amount"] for f in out] == ["75.00", "90.00", "12.00"]
    bad = tmp_path / "bad.csv"
    bad.write_text("code,amount\n99214,110\n99215,1e3\nABC,5\n99214,111\n")
    r = cli.fails(3, "fee", "import", str(bad))
    assert "line 3:" in r.stderr and "line 4:" in r.stderr and "line 5:" in r.stderr
    assert "line 2:" not in r.stderr
    typo = tmp_path / "typo.csv"
    typo.write_text("code,amont\n99214,110\n")
    r = cli.fails(3, "fee", "import", str(typo))
    assert "Unknown column 'amont'" in r.stderr


def test_fee_list_empty_and_csv(cli: Cli) -> None:
    assert cli.json("fee", "list") == []
    cli.ok("fee", "set", "J1100", "0.50")
    assert (
        cli.ok("fee", "list", "--format", "csv").stdout
        == "id,code,modifier,amount,effective\n1,J1100,,0.50,\n"
    )
