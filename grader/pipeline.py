"""Grading one submission end to end: problem -> cases -> run -> judge -> score.

This module composes the stages; ``grade`` is the library's entry point (``grader.grade``). It
raises UsageError/SpecError for what the person running the grader must fix (exit 2); everything
the submission does becomes part of the returned ``Result``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from grader import cache
from grader.judge import growth
from grader.judge.check import check_case
from grader.judge.diagnose import Advisor
from grader.judge.score import score
from grader.model import Case, CaseInput, ErrorKind, Result, Run, SubmissionError, Visibility
from grader.problem.cases import load_reference, materialise
from grader.problem.catalog import Catalog, catalog
from grader.problem.spec import Problem, Reader, load_problem
from grader.problem.yamlmap import load
from grader.run.child.calls import invoke
from grader.run.launch import SandboxChanged
from grader.run.prefork import ForkServer, ServerGone
from grader.run.sandbox import Sandbox
from grader.submission.source import (
    Submission,
    detect_problem,
    explain,
    named_problem,
    read_submission,
)


def grade(
    path: Path | str,
    problem: str | None = None,
    problems: Path | str | None = None,
    sandbox: str | Sandbox = "auto",
) -> Result:
    """Grade the file at ``path`` against the problem with id ``problem`` (detected from the
    file when None), found in ``problems`` over the shipped pack (see ``problem.catalog``).

    ``sandbox`` is ``auto|on|off|portable``, or a freshly made ``Sandbox``: its worker boots
    (interpreter and numpy) while this process reads the spec and computes expected values; it
    is closed here.
    Raises UsageError or SpecError (the caller's to fix); never for what the submission does.
    """
    if isinstance(sandbox, str):
        cache.probe_sandbox(sandbox)
    try:
        return _grade(Path(path), problem, problems, sandbox)
    except SandboxChanged:  # bubblewrap was remembered working and is not: resolve again
        requested = sandbox if isinstance(sandbox, str) else sandbox.requested
        return _grade(Path(path), problem, problems, requested)


def _grade(
    path: Path, problem: str | None, problems: Path | str | None, sandbox: str | Sandbox
) -> Result:
    with sandbox if isinstance(sandbox, Sandbox) else Sandbox(sandbox) as box:
        submission = read_submission(path)
        known = catalog(None if problems is None else Path(problems))
        read = cache.reader(load)
        found = load_problem(known.path(problem or choose_problem(submission, known, read)), read)
        return run_cases(submission, found, cases_of(found), box)


def choose_problem(submission: Submission, known: Catalog, read: Reader) -> str:
    """The problem a file answers when ``--problem`` is not given (``detect_problem``'s rule);
    a file named after a problem whose entry point it defines needs no other spec read."""
    named = named_problem(submission.path)
    if (
        named in known.specs
        and load_problem(known.path(named), read).entry_point in submission.names
    ):
        return named
    return detect_problem(submission, known.entry_points(read))


def find_problem(problem: str, problems: Path | str | None = None) -> Problem:
    """The problem with id ``problem``, a local one before a shipped one (``catalog``); the
    spec is read through the cache. Raises UsageError/SpecError."""
    known = catalog(None if problems is None else Path(problems))
    return load_problem(known.path(problem), cache.reader(load))


def cases_of(problem: Problem) -> tuple[Case, ...]:
    """Every case of ``problem`` with its expected value (from the cache when it was seen)."""
    return cache.cases(problem, lambda: materialise(problem))


def run_cases(
    submission: Submission,
    problem: Problem,
    cases: Sequence[Case],
    box: Sandbox,
    time_scale: float = 1.0,
    advisor: Advisor | None = None,
    timer: growth.Timer | None = None,
) -> Result:
    """Run ``submission`` on ``cases`` in ``box`` and score it; ``time_scale`` stretches limits.

    Pass the ``advisor`` of ``problem`` (and its ``reference_timer``) when grading many
    submissions, to load its reference and known mistakes, and time it, once.
    """
    inputs = [CaseInput(c.index, c.call_json, c.time_limit * time_scale, _group(c)) for c in cases]
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
            problem.result.layout(),
            inputs,
            limits,
        )
    advisor = advisor or advisor_for(problem)
    results = tuple(
        check_case(c, o, advisor, submission.where)
        for c, o in zip(cases, run.outcomes, strict=True)
    )
    results = growth.annotate(
        results,
        lambda: [growth.size(c.args) for c in cases],  # needed only when a case timed out
        [c.time_limit * time_scale for c in cases],
        timer or reference_timer(problem, cases),
    )
    failure = run.failure and explain(run.failure, submission, problem.entry_point)
    if failure is not None and problem.is_class:  # the worker speaks of functions
        failure = replace(failure, message=_of_a_class(failure.message, problem.entry_point))
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
        per_process_only=run.per_process_only,
        notes=submission.notes,
        graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _of_a_class(message: str, name: str) -> str:
    return (
        message.replace(f"no function named '{name}'", f"no class named '{name}'")
        .replace(f"define `def {name}(...)`", f"define `class {name}:`")
        .replace("not a function", "not a class")
    )


def _group(case: Case) -> str | None:
    """Hidden cases run as one group (sent ahead); examples run alone (their output is shown)."""
    return None if case.visibility is Visibility.EXAMPLE else case.visibility.value


def advisor_for(problem: Problem) -> Advisor:
    """The judge's view of ``problem``'s reference (imported on the first wrong result)."""
    return Advisor(lambda: load_reference(problem))


def reference_timer(problem: Problem, cases: Sequence[Case]) -> growth.Timer:
    """Times the reference on a case (by position in ``cases``), loading it on first need."""
    loaded: list[Callable[..., object]] = []

    def solve(position: int) -> object:
        if not loaded:
            loaded.append(getattr(load_reference(problem), problem.entry_point))
        return invoke(loaded[0], cases[position].call, lambda value, _: value, fresh=False)

    return growth.timer(solve)


def run_warm(
    submission: Submission,
    problem: Problem,
    cases: Sequence[Case],
    server: ForkServer | None,
    advisor: Advisor,
    timer: growth.Timer,
) -> Result:
    """``run_cases`` in a worker forked by ``server`` (batch jobs, watch), or a fresh portable
    interpreter when there is none; a fork server that failed twice in a row is a real fault
    (``ServerGone`` is raised)."""
    for attempt in (1, 2):
        try:
            with Sandbox(server=server) if server else Sandbox("portable") as box:
                return run_cases(submission, problem, cases, box, advisor=advisor, timer=timer)
        except ServerGone:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
