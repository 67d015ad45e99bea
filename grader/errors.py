"""Errors that stop the grader before anything is graded: bad usage, a bad spec, a missing file.

Each carries one line a person can act on; the CLI prints it and exits 2. A learner's mistake is
never one of these: it is a verdict in the result.
"""

from __future__ import annotations

from pathlib import Path


class UsageError(Exception):
    """The command cannot run as asked (unknown problem, unreadable file, bad option)."""


class SpecError(UsageError):
    """A problem spec (or its reference) is invalid; names the file, line and field path."""

    def __init__(self, path: Path | str, line: int | None, field: str, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")
