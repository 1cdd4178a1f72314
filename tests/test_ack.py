"""ack import / list / show: TA1, 999, 277CA and 277 answers to a batch medbill exported,
on SQLite and PostgreSQL. Every fixture is built from the exported batch and validated with
pyx12's own 999 (005010X231A1) and 277CA (005010X214) maps before it is imported."""

from __future__ import annotations

import json
from pathlib import Path

from ack_support import (
    IK3,
    WHEN,
    Answer,
    ack_277,
    ack_277ca,
    ack_999,
    assert_pyx12_valid,
    envelope,
    export_claims,
    sent,
    ta1,
    write,
)
from conftest import Cli


def statuses(cli: Cli) -> dict[str, str]:
    eng = cli.db.engine()
    try:
        from sqlalchemy import text

        with eng.connect() as c:
            return dict(c.execute(text("SELECT pcn, status FROM claim")).all())  # type: ignore[arg-type]
    finally:
        eng.dispose()


def test_ack_scenario_999_then_277ca_17_accepted_3_rejected(practice: Cli, tmp_path: Path) -> None:
    batch, _ = export_claims(practice, tmp_path, 20)
    s = sent(batch)
    assert len(s.claims) == 20
    f999 = write(tmp_path, "batch.999", ack_999(s))
    assert_pyx12_valid(f999)
    r = practice.ok("ack", "import", str(f999), "--format", "json")
    out = json.loads(r.stdout)
    assert out["kind"] == "999" and len(out["answers"]) == 20
    assert set(statuses(practice).values()) == {"accepted"}

    reasons = {s.claims[3][0]: "A7:164:IL", s.claims[9][0]: "A6:562:DN", s.claims[15][0]: "A7:255"}
    answers = [Answer(pcn, charge, reasons.get(pcn, "A2:20:PR"),
                      None if pcn in reasons else f"ICN{i:05d}")
               for i, (pcn, charge) in enumerate(s.claims)]
    f277 = write(tmp_path, "batch.277", ack_277ca(s, answers, source="PR"))
    assert_pyx12_valid(f277)
    r = practice.ok("ack", "import", str(f277))
    assert "17 accepted, 3 rejected" in r.stderr
    st = statuses(practice)
    assert sorted(p for p, v in st.items() if v == "rejected") == sorted(reasons)
    assert sum(v == "accepted" for v in st.values()) == 17
    assert practice.db.scalar("SELECT payer_claim_number FROM claim WHERE pcn = :p",
                              p=s.claims[0][0]) == "ICN00000"
    # One audit row per claim the 277CA changed: 17 payer claim numbers, 3 rejections.
    assert practice.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'ack' "
                              "AND entity = 'claim'") == 20 + 20
    assert practice.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'ack' "
                              "AND after LIKE '%payer_claim_number%'") == 17

    w = practice("worklist", "rejected", "--format", "json")
    assert w.exit_code == 1, w.output
    items = json.loads(w.stdout)
    assert sorted(i["pcn"] for i in items) == sorted(reasons)
    by = {i["pcn"]: i["reason"] for i in items}
    member, referring, dx = by[s.claims[3][0]], by[s.claims[9][0]], by[s.claims[15][0]]
    assert "contract or member number" in member and "insured or subscriber" in member
    assert "information missing" in referring and "referring provider" in referring
    assert "the diagnosis code" in dx
    assert all(i["action"] and i["age_days"] == 0 for i in items)
    listed = practice.json("claim", "list", "--status", "rejected")
    assert {c["pcn"]: c["reason"] for c in listed} == by
    assert all(c["reason"] is None for c in practice.json("claim", "list", "--status", "accepted"))
    table = practice.ok("claim", "list", "--status", "rejected").stdout
    assert "reason" in table and "referring" in table

    hist = practice.json("claim", "history", s.claims[3][0])
    events = [h["event"] for h in hist]
    assert events[:3] == ["generated", "scrubbed", "exported"]
    assert any(e.startswith("accepted (999") for e in events)
    assert events[-1].startswith("rejected (277CA")
    assert hist[-1]["source"] == "277CA payer" and hist[-1]["status"] == "rejected"
    assert "batch 1" in hist[2]["detail"]
    acks = practice.json("ack", "list")
    assert [(a["kind"], a["claims"], a["rejected"]) for a in acks] == [("277CA", 20, 3),
                                                                       ("999", 20, 0)]
    practice.ok("audit", "verify")



