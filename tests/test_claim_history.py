"""claim history: every event of a claim from the claim row, the audit trail, acknowledgments,
ERA postings and later claims that replace it; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ack_support import Answer, ack_277ca, ack_999, export_claims, sent, write
from conftest import Cli
from era_support import ClaimSpec, Line, build_835


def test_claim_history_from_export_to_payment_and_replacement(practice: Cli,
                                                              tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 1)[0])
    pcn, charge = s.claims[0]
    practice.ok("ack", "import", str(write(tmp_path, "a.999", ack_999(s))))
    practice.ok("ack", "import", str(write(tmp_path, "a.277", ack_277ca(
        s, [Answer(pcn, charge, "A2:20:PR", "ICN42")], source="PR"))))
    era = build_835([ClaimSpec(pcn, "1", charge, "100", payer_claim_number="ICN42", lines=[
        Line("99213", charge, "100", [("CO", "45", "25")],
             date=dt.date.today().strftime("%Y%m%d"))])])
    practice.ok("era", "import", str(write(tmp_path, "pay.835", era)))
    practice.ok("claim", "resubmit", pcn, "--frequency", "7")
    r = practice.ok("claim", "history", pcn, "--format", "json")
    hist = json.loads(r.stdout)
    events = [h["event"] for h in hist]
    assert events[:3] == ["generated", "scrubbed", "exported"]
    assert "accepted (999 ack 1)" in events and "accepted (277CA ack 2)" in events
    assert "payer claim number stored" in events
    assert "paid (835)" in events and "closed" in events and "replaced by claim 2" in events
    paid = next(h for h in hist if h["event"] == "paid (835)")
    assert paid["source"] == "835" and "paid 100.00 of 125.00" in paid["detail"]
    assert all(h["at"] and h["source"] for h in hist)
    assert [h["at"] for h in hist] == sorted(h["at"] for h in hist)
    assert "is closed" in r.stderr
    new = practice.json("claim", "history", "2")
    assert new[0]["event"] == "generated" and "replaces claim 1" in new[0]["detail"]
    csv = practice.ok("claim", "history", "1", "--format", "csv").stdout.splitlines()
    assert csv[0] == "at,event,source,status,detail,user" and len(csv) == len(hist) + 1
    table = practice.ok("claim", "history", "1").stdout
    assert "generated" in table and "exported" in table


def test_claim_history_unknown_claim(practice: Cli) -> None:
    r = practice.fails(3, "claim", "history", "42")
    assert "No claim 42" in r.stderr
