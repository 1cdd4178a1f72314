"""A practice with four exported claims and the 835s a payer sends back for them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from claim_support import DOS, Svc, add_coverage, add_patient, add_visit, load_codes
from conftest import Cli
from era_support import ClaimSpec, Line, Plb, build_835

D8 = DOS.strftime("%Y%m%d")


def exported(cli: Cli, tmp_path: Path) -> dict[str, str]:
    """Four patients with one claim each, exported; returns account -> claim pcn."""
    load_codes(cli)
    accts = {}
    for name, services in (("Alpha", [Svc("99213", 10000), Svc("85025", 5000)]),
                           ("Bravo", [Svc("99214", 15000)]), ("Charlie", [Svc("99213", 10000)]),
                           ("Delta", [Svc("99212", 8000)])):
        acct = add_patient(cli, name, "Test")
        add_coverage(cli, acct)
        add_visit(cli, acct, ["J06.9"], services)
        accts[name] = acct
    cli.ok("claim", "generate")
    cli.ok("claim", "scrub")
    cli.ok("claim", "export", "--format", "x12", "--output", str(tmp_path / "batch.x12"))
    pcn = {}
    for name, acct in accts.items():
        pcn[name] = cli.db.scalar(
            "SELECT c.pcn FROM claim c JOIN patient p ON p.id = c.patient_id WHERE p.account = :a",
            a=acct,
        )
        assert pcn[name]
    pcn.update({f"{k}_acct": v for k, v in accts.items()})
    return pcn


def first_835(p: dict[str, str], **kw: object) -> str:
    return build_835(  # type: ignore[arg-type]
        [
            ClaimSpec(
                p["Alpha"],
                "1",
                "150",
                "100",
                lines=[
                    Line("99213", "100", "70", [("CO", "45", "10"), ("PR", "2", "20")], date=D8),
                    Line("85025", "50", "30", [("CO", "45", "5"), ("PR", "1", "15")], date=D8),
                ],
            ),
            ClaimSpec(
                p["Bravo"],
                "4",
                "150",
                "0",
                lines=[Line("99214", "150", "0", [("CO", "50", "150")], remarks=["N115"], date=D8)],
            ),
            ClaimSpec(p["Charlie"], "1", "100", "80",
                      lines=[Line("99213", "100", "80", [("CO", "45", "20")], date=D8)]),
            ClaimSpec(
                p["Delta"],
                "1",
                "80",
                "60",
                lines=[Line("99212", "80", "60", [("CO", "45", "10"), ("PR", "1", "10")], date=D8)],
            ),
            ClaimSpec("ZZZ999", "1", "10", "10", lines=[Line("99211", "10", "10", date=D8)]),
        ],
        trace="T1",
        plb=[Plb("WO", "OVERPAY1", "5")],
        **kw,
    )


def reversal_835(p: dict[str, str]) -> str:
    return build_835([ClaimSpec(p["Delta"], "22", "-80", "-60", lines=[
        Line("99212", "-80", "-60", [("CO", "45", "-10"), ("PR", "1", "-10")], date=D8)])],
        trace="T2", control=2)


def aging_total(cli: Cli, by: str = "payer") -> tuple[list[dict[str, str]], Decimal]:
    rows = cli.json("ar", "aging", "--by", by)
    assert isinstance(rows, list)
    for r in rows:
        assert sum(Decimal(r[b]) for b in ("0-30", "31-60", "61-90", "91-120", "120+")) == Decimal(
            r["total"]
        )
    body, total = rows[:-1], rows[-1]
    assert total[by] == "TOTAL"
    assert sum(Decimal(r["total"]) for r in body) == Decimal(total["total"])
    return body, Decimal(total["total"])


def status(cli: Cli, pcn: str) -> str:
    return str(cli.db.scalar("SELECT status FROM claim WHERE pcn = :p", p=pcn))
