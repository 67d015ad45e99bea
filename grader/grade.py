"""Grading one submission end to end: spec -> cases -> sandbox -> check -> score.

``grade`` raises UsageError/SpecError for what the person running the grader must fix (exit 2);
everything the submission does becomes part of the returned ``Result``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from grader import cache
from grader.judge.check import Explainer, check_case, decimals_for
from grader.judge.diagnose import Mistake, known_mistakes
from grader.judge.diagnose import explain as diagnose
from grader.judge.score import Result, score
from grader.model import ErrorKind, SubmissionError, Visibility
from grader.problem.cases import Case, load_reference, materialise
from grader.problem.spec import Problem, entry_points, load_problem, problem_path, problems_dir
from grader.run.sandbox import CaseInput, Run, Sandbox
from grader.submission.source import Submission, detect_problem, explain, read_submission


def grade(
    path: Path,
    problem_id: str | None = None,
    problems: Path | None = None,
    sandbox: Sandbox | None = None,
) -> Result:
    """Grade the file at ``path`` against ``problem_id`` (detected from the file when None).

    Pass a freshly made ``sandbox`` to have its worker boot (interpreter and numpy) while this
    process imports numpy, reads the spec and computes expected values; it is closed here.
    """
    with sandbox or Sandbox() as box:
        submission = read_submission(path)
        directory = problems_dir(problems)
        if problem_id is None:
            problem_id = detect_problem(submission, entry_points(directory))
        problem = load_problem(problem_path(directory, problem_id))
        cases = cache.cases(problem.path, problem.reference, lambda: materialise(problem))
        return run_cases(submission, problem, cases, box)


def run_cases(
    submission: Submission,
    problem: Problem,
    cases: Sequence[Case],
    box: Sandbox,
    time_scale: float = 1.0,
    explainer: Explainer | None = None,
) -> Result:
    """Run ``submission`` on ``cases`` in ``box`` and score it; ``time_scale`` stretches limits.

    Pass the ``explainer`` of ``problem`` when grading many submissions, to load its known
    mistakes once.
    """
    inputs = [CaseInput(c.index, c.args_json, c.time_limit * time_scale, _group(c)) for c in cases]
    if submission.syntax_error is not None:
        message, line = submission.syntax_error
        error = SubmissionError(ErrorKind.COMPILE_ERROR, message, line)
        run = Run.not_started(error, inputs, box.mode)
    else:
        limits = replace(problem.limits, time_total=problem.limits.time_total * time_scale)
        run = box.run(
            submission.source,
            submission.path.name,
            problem.entry_point,
            problem.arguments,
            inputs,
            limits,
        )
    explainer = explainer or explainer_for(problem)
    results = tuple(
        check_case(c, o, explainer, submission.where)
        for c, o in zip(cases, run.outcomes, strict=True)
    )
    failure = run.failure and explain(run.failure, submission, problem.entry_point)
    return score(
        results,
        failure,
        problem=problem.id,
        title=problem.title,
        path=submission.display,
        sha256=submission.sha256,
        output=run.output,
        output_dropped=run.output_dropped,
        sandbox=run.mode,
        isolation=run.isolation,
        notes=submission.notes,
        graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


MEMO_BYTES = 256 << 20  # what an explainer keeps of per-case values for the next submission


def _group(case: Case) -> str | None:
    """Hidden cases run as one group (sent ahead); examples run alone (their output is shown)."""
    return None if case.visibility is Visibility.EXAMPLE else case.visibility.value


def explainer_for(problem: Problem) -> Explainer:
    """Explains wrong values with the reference's known mistakes (loaded on first need).

    What depends only on a case (a known mistake's result, the expected value rounded) is kept,
    up to ``MEMO_BYTES``, for the next submission on the same case.
    """
    mistakes: list[tuple[Mistake, ...]] = []
    kept: dict[tuple[int, str], np.ndarray | None] = {}
    room = MEMO_BYTES

    def explain(case: Case, got: np.ndarray) -> tuple[str, str] | None:
        if not mistakes:
            mistakes.append(known_mistakes(load_reference(problem)))

        def memo(key: str, compute: Callable[[], np.ndarray | None]) -> np.ndarray | None:
            nonlocal room
            if (case.index, key) in kept:
                return kept[(case.index, key)]
            value = compute()
            size = 0 if value is None else value.nbytes
            if size <= room:
                room -= size
                kept[(case.index, key)] = value
            return value

        return diagnose(
            got,
            case.expected,
            case.args,
            problem.arguments,
            case.tolerance,
            mistakes[0],
            decimals_for(case.tolerance.atol),
            memo,
        )

    return explain
