"""Practice, providers, facilities, payers and coverage ends: the refusals, with nothing written."""

from __future__ import annotations

from conftest import NPI_PRACTICE, NPI_PROVIDER, Cli

PRACTICE = ["--name", "Main Street Family Medicine", "--npi", NPI_PRACTICE, "--tin", "12-3456789",
            "--address", "100 Main St", "--city", "Albany", "--state", "NY", "--zip", "12207-1234"]


def _with(args: list[str], key: str, value: str) -> list[str]:
    out = list(args)
    out[out.index(key) + 1] = value
    return out


def test_practice_set_refusals(cli: Cli) -> None:
    r = cli.fails(3, "practice", "set", "--name", "Main Street")
    assert "missing --npi, --tin, --address" in r.stderr
    assert (
        "NPI check digit"
        in cli.fails(3, "practice", "set", *_with(PRACTICE, "--npi", "1234567890")).stderr
    )
    assert "+4" in cli.fails(3, "practice", "set", *_with(PRACTICE, "--zip", "12207")).stderr
    assert "EIN" in cli.fails(3, "practice", "set", *_with(PRACTICE, "--tin", "12-345")).stderr
    cli.fails(3, "practice", "show")


def test_practice_set_updates_only_given_fields(cli: Cli) -> None:
    cli.ok("practice", "set", *PRACTICE)
    cli.ok("practice", "set", "--phone", "518-555-0111")
    rec = cli.json("practice", "show")
    assert rec["phone"] == "5185550111" and rec["zip"] == "122071234"  # type: ignore[index]
    entries = cli.json("audit", "list", "--entity", "practice")
    assert [e["action"] for e in entries] == ["create", "update"]  # type: ignore[index]


def test_provider_payer_facility_refusals(practice: Cli) -> None:
    r = practice.fails(
        3, "provider", "add", "--npi", NPI_PROVIDER, "--first-name", "A", "--last-name", "B"
    )
    assert "already exists" in r.stderr
    practice.fails(3, "provider", "add", "--npi", "1245319599", "--first-name", "A",
                   "--last-name", "B", "--taxonomy", "doctor")
    practice.fails(3, "provider", "show", "1679576722")
    r = practice.fails(3, "payer", "add", "--name", "Acme", "--payer-id", "acme1")
    assert "Payer ACME1 already exists" in r.stderr
    r = practice.fails(
        3, "payer", "add", "--name", "X", "--payer-id", "X1", "--filing-indicator", "QQ"
    )
    assert "SBR09" in r.stderr
    practice.fails(3, "payer", "add", "--name", "X", "--payer-id", "X1", "--city", "Albany")
    practice.fails(
        3, "payer", "add", "--name", "X", "--payer-id", "X1", "--timely-filing-days", "0"
    )
    practice.fails(3, "facility", "add", "--name", "Annex", "--address", "1 Elm", "--city", "Troy",
                   "--state", "NY", "--zip", "12180", "--pos", "ABC")
    practice.fails(3, "facility", "show", "42")
    fid = practice.ok("facility", "add", "--name", "Annex", "--address", "1 Elm", "--city", "Troy",
                      "--state", "NY", "--zip", "12180", "--pos", "22").stdout.strip()
    assert practice.json("facility", "show", fid)["pos"] == "22"  # type: ignore[index]


def test_coverage_end_refusals(practice: Cli) -> None:
    practice.ok("patient", "add", "--first-name", "Jane", "--last-name", "Doe", "--dob",
                "1980-04-02", "--sex", "F")
    practice.ok("coverage", "add", "P000001", "--payer", "ACME1", "--member-id", "M1",
                "--effective", "2025-01-01")
    practice.fails(3, "coverage", "end", "99", "--date", "2025-06-30")
    r = practice.fails(3, "coverage", "end", "1", "--date", "2024-12-31")
    assert "before the coverage's effective date" in r.stderr
    practice.fails(3, "coverage", "end", "1", "--date", "30/06/2025")
    practice.fails(3, "coverage", "add", "P000001", "--payer", "BCN02", "--member-id", "M2",
                   "--priority", "secondary", "--copay", "1e3")
    practice.fails(3, "history", "add", "P000001", "--condition", "I10", "--onset", "2999-01-01")
