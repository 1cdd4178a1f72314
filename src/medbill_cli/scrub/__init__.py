"""Claim edits: ``check_*`` functions over a ClaimView that return findings (pure, no database)."""
