"""First-run setup: the bundled reference data that ``medbill init`` loads."""

from __future__ import annotations

from sqlmodel import Session


def load_bundled_codes(*, session: Session, user: str) -> list[str]:
    """Load ICD-10-CM and the shipped samples (CPT, HCPCS, modifiers, POS, CARC, RARC) if missing.

    Idempotent: a code set version already loaded is left alone.

    Returns:
        One summary line per code set, for stderr.
    """
    from medbill_cli.services import codes

    return codes.load_bundled(session=session, user=user)
