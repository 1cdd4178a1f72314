"""The 270 writer and the 271 reader on their own: no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from medbill_cli.services.eligibility import summarize
from medbill_cli.x12 import p270, p271

DATA = Path(__file__).parent / "data" / "eligibility"
NOW = dt.datetime(2026, 12, 2, 8, 0)
ENV = p270.Envelope(sender_id="MAINST01", receiver_id="CLEARHOUSE", control_number=7, created=NOW)
JANE = p270.Person("Doe", "Jane", dt.date(1980, 4, 2), "F", "Q", "XJ123456789")
MARY = p270.Person("Roe", "Mary", dt.date(1982, 5, 1), "F", None, "SUB998877")
TIM = p270.Person("Roe", "Tim", dt.date(2015, 6, 1), "M")


def _inquiry(subscriber: p270.Person, dependent: p270.Person | None = None,
             types: tuple[str, ...] = ("30",), trace: str = "7-1") -> p270.Inquiry:
    return p270.Inquiry(trace=trace, payer_name="Acme Health", payer_id="ACME1",
                        provider_name="Main Street Family Medicine", provider_npi="1234567893",
                        subscriber=subscriber, dependent=dependent,
                        date_of_service=dt.date(2026, 12, 3), service_types=types)


def test_270_subscriber_matches_hand_written_file() -> None:
    text = p270.write_270([_inquiry(JANE)], ENV, originator="1123456789")
    assert text == (DATA / "270_subscriber.x12").read_text()


def test_270_dependent_matches_hand_written_file() -> None:
    text = p270.write_270([_inquiry(MARY, TIM, ("30", "98"))], ENV, originator="1123456789")
    assert text == (DATA / "270_dependent.x12").read_text()


def test_270_groups_by_payer_and_counts_segments() -> None:
    other = p270.Inquiry(**{**_inquiry(JANE, trace="7-3").__dict__, "payer_id": "BCN02",
                            "payer_name": "Beacon"})
    text = p270.write_270([_inquiry(JANE), _inquiry(MARY, TIM, trace="7-2"), other], ENV,
                          originator="1123456789")
    segs = [s for s in text.replace("\n", "").split("~") if s]
    st, se = segs.index(next(s for s in segs if s.startswith("ST*"))), len(segs) - 3
    assert segs[se] == f"SE*{se - st + 1}*0007"
    hls = [s for s in segs if s.startswith("HL*")]
    assert [h.split("*")[3] for h in hls] == ["20", "21", "22", "22", "23", "20", "21", "22"]
    assert hls[5] == "HL*6**20*1" and hls[7] == "HL*8*7*22*0"
    assert text.count("TRN*1*") == 3
    assert "NM1*IL*1*DOE*JANE*Q***MI*XJ123456789~" in text
    # The 271 reader accepts the writer's envelope structure (the same checks apply).
    assert p270.clean("Ñoño*~ x") == "NONO X"


def _active() -> p271.Interchange:
    return p271.parse_271((DATA / "active.271").read_bytes())


def test_271_reads_subscriber_and_dependent_answers() -> None:
    inter = _active()
    assert inter.control_number == "000000905"
    jane, tim = inter.answers
    assert (jane.trace, jane.member_id, jane.last_name, jane.dependent) == (
        "1-1", "XJ123456789", "DOE", False)
    assert jane.dob == dt.date(1980, 4, 2) and jane.group_number == "G100"
    assert (tim.trace, tim.member_id, tim.first_name, tim.dependent) == (
        "1-2", "SUB998877", "TIM", True)
    assert (tim.subscriber_first_name, tim.subscriber_last_name) == ("MARY", "ROE")
    copay = [b for b in jane.benefits if b.code == "B" and b.in_network == "Y"][0]
    assert copay.amount_cents == 2500 and copay.service_types == ("98",) and copay.period == "27"
    other = [b for b in jane.benefits if b.code == "R"][0]
    assert other.entities == (p271.Entity("PR", "STATE MEDICAID", "SKNY0"),)
    assert other.messages == ("OTHER COVERAGE ON FILE",)


def test_271_any_delimiters() -> None:
    text = (DATA / "active.271").read_text()
    isa, rest = text.split("~\n", 1)
    isa = isa.replace("*", "|")[:-1] + ">"  # ISA16 ':' -> '>'
    body = rest.replace("*", "|").replace("~\n", "\r\n").replace("EB|1|IND|30|", "EB|1|IND|30}98|")
    inter = p271.parse_271((isa.replace("|^|", "|}|") + "\r\n" + body).encode())
    jane = inter.answers[0]
    active = [b for b in jane.benefits if b.code == "1"][0]
    assert active.service_types == ("30", "98")
    assert summarize(jane, dt.date(2026, 12, 3))["deductible_in_remaining"] == "400.00"


def test_271_summary_of_active_plan() -> None:
    jane = _active().answers[0]
    s = summarize(jane, dt.date(2026, 12, 3))
    assert s["status"] == "active" and s["plan_name"] == "ACME GOLD PPO"
    assert (s["copay_in_network"], s["copay_out_of_network"]) == ("25.00", "60.00")
    assert (s["deductible_in_total"], s["deductible_in_remaining"]) == ("1500.00", "400.00")
    # Outside the plan dates the same answer is not active on that day.
    late = summarize(jane, dt.date(2027, 1, 5))
    assert late["status"] == "inactive" and "2027-01-05" in late["note"]


def test_271_rejection_reasons_in_words() -> None:
    inter = p271.parse_271((DATA / "rejected.271").read_bytes())
    (a,) = inter.answers
    assert a.rejections == (p271.Rejection("2100C", "N", "72", "C"),)
    s = summarize(a, dt.date(2026, 12, 3))
    assert s["status"] == "rejected"
    assert s["rejection"] == "72: the member id is missing or not valid"
    words = {c: p271.reason_words(c) for c in ("72", "73", "75", "58", "42", "67", "ZZ")}
    assert words["73"] == "the subscriber name is missing or not valid"
    assert words["75"] == "the payer cannot find the subscriber"
    assert words["58"] == "the date of birth is missing or not valid"
    assert words["42"] == "the payer cannot answer right now"
    assert "not in medbill's table" in words["ZZ"]


def test_271_payer_level_rejection_reaches_every_answer() -> None:
    payer = "NM1*PR*2*ACME HEALTH*****PI*ACME1~\n"
    text = (DATA / "rejected.271").read_text().replace(payer, payer + "AAA*N**42*P~\n")
    text = text.replace("SE*12*", "SE*13*")
    (a,) = p271.parse_271(text).answers
    assert [r.reason for r in a.rejections] == ["42", "72"]
    assert a.rejections[0].loop == "2100A"


@pytest.mark.parametrize("change, message", [
    (("ST*271*", "ST*835*"), "Not a 271: the transaction set is '835'"),
    (("GS*HB*", "GS*HC*"), "Not a 271: the functional group is 'HC'"),
    (("SE*44*0001", "SE*40*0001"), "SE01 says 40 segments; the set has 44"),
    (("SE*44*0001", "SE*44*0002"), "SE02 '0002' does not match ST02 '0001'"),
    (("GE*1*905", "GE*2*905"), "GE01 says 2 transaction sets"),
    (("GE*1*905", "GE*1*904"), "GE02 '904' does not match GS06 '905'"),
    (("IEA*1*000000905", "IEA*1*000000904"), "IEA02 '000000904' does not match ISA13"),
    (("IEA*1*000000905", "IEA*2*000000905"), "IEA01 says 2 groups"),
    (("DMG*D8*19800402", "DMG*D8*19801332"), "'19801332' is not a CCYYMMDD date"),
    (("EB*C*IND*30*C1**23*1500*", "EB*C*IND*30*C1**23*15.001*"), "fraction of a cent"),
])
def test_271_structure_errors(change: tuple[str, str], message: str) -> None:
    text = (DATA / "active.271").read_text()
    assert change[0] in text
    with pytest.raises(p271.Eligibility271Error) as err:
        p271.parse_271(text.replace(*change))
    assert message in str(err.value)
    assert err.value.segment > 0


@pytest.mark.parametrize("cut", ["IEA*", "GE*", "SE*", "HL*4*"])
def test_271_truncated(cut: str) -> None:
    text = (DATA / "active.271").read_text()
    with pytest.raises(p271.Eligibility271Error):
        p271.parse_271(text[: text.index(cut)])


def test_271_not_x12() -> None:
    with pytest.raises(p271.Eligibility271Error, match="does not start with an ISA"):
        p271.parse_271(b"hello, world" * 20)
    with pytest.raises(p271.Eligibility271Error, match="cut short"):
        p271.parse_271("ISA*00*" + " " * 120)