def _visit_codes(cli: Cli) -> None:
    """The CPT and place-of-service codes charge entry looks up (export_claims loads ICD-10)."""
    from sqlmodel import Session

    from medbill_cli.db.models import Code

    eng = cli.db.engine()
    try:
        with Session(eng) as s:
            for system, code in (("cpt", "99213"), ("pos", "11")):
                s.add(Code(system=system, code=code, long_description=f"{code} test",
                           billable=True, version="test"))
            s.commit()
    finally:
        eng.dispose()


def _ids(cli: Cli, pcn: str) -> tuple[int, int, int]:
    """The (charge, encounter, coverage) ids behind a one-line claim."""
    charge = int(str(cli.db.scalar(
        "SELECT cl.charge_id FROM claim_line cl JOIN claim c ON c.id = cl.claim_id "
        "WHERE c.pcn = :p", p=pcn)))
    enc = int(str(cli.db.scalar("SELECT encounter_id FROM charge WHERE id = :c", c=charge)))
    cov = int(str(cli.db.scalar("SELECT cv.id FROM coverage cv JOIN charge ch ON "
                                "ch.patient_id = cv.patient_id WHERE ch.id = :c", c=charge)))
    return charge, enc, cov


def test_ack_scenario_rejections_corrected_with_the_commands_and_sent_again(
        practice: Cli, tmp_path: Path) -> None:
    """Issue #14 to its end: the 3 claims a 277CA rejected are rebuilt, their data fixed with
    coverage update, encounter update and charge update, and sent again as new originals."""
    batch, _ = export_claims(practice, tmp_path, 20)
    s = sent(batch)
    practice.ok("ack", "import", str(write(tmp_path, "batch.999", ack_999(s))))
    member, referring, dx = s.claims[3][0], s.claims[9][0], s.claims[15][0]
    reasons = {member: "A7:164:IL", referring: "A6:562:DN", dx: "A7:255"}
    answers = [Answer(pcn, charge, reasons.get(pcn, "A2:20:PR"),
                      None if pcn in reasons else f"ICN{i:05d}")
               for i, (pcn, charge) in enumerate(s.claims)]
    f277 = write(tmp_path, "batch.277", ack_277ca(s, answers, source="PR"))
    assert_pyx12_valid(f277)
    assert "17 accepted, 3 rejected" in practice.ok("ack", "import", str(f277)).stderr
    assert practice("worklist", "rejected").exit_code == 1

    _, _, cov = _ids(practice, member)
    old_member = str(practice.db.scalar("SELECT member_id FROM coverage WHERE id = :c", c=cov))
    _, enc, _ = _ids(practice, referring)
    charge, _, _ = _ids(practice, dx)
    for pcn in reasons:
        practice.ok("claim", "rebuild", pcn, "--reason", f"277CA {reasons[pcn]}")
    practice.ok("coverage", "update", str(cov), "--member-id", "XJ55501234",
                "--reason", "277CA A7:164 invalid member id")
    practice.ok("encounter", "update", str(enc), "--referring-npi", "1245319599",
                "--referring-name", "SMITH, JOHN", "--reason", "277CA A6:562 referring missing")
    _visit_codes(practice)
    practice.ok("charge", "update", str(charge), "--dx", "E11.9",
                "--reason", "277CA A7:255 invalid diagnosis")
    practice.ok("claim", "generate")
    r = practice.ok("claim", "scrub")
    drafts = practice.json("claim", "list", "--status", "ready")
    assert isinstance(drafts, list) and len(drafts) == 3, (r.stdout, r.stderr, drafts)
    second = tmp_path / "second.x12"
    practice.ok("claim", "export", "--format", "x12", "--output", str(second))
    assert_pyx12_valid(second)
    again = sent(second)
    new_pcns = [pcn for pcn, _ in again.claims]
    assert len(new_pcns) == 3 and not set(new_pcns) & {pcn for pcn, _ in s.claims}
    text = second.read_text()
    segs = [ln.rstrip("~") for ln in text.replace("\n", "").split("~")]
    assert any(seg.startswith("NM1*IL*") and seg.endswith("*MI*XJ55501234") for seg in segs)
    assert not any(seg.endswith(f"*MI*{old_member}") for seg in segs)
    assert "NM1*DN*1*SMITH*JOHN****XX*1245319599" in segs
    assert "NM1*DN" not in batch.read_text()  # the first batch had no referring provider
    assert any(seg.startswith("HI*ABK:E119") for seg in segs)
    clm = [seg.split("*") for seg in segs if seg.startswith("CLM*")]
    assert [c[5].split(":")[2] for c in clm] == ["1", "1", "1"]  # originals, not replacements

    for pcn in reasons:
        events = [h["event"] for h in practice.json("claim", "history", pcn)]
        assert events[:3] == ["generated", "scrubbed", "exported"], events
        assert any(e.startswith("accepted (999") for e in events), events
        assert any(e.startswith("rejected (277CA") for e in events), events
        assert any(e.startswith("rebuilt") for e in events), events
    assert {c["status"] for c in practice.json("claim", "list")
            if c["pcn"] in reasons} == {"rebuilt"}
    practice.ok("worklist", "rejected")
    practice.ok("ledger", "check")
    practice.ok("audit", "verify")


