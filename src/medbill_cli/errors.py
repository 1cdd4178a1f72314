"""The error tree every layer raises, and the exit codes the CLI maps them to.

Services raise these; only ``cli/app.py`` turns them into a message and an exit code.
Messages never carry patient names or other PHI: refer to records by id.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS = 1  # a check found problems (scrub, reconcile, audit verify)
    USAGE = 2  # Typer/Click's own usage errors
    REJECTED = 3  # input rejected; nothing written
    ENVIRONMENT = 4  # no database, schema behind, unreadable file


class MedbillError(Exception):
    """Base of all expected errors. ``str(err)`` is the one-line message."""

    exit_code: ExitCode = ExitCode.REJECTED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message.rstrip(".")
        self.hint = hint.rstrip(".") if hint else None

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}. {self.hint}."
        return f"{self.message}."


class InputError(MedbillError):
    """Invalid input: bad value, unknown code, duplicate, closed day."""


class NotFoundError(InputError):
    """A referenced record does not exist."""


class DuplicateError(InputError):
    """The record already exists."""


class EnvironmentProblem(MedbillError):
    """The environment is not usable: no database, schema behind, unreadable file."""

    exit_code = ExitCode.ENVIRONMENT


class SchemaBehindError(EnvironmentProblem):
    """The database schema is older than this version of medbill."""


class RowError(InputError):
    """One or more rows of an import file are bad; ``rows`` holds (line, reason)."""

    def __init__(self, message: str, rows: list[tuple[int, str]], hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.rows = rows

    @classmethod
    def nothing_imported(
        cls, rows: list[tuple[int, str]], hint: str = "Fix them and import again"
    ) -> RowError:
        """The refusal of an all-or-nothing import, worded the same for every file."""
        return cls(f"{len(rows)} bad row(s); nothing was imported", rows, hint)
