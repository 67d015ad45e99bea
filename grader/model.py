"""The closed vocabulary every stage speaks: verdicts, error kinds, visibility, exit statuses.

These strings are part of the result document (``grader.result/1``); adding or renaming one is a
contract change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Verdict(StrEnum):
    """What happened to one case."""

    PASSED = "passed"
    WRONG_ANSWER = "wrong_answer"
    WRONG_SHAPE = "wrong_shape"
    INVALID_OUTPUT = "invalid_output"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    CRASHED = "crashed"
    NOT_RUN = "not_run"

    @property
    def label(self) -> str:
        """Plain words for people: ``wrong_answer`` -> ``wrong answer``."""
        return self.value.replace("_", " ")


class ErrorKind(StrEnum):
    """Why a submission as a whole could not be graded (every case is then ``not_run``)."""

    COMPILE_ERROR = "compile_error"
    IMPORT_ERROR = "import_error"
    MISSING_ENTRY_POINT = "missing_entry_point"
    NOT_CALLABLE = "not_callable"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    CRASHED = "crashed"


class Visibility(StrEnum):
    EXAMPLE = "example"
    HIDDEN = "hidden"


class Status(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Exit(IntEnum):
    """Process exit statuses of the CLI (contract)."""

    ACCEPTED = 0
    REJECTED = 1
    USAGE = 2
    INTERNAL = 3


@dataclass(frozen=True)
class SubmissionError:
    """Why the submission as a whole could not run; ``line`` is in the learner's file."""

    kind: ErrorKind
    message: str
    line: int | None


@dataclass(frozen=True)
class Limits:
    time_per_case: float | None = None  # seconds of wall time for one call; None: derived
    time_total: float = 15.0  # seconds of wall time for the whole submission
    memory: int = 1 << 30  # bytes of address space for the child process
    output: int = 64 << 10  # bytes of printed output kept (the rest is counted, then dropped)