def test_ack_999_rejecting_the_transaction_rejects_all_its_claims(practice: Cli,
                                                                  tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 3)[0])
    errs = [IK3("NM1", 22, "2000", "8", [("9", "67", "7", "XX")]), IK3("DMG", 24, "", "3")]
    f = write(tmp_path, "r.999", ack_999(s, "R", errs))
    assert_pyx12_valid(f)
    practice.ok("ack", "import", str(f))
    assert set(statuses(practice).values()) == {"rejected"}
    rec = practice.json("ack", "show", "1")
    assert [(e["segment"], e["position"], e["loop"], e["element"], e["element_code"])
            for e in rec["errors"]] == [
        ("NM1", "22", "2000", "9", "7"), ("DMG", "24", "", "", "")]
    assert "invalid code value" in rec["errors"][0]["message"]
    assert "a required segment is missing" in rec["errors"][1]["message"]
    reason = rec["claim_answers"][0]["message"]
    assert "rejected" in reason and "NM1 at position 22 in loop 2000" in reason
    w = practice("worklist", "rejected", "--format", "csv")
    assert w.exit_code == 1 and w.stdout.count("\n") == 4
    table = practice.ok("ack", "show", "1").stdout
    assert "Ack 1" in table and "a required segment is missing" in table
    csv = practice.ok("ack", "show", "1", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("id,kind,sender,control") and csv[1].startswith("1,999,")
    listing = practice.ok("ack", "list", "--format", "csv").stdout.splitlines()
    assert len(listing) == 2 and listing[1].startswith("1,999,")
    assert "999" in practice.ok("ack", "list").stdout


def test_ack_999_accepted_with_errors_keeps_the_warnings(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 2)[0])
    errs = [IK3("REF", 12, "", "8", [("2", "127", "5", "")])]
    f = write(tmp_path, "e.999", ack_999(s, "E", errs))
    assert_pyx12_valid(f)
    practice.ok("ack", "import", str(f))
    assert set(statuses(practice).values()) == {"accepted"}
    rec = practice.json("ack", "show", "1")
    assert rec["errors"][0]["element_code"] == "5"
    assert "accepted with errors noted" in rec["claim_answers"][0]["message"]
    assert "the element is too long" in rec["claim_answers"][0]["message"]


def test_ack_ta1_rejection_rejects_the_interchange(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 2)[0])
    f = write(tmp_path, "r.ta1", ta1(s, "R", "006"))
    assert_pyx12_valid(f)
    practice.ok("ack", "import", str(f))
    assert set(statuses(practice).values()) == {"rejected"}
    items = practice.json("ack", "show", "1")["claim_answers"]
    assert {i["source"] for i in items} == {"ta1"}
    assert "the sender id is invalid" in items[0]["message"]


def test_ack_ta1_acceptance_moves_nothing(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 2)[0])
    f = write(tmp_path, "a.ta1", ta1(s, "A", "000"))
    assert_pyx12_valid(f)
    practice.ok("ack", "import", str(f))
    assert set(statuses(practice).values()) == {"submitted"}
    hist = practice.json("claim", "history", s.claims[0][0])
    assert hist[-1]["event"] == "interchange acknowledged (TA1 ack 1)"


def test_ack_reads_any_delimiters(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 2)[0])
    text = ack_999(s).replace("*", "|").replace("~\n", "\n").replace("|:\n", "|>\n")
    # ISA16 is the component separator (">" here) and "\n" ends each segment.
    text = text.replace("~", "")
    f = write(tmp_path, "pipes.999", text)
    assert_pyx12_valid(f)
    practice.ok("ack", "import", str(f))
    assert set(statuses(practice).values()) == {"accepted"}


