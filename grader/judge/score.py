"""Scoring: case results -> one ``Result`` (status, points, score) and its JSON document.

``score`` is the passed weight over the total weight, as a percentage; a submission is accepted
only when every case passed. The document is the contract ``grader.result/1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader import __version__
from grader.judge.check import CaseResult
from grader.model import Status, SubmissionError, Verdict, Visibility

SCHEMA = "grader.result/1"


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
            "grader": {"version": self.version},
        }


def score(cases: tuple[CaseResult, ...], error: SubmissionError | None, **about: Any) -> Result:
    """Aggregate case results; ``about`` fills the descriptive fields of ``Result``."""
    max_points = sum(c.weight for c in cases)
    points = sum(c.weight for c in cases if c.verdict is Verdict.PASSED)
    accepted = error is None and bool(cases) and all(c.verdict is Verdict.PASSED for c in cases)
    return Result(
        status=Status.ACCEPTED if accepted else Status.REJECTED,
        error=error,
        score=round(100.0 * points / max_points, 2) if max_points else 0.0,
        points=points,
        max_points=max_points,
        cases=cases,
        **about,
    )
