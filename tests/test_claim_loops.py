"""837P loops and claim-level rules: the manifestation edit on real ICD-10-CM codes, one-line
interchanges, the service facility, line item control numbers. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

from claim_support import add_coverage, add_patient
from conftest import Cli

DOS = (dt.date.today() - dt.timedelta(days=2)).isoformat()


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