def test_ack_refuses_bad_files(practice: Cli, tmp_path: Path) -> None:
    batch, _ = export_claims(practice, tmp_path, 2)
    s = sent(batch)
    r = practice.fails(3, "ack", "import", str(batch))  # an 837 is none of these
    assert "is not a 999, 277CA or 277" in r.stderr
    junk = write(tmp_path, "junk.txt", "hello, this is not X12\n")
    practice.fails(3, "ack", "import", str(junk))
    stranger = write(tmp_path, "x.999", ack_999(s, gs="4242"))
    r = practice.fails(3, "ack", "import", str(stranger))
    assert "GS06 4242" in r.stderr and "never sent" in r.stderr
    wrong_st = write(tmp_path, "st.999", ack_999(s, st="0777"))
    assert "transaction set 0777" in practice.fails(3, "ack", "import", str(wrong_st)).stderr
    full = ack_999(s)
    no_iea = write(tmp_path, "t1.999", full[: full.index("IEA")])
    assert "no IEA" in practice.fails(3, "ack", "import", str(no_iea)).stderr
    no_se = write(tmp_path, "t2.999", full[: full.index("SE*")] + full[full.index("GE*"):])
    assert "no SE" in practice.fails(3, "ack", "import", str(no_se)).stderr
    unknown_ta1 = write(tmp_path, "u.ta1", ta1(s).replace(f"TA1*{s.isa}", "TA1*000000999"))
    assert "interchange 999" in practice.fails(3, "ack", "import", str(unknown_ta1)).stderr
    good = write(tmp_path, "ok.999", full)
    practice.ok("ack", "import", str(good))
    r = practice.fails(3, "ack", "import", str(good))
    assert "imported already (ack 1" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    # The same interchange under another name, with a byte changed, is still the same file.
    again = write(tmp_path, "again.999", full.replace("\n", "\r\n"))
    assert "imported already" in practice.fails(3, "ack", "import", str(again)).stderr
    practice.fails(3, "ack", "show", "99")


def test_ack_277ca_for_unknown_claims_is_kept_unmatched(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 2)[0])
    f = write(tmp_path, "u.277", ack_277ca(s, [Answer("ZZ0001", "10", "A2:20:PR"),
                                                 Answer("ZZ0002", "20", "A7:164:IL")]))
    assert_pyx12_valid(f)
    r = practice("ack", "import", str(f))
    assert r.exit_code == 1, r.output
    assert "2 claim(s) match none of ours: ZZ0001, ZZ0002" in r.stderr
    assert set(statuses(practice).values()) == {"submitted"}
    (row,) = practice.json("ack", "list")
    assert row["unmatched"] == 2 and row["claims"] == 2
    answers = practice.json("ack", "show", str(row["id"]))["claim_answers"]
    assert [a["outcome"] for a in answers] == ["unmatched", "unmatched"]


def test_ack_277ca_odd_category_is_flagged_and_moves_nothing(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 2)[0])
    (p1, c1), (p2, c2) = s.claims
    f = write(tmp_path, "odd.277", ack_277ca(s, [Answer(p1, c1, "F1:1"), Answer(p2, c2, "A4:35")]))
    r = practice.ok("ack", "import", str(f))
    assert f"claim {p1}: category F1 is not one a 277CA may carry" in r.stderr
    assert set(statuses(practice).values()) == {"submitted"}
    answers = {a["pcn"]: a for a in practice.json("ack", "show", "1")["claim_answers"]}
    assert answers[p1]["flagged"] and answers[p1]["outcome"] == "unknown"
    assert answers[p2]["outcome"] == "not_found" and "claim not found" in answers[p2]["message"]


def test_ack_277ca_after_payment_is_history_only(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 1)[0])
    practice.db.execute("UPDATE claim SET status = 'paid'")
    answer = Answer(s.claims[0][0], s.claims[0][1], "A7:164:IL")
    f = write(tmp_path, "late.277", ack_277ca(s, [answer]))
    practice.ok("ack", "import", str(f))
    assert set(statuses(practice).values()) == {"paid"}
    assert practice.json("claim", "history", "1")[-1]["event"] == "rejected (277CA ack 1)"


