"""Scoring: case results -> one ``Result`` (status, points, score) and its JSON document.

``score`` is the passed weight over the total weight, as a percentage; a submission is accepted
only when every case passed. The document is the contract ``grader.result/1``.
"""

from __future__ import annotations

from typing import Any

from grader.model import CaseResult, Result, Status, SubmissionError, Verdict


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
