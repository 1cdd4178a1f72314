"""Secondary-claim tests: a practice with three payers, patients with two or three coverages,
visits through the commands, and 835s answering our claims (``era_support.build_835``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from claim_support import add_patient
from conftest import NPI_PROVIDER, Cli
from era_support import ClaimSpec, Line, build_835
from test_claim_loops import PRACTICE, _cpt
from test_x12_837p import x12check_tool
from x12_support import assert_valid_837, pyx12_errors, segments

PAYERS = (("Second Health", "SECND", "CI"), ("Third Mutual", "THIRD", "CI"))


def cob_practice(cli: Cli) -> None:
    """The practice with clearinghouse ids, the CPT codes the visits use, and two more payers
    (ACME1 and BCN02, Medicare, come with the ``practice`` fixture)."""
    _cpt(cli, "99213", "87880")
    cli.ok(*PRACTICE)
    for name, pid, fi in PAYERS:
        cli.ok("payer", "add", "--name", name, "--payer-id", pid, "--filing-indicator", fi)


def patient_with(cli: Cli, last: str, *payers: str, dos: str,
                 later: tuple[str, ...] = ()) -> str:
    """A patient with one coverage per payer, in payer order (primary first), and a two-line
    visit on ``dos`` (99213 125.00, 87880 25.50). ``later``: more options for the coverages
    after the primary."""
    a = add_patient(cli, "Pat", last)
    for payer, priority in zip(payers, ("primary", "secondary", "tertiary"), strict=False):
        cli.ok("coverage", "add", a, "--payer", payer, "--member-id", f"{payer[:3]}{last.upper()}",
               "--priority", priority, "--group", f"G{payer[:3]}",
               *(later if priority != "primary" else ()))
    cli.ok("encounter", "add", "--patient", a, "--date", dos, "--provider", NPI_PROVIDER)
    cli.ok("charge", "add", "--patient", a, "--date", dos, "--code", "99213", "--fee", "125.00",
           "--dx", "J06.9")
    cli.ok("charge", "add", "--patient", a, "--date", dos, "--code", "87880", "--fee", "25.50",
           "--dx", "J06.9")
    return a


def claim_lines(cli: Cli, pcn: str) -> list[str]:
    """The claim's line ids (REF*6R), in line order."""
    rows = cli.json("claim", "show", pcn)
    assert isinstance(rows, dict)
    ids = []
    for ln in rows["lines"]:
        ids.append(str(cli.db.scalar(
            "SELECT cl.id FROM claim_line cl JOIN claim c ON c.id = cl.claim_id "
            "WHERE c.pcn = :p AND cl.line_number = :n", p=pcn, n=ln["line"])))
    return ids


def spec(pcn: str, status: str, lines: list[Line], *, number: str,
         moa: list[str] | None = None) -> ClaimSpec:
    """A CLP whose charge and paid amounts are its lines' sums."""
    charge = sum(Decimal(ln.charge) for ln in lines)
    paid = sum(Decimal(ln.paid) for ln in lines)
    return ClaimSpec(pcn, status, str(charge), str(paid), lines=lines,
                     payer_claim_number=number, moa=moa or [])


def answer(cli: Cli, tmp_path: Path, pcn: str, status: str, lines: list[Line], *,
           trace: str, number: str, moa: list[str] | None = None,
           payer_name: str = "ACME HEALTH") -> Path:
    """An 835 paying ``pcn`` with these lines (charge, paid and CAS as given), imported."""
    return post(cli, tmp_path, [spec(pcn, status, lines, number=number, moa=moa)], trace=trace,
                payer_name=payer_name)


def _recount(text: str) -> str:
    """SE01 after an edit added segments: ST..SE inclusive."""
    segs = text.split("~\n")
    st = next(i for i, s in enumerate(segs) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
    segs[se] = f"SE*{se - st + 1}*{segs[se].split('*')[2]}"
    return "~\n".join(segs)


def post(cli: Cli, tmp_path: Path, claims: list[ClaimSpec], *, trace: str,
         payer_name: str = "ACME HEALTH", edit: Callable[[str], str] | None = None) -> Path:
    """An 835 of these claims (``edit`` changes its text), checked by pyx12 and imported."""
    f = tmp_path / f"{trace}.835"
    text = build_835(claims, trace=trace, payer_name=payer_name)
    f.write_text(_recount(edit(text)) if edit else text)
    assert pyx12_errors(f) == []
    cli.ok("era", "import", str(f))
    return f


def export(cli: Cli, tmp_path: Path, name: str) -> list[list[str]]:
    """Scrub (every claim must come out ready) and export; the file is checked by pyx12 and
    x12check; returns its segments."""
    r = cli("claim", "scrub", "--format", "json")
    assert r.exit_code == 0, r.output
    out = tmp_path / name
    cli.ok("claim", "export", "--format", "x12", "--output", str(out))
    assert_valid_837(out, x12check_tool())
    return segments(out.read_text())


def loop(segs: list[list[str]], start: tuple[str, ...], stop: set[str]) -> list[list[str]]:
    """The segments from the first one starting with ``start`` up to one whose id is in
    ``stop`` (exclusive)."""
    i = next(n for n, s in enumerate(segs) if tuple(s[:len(start)]) == start)
    out = [segs[i]]
    for s in segs[i + 1:]:
        if s[0] in stop:
            break
        out.append(s)
    return out


def ledger_clean(cli: Cli) -> None:
    r = cli("ledger", "check")
    assert r.exit_code == 0, r.output


def owed(cli: Cli, account: str) -> dict[str, str]:
    got = cli.json("patient", "balance", account)
    assert isinstance(got, dict)
    return {k: v for k, v in got["owed_by"].items() if v not in ("0.00",)}