def test_claim_status_request_and_277_answer(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 3)[0])
    aged = ("submitted_at - INTERVAL '40 days'" if practice.db.kind == "postgresql"
            else "datetime(submitted_at, '-40 days')")
    practice.db.execute(f"UPDATE claim SET submitted_at = {aged} WHERE id = 1")
    out = tmp_path / "status.276"
    r = practice.ok("claim", "status-request", "--older-than", "30", "--output", str(out))
    assert "for 1 claim(s)" in r.stderr
    text = out.read_text()
    segs = [seg.strip().split("*") for seg in text.split("~") if seg.strip()]
    assert segs[1][:2] == ["GS", "HR"] and segs[1][8] == "005010X212"
    assert segs[2][:2] == ["ST", "276"]
    assert [x[2] for x in segs if x[0] == "TRN"] == [s.claims[0][0]]
    assert segs[-2][:2] == ["GE", "1"] and segs[-3][0] == "SE"
    assert int(segs[-3][1]) == len(segs) - 4  # ST through SE
    assert (out.stat().st_mode & 0o777) == 0o600
    # A later batch's control number does not repeat the 276's.
    assert int(segs[0][13]) == 2
    hist = practice.json("claim", "history", "1")
    assert hist[-1]["event"] == "status requested" and "status.276" in hist[-1]["detail"]
    every = tmp_path / "all.276"
    practice.ok("claim", "status-request", "--output", str(every), "2", "3")
    assert every.read_text().count("TRN*1*") == 2

    answer = write(tmp_path, "answer.277", ack_277(s, [
        Answer(s.claims[0][0], s.claims[0][1], "P1:20:PR", "ICN777"),
        Answer(s.claims[1][0], s.claims[1][1], "A7:33:IL")]))
    practice.ok("ack", "import", str(answer))
    st = statuses(practice)
    assert st[s.claims[0][0]] == "submitted" and st[s.claims[1][0]] == "rejected"
    rec = practice.json("ack", "list")[0]
    assert rec["kind"] == "277"
    assert practice.db.scalar("SELECT payer_claim_number FROM claim WHERE id = 1") == "ICN777"
    last = practice.json("claim", "history", "1")[-2:]
    assert {h["event"] for h in last} == {"pending (277 ack 1)", "payer claim number stored"}
    assert any("P1 pending: in process" in h["detail"] for h in last)


def test_claim_status_request_refusals(practice: Cli, tmp_path: Path) -> None:
    export_claims(practice, tmp_path, 1)
    out = tmp_path / "s.276"
    practice.fails(3, "claim", "status-request", "--older-than", "30", "--output", str(out))
    practice.fails(3, "claim", "status-request", "999", "--output", str(out))
    practice.db.execute("UPDATE claim SET status = 'paid'")
    r = practice.fails(3, "claim", "status-request", "1", "--output", str(out))
    assert "is paid" in r.stderr
    r = practice.fails(4, "claim", "status-request", "--output", str(tmp_path / "no" / "s.276"))
    assert "does not exist" in r.stderr
    assert not out.exists()
    practice.fails(3, "claim", "history", "C99999999")


def test_ack_999_group_only_answer_applies_to_the_batch(practice: Cli, tmp_path: Path) -> None:
    """Some clearinghouses answer a rejected group with AK1 and AK9 alone, no AK2."""
    s = sent(export_claims(practice, tmp_path, 2)[0])
    body = [f"AK1*HC*{s.gs}*005010X222A1", "AK9*R*1*1*0"]
    f = write(tmp_path, "g.999", envelope(s, body, gs_id="FA", version="005010X231A1",
                                          control=8101, when=WHEN))
    assert_pyx12_valid(f)
    practice.ok("ack", "import", str(f))
    assert set(statuses(practice).values()) == {"rejected"}


def test_ack_ta1_rejection_wins_over_a_999_in_the_same_file(practice: Cli, tmp_path: Path) -> None:
    s = sent(export_claims(practice, tmp_path, 2)[0])
    text = ack_999(s)
    isa_end = text.index("~") + 1
    text = text[:isa_end] + f"\nTA1*{s.isa}*260105*1200*R*024~" + text[isa_end:]
    f = write(tmp_path, "both.999", text)
    assert_pyx12_valid(f)
    practice.ok("ack", "import", str(f))
    assert set(statuses(practice).values()) == {"rejected"}
    reason = json.loads(practice("worklist", "rejected", "--format", "json").stdout)[0]["reason"]
    assert "the interchange content is invalid" in reason
