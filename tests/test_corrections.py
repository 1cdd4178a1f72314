"""charge update, claim rebuild and claim resubmit's payer claim number: a held claim is fixed
with the commands alone, and every refusal changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from charge_support import charging  # noqa: F401
from claim_support import DOS
from conftest import Cli
from era_support import ClaimSpec, Line, build_835
from remit_support import exported

ADDRESS = ("--address", "1 Elm St", "--city", "Albany", "--state", "NY", "--zip", "12208")


def _charge(cli: Cli, *args: str) -> int:
    r = cli.ok("charge", "add", "--patient", "P000001", "--date", "today", *args)
    return int(r.stdout.strip())


def _row(cli: Cli, charge_id: int) -> dict[str, Any]:
    rows = cli.json("charge", "list")
    assert isinstance(rows, list)
    return next(r for r in rows if r["id"] == charge_id)


def _entries(cli: Cli, charge_id: int) -> list[tuple[str, int]]:
    from sqlalchemy import text

    eng = cli.db.engine()
    try:
        with eng.connect() as c:
            rows = c.execute(text("SELECT kind, amount_cents FROM ledger_entry "
                                  "WHERE charge_id = :c ORDER BY id"), {"c": charge_id}).all()
    finally:
        eng.dispose()
    return [(r.kind, r.amount_cents) for r in rows]


def _audit(cli: Cli, action: str, entity: str) -> list[dict[str, Any]]:
    from sqlalchemy import text

    eng = cli.db.engine()
    try:
        with eng.connect() as c:
            rows = c.execute(text("SELECT before, after FROM audit_log WHERE action = :a AND "
                                  "entity = :e ORDER BY id"), {"a": action, "e": entity}).all()
    finally:
        eng.dispose()
    return [{"before": json.loads(r.before) if r.before else None,
             "after": json.loads(r.after) if r.after else None} for r in rows]


def _status(cli: Cli, pcn: str) -> str:
    return str(cli.db.scalar("SELECT status FROM claim WHERE pcn = :p", p=pcn))


def test_charge_update_fields_audit_and_ledger(charging: Cli) -> None:
    cli = charging
    cid = _charge(cli, "--code", "99213", "--dx", "E11.9")
    r = cli.ok("charge", "update", str(cid), "--code", "99214", "--units", "2", "--dx", "I10",
               "--dx", "E11.9", "--reason", "documentation supports 99214")
    assert r.stdout.strip() == str(cid)
    assert "possible duplicate" not in r.stderr
    row = _row(cli, cid)
    assert (row["code"], row["units"], row["fee"], row["amount"], row["diagnoses"],
            row["status"]) == ("99214", 2, "110.00", "220.00", ["I10", "E11.9"], "unbilled")
    (entry,) = _audit(cli, "update", "charge")
    assert entry["before"]["code"] == "99213" and entry["after"]["code"] == "99214"
    assert entry["before"]["amount_cents"] == 7500 and entry["after"]["amount_cents"] == 22000
    assert entry["after"]["reason"] == "documentation supports 99214"
    # The ledger follows the new amount: the old charge reversed, the new one posted.
    assert _entries(cli, cid) == [("charge", 7500), ("reversal", -7500), ("charge", 22000)]
    cli.ok("ledger", "check")
    # A change that keeps the amount leaves the ledger alone; the fee is kept for the same code.
    cli.ok("charge", "update", str(cid), "--modifier", "25", "--fee", "110", "--reason", "E/M")
    assert _row(cli, cid)["modifiers"] == ["25"]
    cli.ok("charge", "update", str(cid), "--no-modifiers", "--reason", "not separate")
    assert _row(cli, cid)["modifiers"] == [] and _row(cli, cid)["amount"] == "220.00"
    assert len(_entries(cli, cid)) == 3
    cli.ok("ledger", "check")


def test_charge_update_refusals_change_nothing(charging: Cli, tmp_path: Path) -> None:
    cli = charging
    cid = _charge(cli, "--code", "99213", "--dx", "E11.9")
    base = ("charge", "update", str(cid))
    cases = [
        (("--code", "99999"), "99999"),
        (("--dx", "E11"), "E11"),
        (("--units", "1000"), "Units 1000"),
        (("--fee", "abc"), "Fee"),
        (("--provider", "1111111111"), "1111111111"),
        (("--pos", "99"), "99"),
        (("--modifier", "ZZ"), "ZZ"),
        (("--ndc", "123"), "NDC"),
        (("--ndc", "00002-1433-80"), "NDC quantity"),
        ((), "Nothing to change"),
        (("--code", "99213"), "leaves charge"),
    ]
    for extra, needle in cases:
        r = cli.fails(3, *base, *extra, "--reason", "fix")
        assert needle in r.stderr, (extra, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1
    r = cli.fails(3, *base, "--code", "99214", "--reason", "  ")
    assert "needs a reason" in r.stderr
    r = cli.fails(3, "charge", "update", "999", "--code", "99214", "--reason", "x")
    assert "No charge 999" in r.stderr
    # A billed charge: rebuild first (held, not sent), or a replacement claim (sent).
    cli.ok("claim", "generate")
    r = cli.fails(3, *base, "--code", "99214", "--reason", "x")
    assert "on claim C00000001 (draft), not yet sent" in r.stderr
    assert "medbill claim rebuild C00000001" in r.stderr
    cli.ok("patient", "update", "P000001", *ADDRESS)
    cli.ok("claim", "scrub")
    cli.ok("claim", "export", "--format", "x12", "--output", str(tmp_path / "b.x12"))
    r = cli.fails(3, *base, "--code", "99214", "--reason", "x")
    assert "already sent" in r.stderr and "claim resubmit C00000001 --frequency 7" in r.stderr
    # A void charge.
    other = _charge(cli, "--code", "36415", "--dx", "E11.9")
    cli.ok("charge", "void", str(other), "--reason", "wrong patient")
    r = cli.fails(3, "charge", "update", str(other), "--units", "2", "--reason", "x")
    assert f"Charge {other} is void" in r.stderr


def test_held_claim_fixed_with_commands_alone(charging: Cli, tmp_path: Path) -> None:
    """A claim held for a missing patient address, with a wrong code on it: charge update,
    patient update, rebuild, generate, scrub (clean) and export fix it."""
    cli = charging
    cid = _charge(cli, "--code", "99213", "--dx", "E11.9")
    cli.ok("claim", "generate")
    r = cli("claim", "scrub")
    assert r.exit_code == 1 and _status(cli, "C00000001") == "held"
    cli.fails(3, "charge", "update", str(cid), "--code", "99214", "--reason", "x")

    r = cli.ok("claim", "rebuild", "C00000001", "--reason", "wrong code and no address")
    assert r.stdout.strip() == "1"
    assert _status(cli, "C00000001") == "rebuilt" and _row(cli, cid)["status"] == "unbilled"
    (claim_audit,) = _audit(cli, "rebuild", "claim")
    assert claim_audit["before"] == {"status": "held"}
    assert claim_audit["after"]["status"] == "rebuilt" and claim_audit["after"]["charges"] == [cid]
    assert _audit(cli, "unbill", "charge")[0]["after"] == {"status": "unbilled",
                                                          "claim": "C00000001"}
    # Rebuilt once is rebuilt for good.
    r = cli.fails(3, "claim", "rebuild", "C00000001", "--reason", "again")
    assert "C00000001 is rebuilt already" in r.stderr

    cli.ok("charge", "update", str(cid), "--code", "99214", "--reason", "documentation")
    cli.ok("patient", "update", "P000001", *ADDRESS)
    cli.ok("claim", "generate")
    r = cli("claim", "scrub")
    assert r.exit_code == 0, r.output
    out = tmp_path / "batch.x12"
    cli.ok("claim", "export", "--format", "x12", "--output", str(out))
    text = out.read_text()
    assert "CLM*C00000002*110" in text and "99214" in text and "C00000001" not in text
    claims = {c["pcn"]: c["status"] for c in cli.json("claim", "list")}  # type: ignore[union-attr]
    assert claims == {"C00000001": "rebuilt", "C00000002": "submitted"}
    assert _row(cli, cid)["status"] == "billed"
    cli.ok("ledger", "check")

    # A sent claim is not rebuilt: the message names both statuses and the way to correct it.
    r = cli.fails(3, "claim", "rebuild", "C00000002", "--reason", "x")
    assert "from submitted to rebuilt" in r.stderr and "claim resubmit C00000002" in r.stderr
    r = cli.fails(3, "claim", "rebuild", "C00000009", "--reason", "x")
    assert "No claim C00000009" in r.stderr
    r = cli.fails(3, "claim", "rebuild", "C00000002", "--reason", "")
    assert "needs a reason" in r.stderr


def test_claim_resubmit_takes_the_payer_claim_number(practice: Cli, tmp_path: Path) -> None:
    cli = practice
    p = exported(cli, tmp_path)
    d8 = DOS.strftime("%Y%m%d")
    f = tmp_path / "alpha.835"
    f.write_text(build_835([ClaimSpec(p["Charlie"], "1", "100", "80", payer_claim_number="ICN42",
                                      lines=[Line("99213", "100", "80", [("CO", "45", "20")],
                                                  date=d8)])], trace="T9"))
    cli.ok("era", "import", str(f))
    # From the posted 835 (CLP07), without typing it.
    new = cli.json("claim", "resubmit", p["Charlie"], "--frequency", "7")
    assert isinstance(new, dict)
    assert new["payer_claim_number"] == "ICN42" and new["frequency"] == "7"
    assert _status(cli, p["Charlie"]) == "closed"
    # From the 277CA (REF*1K), as ack import stores it on the claim.
    cli.db.execute("UPDATE claim SET payer_claim_number = 'ACK1K7' WHERE pcn = :p", p=p["Delta"])
    new = cli.json("claim", "resubmit", p["Delta"], "--frequency", "8")
    assert isinstance(new, dict) and new["payer_claim_number"] == "ACK1K7"
    # A number given wins.
    new = cli.json("claim", "resubmit", p["Alpha"], "--frequency", "7",
                   "--payer-claim-number", "TYPED1")
    assert isinstance(new, dict) and new["payer_claim_number"] == "TYPED1"
    # None known and none given: one line, nothing written.
    r = cli.fails(3, "claim", "resubmit", p["Bravo"], "--frequency", "7")
    assert f"Claim {p['Bravo']} has no payer claim number" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    # The replacement is a draft, never sent: it cannot be resubmitted.
    r = cli.fails(3, "claim", "resubmit", str(new["id"]), "--frequency", "7",
                  "--payer-claim-number", "X1")
    assert "from draft to closed" in r.stderr


def test_charge_update_of_a_line_moved_to_a_payer(charging: Cli) -> None:
    """A self-pay charge later billed to a coverage added after entry (``ledger.bill_to``, as
    a claim to that coverage moves it): the correction takes back the move with the old
    amount, and the new amount belongs to the coverage in force."""
    from ledger_support import connection

    from medbill_cli.services import ledger

    cli = charging
    r = cli.ok("charge", "add", "--patient", "P000002", "--date", "today", "--code", "99213",
               "--dx", "E11.9")
    cid = int(r.stdout.strip())
    cli.ok("coverage", "add", "P000002", "--payer", "ACME1", "--member-id", "ZZ1")
    cov = int(cli.db.scalar("SELECT max(id) FROM coverage"))  # type: ignore[arg-type]
    with connection(cli.db) as c:
        ledger.bill_to(session=c, user="tester", charge_ids=[cid], coverage_id=cov)
    cli.ok("charge", "update", str(cid), "--fee", "80", "--reason", "fee corrected")
    with connection(cli.db) as c:
        bal = {(p.kind, amount) for p, amount in ledger.line_balances(c, [cid])[cid].items()
               if amount}
    assert bal == {("primary", 8000)}
    cli.ok("ledger", "check")
