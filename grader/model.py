"""What every stage speaks: the closed vocabulary and the values that flow between stages.

The pipeline is ``problem -> run -> judge -> report``: a ``Problem`` gives ``Case``s; the run
turns each ``CaseInput`` into an ``Outcome`` (collected in a ``Run``); the judge turns a case and
its outcome into a ``CaseResult``, and all of them into a ``Result``, which every writer renders.
Each type is defined here once, so no stage imports another only for a type.

The vocabulary's strings are part of the result document (``grader.result/1``); adding or renaming
one is a contract change. Defaults (``Limits``, ``Tolerance``, ``CASE_WEIGHT``) are defined here
once; the spec loader and the published schema read them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

from grader import __version__, structure

# A result's parts and comparisons (``grader.structure``), spoken by every stage like the rest
COMPARISONS = structure.COMPARISONS
LEAVES = structure.LEAVES
STRUCTURES = structure.STRUCTURES
TEXT = structure.TEXT
VECTORS = structure.VECTORS
Mismatch = structure.Mismatch
Part = structure.Part
PartDetail = structure.PartDetail
Tolerance = structure.Tolerance

if TYPE_CHECKING:
    pass

SCHEMA = "grader.result/1"
# What ``--sandbox`` may ask for; ``auto`` first, the default. (``Result.sandbox`` says which
# mode ran: ``bubblewrap``, ``process`` or ``portable``.)
SANDBOX_MODES = ("auto", "on", "off", "portable")
# When Gradescope shows hidden cases to students (its test-level ``visibility``); the first is
# the default.
GRADESCOPE_VISIBILITY = ("after_published", "after_due_date", "hidden", "visible")
CASE_WEIGHT = 1.0  # points of a case whose spec gives no weight


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
        return _words(self.value)

    @property
    def wrong(self) -> bool:
        """A value came back and it is wrong (what known mistakes may explain)."""
        return self in {Verdict.WRONG_ANSWER, Verdict.WRONG_SHAPE}

    @property
    def failure(self) -> bool:
        """The code ran to the end and returned something wrong (JUnit's ``failure``); the other
        verdicts that are neither passed nor not run are errors."""
        return self in {Verdict.WRONG_ANSWER, Verdict.WRONG_SHAPE, Verdict.INVALID_OUTPUT}

    @property
    def ran(self) -> bool:
        """The case was run and judged: every verdict but ``passed`` and ``not_run`` names a way
        to fail, which a known-verdict submission folder may be named after."""
        return self not in {Verdict.PASSED, Verdict.NOT_RUN}


# What the worker itself may report for a case (anything else it sends is forged: ``crashed``).
CHILD_VERDICTS = frozenset({Verdict.RUNTIME_ERROR, Verdict.INVALID_OUTPUT, Verdict.MEMORY_LIMIT})


def _words(value: str) -> str:
    return value.replace("_", " ")


class ErrorKind(StrEnum):
    """Why a submission as a whole could not be graded (every case is then ``not_run``)."""

    COMPILE_ERROR = "compile_error"
    IMPORT_ERROR = "import_error"
    MISSING_ENTRY_POINT = "missing_entry_point"
    NOT_CALLABLE = "not_callable"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    CRASHED = "crashed"

    @property
    def label(self) -> str:
        """Plain words for people: ``import_error`` -> ``import error``."""
        return _words(self.value)


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


# ---------------------------------------------------------------------------------------------
# problem -> run: a case, and what of it the worker receives.


def encode_args(args: Any) -> str:
    """A case's call (or any plain value) as the worker receives it (JSON; NaN and inf allowed)."""
    return json.dumps(args, separators=(",", ":"), allow_nan=True)


@dataclass(frozen=True)
class Case:
    """One case of a problem with its expected value (computed by the reference, unrounded)."""

    index: int
    name: str
    visibility: Visibility
    args: Mapping[str, Any]  # plain JSON-ready values: the inputs as learners see them
    call: Mapping[str, Any]  # how the entry point is called (``grader.run.child.calls``)
    call_json: str  # ``encode_args(call)``, encoded once however many submissions run
    expected: Any  # a value node (``codec``): an ndarray for a number or an array
    published: Any  # the literal value written in the spec, as a node, if any
    weight: float
    time_limit: float  # seconds
    result: Part = field(default_factory=Part)  # the result's structure and comparisons
    # how known mistakes and properties are called: every argument by name, defaults filled in
    # (None: as ``call``; a class's mistakes run its script)
    filled: Mapping[str, Any] | None = None

    @property
    def tolerance(self) -> Tolerance:
        """The comparison of the result as a whole (of its only value, for most problems)."""
        return self.result.check


@dataclass(frozen=True)
class CaseInput:
    """What the run knows of a case: never its expected value."""

    index: int
    call_json: str  # how the case is called, JSON-encoded
    time_limit: float
    # Cases are sent ahead within a run of the same group; None: alone, so that what the code
    # prints is attributed to this case exactly (examples, whose output the learner sees).
    group: str | None = None


# ---------------------------------------------------------------------------------------------
# run -> judge: what the submission did.


@dataclass(frozen=True)
class Outcome:
    """What one case produced: a value, or the verdict that explains why there is none."""

    index: int
    value: Any  # a node (``grader.run.child.codec``) when a value came back
    verdict: Verdict | None  # None when a value came back
    message: str
    line: int | None
    time_s: float
    output: str  # what the submission printed during this case

    @classmethod
    def not_run(cls, case: CaseInput, reason: str = "") -> Outcome:
        return cls(case.index, None, Verdict.NOT_RUN, reason, None, 0.0, "")


@dataclass(frozen=True)
class Run:
    failure: SubmissionError | None
    outcomes: tuple[Outcome, ...]
    output: str  # printed while importing (and anything not attributable to a case)
    output_dropped: int  # bytes of printed output beyond the limit, counted and dropped
    mode: str  # "bubblewrap" or "process"
    isolation: str  # the mode in words, with what it protects
    # limits that held per process (or per file, for "disk") only: no container for the run
    per_process_only: tuple[str, ...] = ()

    @classmethod
    def not_started(cls, failure: SubmissionError, cases: Sequence[CaseInput], mode: str) -> Run:
        return cls(failure, tuple(Outcome.not_run(c) for c in cases), "", 0, mode, mode)


# ---------------------------------------------------------------------------------------------
# judge -> report: verdicts, and the score.


@dataclass(frozen=True)
class Detail:
    """What an example case shows the learner: inputs, expected and got side by side."""

    args: Mapping[str, Any]
    expected: Any  # a node: an ndarray for a result that is one number or array
    got: Any
    mismatch: Mismatch | None
    output: str
    tolerance: Tolerance
    parts: tuple[PartDetail, ...] = ()  # a structured result, part by part


@dataclass(frozen=True)
class CaseResult:
    name: str
    visibility: Visibility
    verdict: Verdict
    weight: float
    time_s: float
    message: str
    hint: str | None
    line: int | None = None
    detail: Detail | None = None  # examples only; hidden cases carry no data
    diagnosis: str | None = None  # the class of a failure's explanation (``overflow``, ``sign``)


@dataclass(frozen=True)
class Result:
    problem: str
    title: str
    path: str
    sha256: str
    status: Status
    error: SubmissionError | None
    score: float
    points: float
    max_points: float
    cases: tuple[CaseResult, ...]
    output: str  # printed while importing, and not attributable to a case
    output_dropped: int
    sandbox: str  # "bubblewrap" or "process"
    isolation: str  # the same in words, with what it protects
    graded_at: str  # ISO 8601, UTC
    notes: tuple[str, ...] = ()  # what the grader changed to run the file (notebook magics)
    version: str = __version__
    per_process_only: tuple[str, ...] = ()  # limits that held per process only (``Run``)

    @property
    def examples(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if c.visibility is Visibility.EXAMPLE)

    @property
    def hidden(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if c.visibility is Visibility.HIDDEN)

    def document(self) -> dict[str, Any]:
        """The result as the ``grader.result/1`` JSON document (hidden cases carry no data)."""
        return {
            "schema": SCHEMA,
            "problem": self.problem,
            "submission": {"path": self.path, "sha256": self.sha256},
            "status": self.status.value,
            "error": None
            if self.error is None
            else {
                "kind": self.error.kind.value,
                "message": self.error.message,
                "line": self.error.line,
            },
            "score": self.score,
            "points": self.points,
            "max_points": self.max_points,
            "cases": [
                {
                    "name": c.name,
                    "visibility": c.visibility.value,
                    "verdict": c.verdict.value,
                    "weight": c.weight,
                    "time_s": round(c.time_s, 6),
                    "message": c.message,
                    "hint": c.hint,
                }
                for c in self.cases
            ],
            "sandbox": self.sandbox,
            "isolation": {"text": self.isolation, "per_process_only": list(self.per_process_only)},
            "grader": {"version": self.version},
        }


# ---------------------------------------------------------------------------------------------
# course -> report: what the gradebook keeps of a learner's graded submission.


@dataclass(frozen=True)
class Entry:
    """A learner's latest graded submission in a batch, as the gradebook keeps it."""

    learner: str
    path: str  # the submission's file, relative to the batch folder
    sha256: str  # of the file's bytes
    normalised: str  # sha256 of the source without comments, docstrings and layout
    problem_digest: str  # of the problem's spec and reference, when graded
    document: dict[str, Any]  # the grader.result/1 document
    diagnoses: tuple[str | None, ...]  # per case, in document order: the failure's diagnosis

    @property
    def score(self) -> float:
        return float(self.document["score"])


@dataclass
class Summary:
    """What a batch did: counts, who could not be graded and why, every learner's result."""

    learners: int
    graded: int = 0
    unchanged: int = 0
    not_graded: list[tuple[str, str]] = field(default_factory=list)  # (learner, why)
    seconds: float = 0.0
    jobs: int = 0
    sandbox: str = ""
    entries: list[Entry] = field(default_factory=list)  # every learner's result, graded or kept

    @property
    def rate(self) -> float:
        return self.graded / self.seconds if self.seconds > 0 else 0.0


# ---------------------------------------------------------------------------------------------
# ``grader check``: what it found for one problem.


@dataclass
class CheckReport:
    """What ``check`` found for one problem."""

    problem: str
    path: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # (name, ok, detail)
    warnings: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)  # the time limits, with where they come from
    submissions: list[tuple[str, str, str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, ok, detail))
        return ok

    def document(self) -> dict[str, object]:
        return {
            "problem": self.problem,
            "path": self.path,
            "ok": self.ok,
            "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in self.checks],
            "warnings": self.warnings,
            "time_limits": self.limits,
            "submissions": [
                {"file": f, "expected": e, "got": g, "seconds": round(s, 3)}
                for f, e, g, s in self.submissions
            ],
        }
