"""One error family with user-facing messages; the CLI maps them to exit codes."""

from __future__ import annotations


class IsmsError(Exception):
    """Base error: `message` is written for the person running the tool."""

    exit_code = 1

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {d}" for d in self.details)


class InputError(IsmsError):
    """Bad input or usage: a file, field or argument the user must fix (exit 2)."""

    exit_code = 2


class CheckFailed(IsmsError):
    """A check or generation step failed (exit 1)."""

    exit_code = 1
