"""``grader check``: prove a problem sound before a learner finds out it is not.

For each problem, in order, each check recorded as passed or failed with a message:

1. the spec is valid (strict, file:line errors) and every case's expected value can be computed;
2. the published ``expected`` of each example agrees with the reference within its tolerance;
3. generated cases are reproducible: the same seeds give the same inputs and expected values;
4. the checker's own self-test on every case: values rounded to the published precision
   (nearest, down, up) pass, and a value off by twice that precision fails;
5. the reference, graded as a submission, is accepted;
6. every known-verdict submission in ``reference/<id>/<verdict>/`` gets its verdict: those in
   ``accepted/`` are accepted, the others are rejected with ``<verdict>`` among their verdicts
   (or as their submission error).

Warnings do not fail the check: a known-verdict submission whose verdict flips when the time
limits are doubled or halved (it is too close to the limit), and weak cases that an all-zero
result would pass. Nothing here reads the problem cache.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from grader.errors import SpecError, UsageError
from grader.judge.check import compare, decimals_for
from grader.model import Case, CheckReport, Result, Status, Verdict
from grader.pipeline import run_cases
from grader.problem.cases import TIME_FLOOR, TIME_MULTIPLIER, generated_name, materialise
from grader.problem.catalog import catalog
from grader.problem.spec import Problem, load_problem
from grader.run.sandbox import Sandbox
from grader.submission.source import read_submission

VERDICT_FOLDERS = ("accepted", *(v.value for v in Verdict if v.ran))


def check(
    ids: Sequence[str] = (), problems: Path | str | None = None, sandbox: str = "auto"
) -> list[CheckReport]:
    """Prove the problems ``ids`` sound; one report each. Without ids: every problem of the
    local folder when there is one (an instructor's), else the shipped ones.

    Raises UsageError for an unknown id or a folder without problems; a bad spec is a failed
    check in its report, not an exception.
    """
    known = catalog(None if problems is None else Path(problems))
    paths = [known.path(i) for i in ids] or sorted(known.folders[0].glob("*.yaml"))
    if not paths:
        raise UsageError(f"no problems in {known.folders[0]}")
    return [check_problem(p, sandbox) for p in paths]


def check_problem(spec_path: Path, sandbox: str = "auto") -> CheckReport:
    report = CheckReport(spec_path.stem, str(spec_path))
    try:
        problem = load_problem(spec_path)
        cases = materialise(problem)
    except SpecError as exc:
        report.add("spec", False, str(exc))
        return report
    report.add(
        "spec",
        True,
        f"{len(cases)} cases ({len(problem.examples)} examples, "
        f"{len(cases) - len(problem.examples)} hidden)",
    )
    _published(report, cases)
    _reproducible(report, problem, cases)
    _self_test(report, problem, cases)
    _limits(report, problem, cases)
    _submissions(report, problem, cases, sandbox)
    return report


def _published(report: CheckReport, cases: Sequence[Case]) -> None:
    bad = []
    for case in cases:
        if case.published is None:
            continue
        if case.published.shape != case.expected.shape:
            bad.append(
                f"'{case.name}': published shape {case.published.shape}, "
                f"the reference gives {case.expected.shape}"
            )
            continue
        m = compare(case.published, case.expected, case.tolerance.atol, case.tolerance.rtol)
        if m is not None:
            where = ", ".join(map(str, m.max_abs_at))
            bad.append(
                f"'{case.name}': {m.count} of {m.total} published values differ from the "
                f"reference, worst by {m.max_abs:.3g} at [{where}]"
            )
    count = sum(c.published is not None for c in cases)
    report.add(
        "published examples agree with the reference", not bad, "; ".join(bad) or f"{count} checked"
    )


def _reproducible(report: CheckReport, problem: Problem, cases: Sequence[Case]) -> None:
    again = materialise(problem)
    differ = [
        a.name
        for a, b in zip(cases, again, strict=True)
        if a.args != b.args or not np.array_equal(a.expected, b.expected, equal_nan=True)
    ]
    generated = sum(g.count for g in problem.generated)
    report.add(
        "generated cases are reproducible",
        not differ,
        f"differ between two runs: {', '.join(differ)}"
        if differ
        else f"{generated} generated cases, same inputs and expected values twice",
    )


def _precision(cases: Sequence[Case]) -> int:
    """Decimals of the published values (the precision learners are told), else from atol."""
    found = 0
    for case in cases:
        if case.published is not None:
            for value in case.published.flat:
                text = repr(float(value))
                if "e" not in text and "." in text:
                    found = max(found, len(text.split(".")[1].rstrip("0")))
    return found or decimals_for(min(c.tolerance.atol for c in cases) or 1e-6)


def _self_test(report: CheckReport, problem: Problem, cases: Sequence[Case]) -> None:
    digits = _precision(cases)
    step = 10.0**-digits
    too_tight, too_loose, weak = [], [], []
    for case in cases:
        e, tol = case.expected, case.tolerance
        if not np.isfinite(e).all() or e.size == 0:
            continue
        for how in (np.round, np.floor, np.ceil):
            if compare(how(e * 10**digits) / 10**digits, e, tol.atol, tol.rtol) is not None:
                too_tight.append(f"'{case.name}' ({how.__name__})")
                break
        off = e.copy()
        worst = int(np.argmax(np.abs(e)))
        off.flat[worst] += 2 * step * max(1.0, abs(float(e.flat[worst]))) if tol.rtol else 2 * step
        if compare(off, e, tol.atol, tol.rtol) is None:
            too_loose.append(f"'{case.name}'")
        if np.any(e != 0) and compare(np.zeros_like(e), e, tol.atol, tol.rtol) is None:
            weak.append(case.name)
    report.add(
        f"checker self-test: values rounded to {digits} decimals pass, off by {2 * step:g} fail",
        not too_tight and not too_loose,
        "; ".join(
            (
                [
                    f"tolerance too tight: values rounded to {digits} decimals fail "
                    + ", ".join(too_tight[:5])
                ]
                if too_tight
                else []
            )
            + (
                [f"tolerance too loose: off by {2 * step:g} passes " + ", ".join(too_loose[:5])]
                if too_loose
                else []
            )
        )
        or f"{len(cases)} cases",
    )
    for name in weak:
        report.warnings.append(f"weak case '{name}': an all-zero result passes it")


def _limits(report: CheckReport, problem: Problem, cases: Sequence[Case]) -> None:
    spec_limit = problem.limits.time_per_case
    by_case = {s.name: s.time_limit for s in (*problem.examples, *problem.hidden)}
    by_case |= {
        generated_name(g, k): g.time_limit for g in problem.generated for k in range(g.count)
    }
    derived = [c for c in cases if by_case.get(c.name) is None and spec_limit is None]
    if spec_limit is not None:
        report.limits.append(f"{spec_limit:g} s per case (limits.time_per_case)")
    if derived:
        longest = max(derived, key=lambda c: c.time_limit)
        report.limits.append(
            f"{len(derived)} cases derived from the reference's time (x{TIME_MULTIPLIER}, at "
            f"least {TIME_FLOOR:g} s): up to {longest.time_limit:g} s ('{longest.name}')"
        )
    for c in cases:
        if by_case.get(c.name) is not None:
            report.limits.append(f"{c.time_limit:g} s for '{c.name}' (its time_limit)")
    report.limits.append(f"{problem.limits.time_total:g} s in total")


def _grade(
    path: Path, problem: Problem, cases: Sequence[Case], sandbox: str, time_scale: float = 1.0
) -> tuple[Result, float]:
    started = time.monotonic()
    with Sandbox(sandbox) as box:
        result = run_cases(read_submission(path), problem, cases, box, time_scale)
    return result, time.monotonic() - started


def _outcome(result: Result) -> str:
    if result.status is Status.ACCEPTED:
        return "accepted"
    if result.error is not None:
        return result.error.kind.value
    return ", ".join(sorted({c.verdict.value for c in result.cases if c.verdict.ran}))


def _gets(result: Result, folder: str) -> bool:
    if folder == "accepted":
        return result.status is Status.ACCEPTED
    kinds = {c.verdict.value for c in result.cases}
    return result.status is Status.REJECTED and (
        folder in kinds or (result.error is not None and result.error.kind.value == folder)
    )


def _submissions(
    report: CheckReport, problem: Problem, cases: Sequence[Case], sandbox: str
) -> None:
    result, took = _grade(problem.reference, problem, cases, sandbox)
    report.add(
        "the reference is accepted",
        result.status is Status.ACCEPTED,
        f"{took:.2f} s" if result.status is Status.ACCEPTED else _outcome(result),
    )
    folder = problem.reference.with_suffix("")
    files = sorted(p for v in VERDICT_FOLDERS for p in (folder / v).glob("*.py"))
    unknown = sorted(
        p.name
        for p in folder.glob("*")
        if p.is_dir() and p.name not in VERDICT_FOLDERS and not p.name.startswith((".", "_"))
    )
    if unknown:
        report.add(
            "known-verdict folders",
            False,
            f"unknown folders in {folder}: "
            f"{', '.join(unknown)} (known: {', '.join(VERDICT_FOLDERS)})",
        )
    wrong = [w for path in files if (w := _known(report, path, problem, cases, sandbox))]
    counts: dict[str, int] = {}
    for _, expected, _, _ in report.submissions:
        counts[expected] = counts.get(expected, 0) + 1
    for needed in ("accepted", "wrong_answer"):
        if needed not in counts:
            report.warnings.append(
                f"no known-verdict submission in {folder}/{needed}/: "
                "add some, so that check proves the cases tell them apart"
            )
    summary = ", ".join(f"{v} {n}" for v, n in counts.items()) or "none"
    report.add(
        "known-verdict submissions get their verdicts",
        not wrong and bool(files),
        "; ".join(wrong)
        if wrong
        else (
            f"{len(files)} submissions ({summary})"
            if files
            else f"none found in {folder}/<verdict>/"
        ),
    )


def _known(
    report: CheckReport, path: Path, problem: Problem, cases: Sequence[Case], sandbox: str
) -> str:
    """Grade one known-verdict submission; "" when it gets its verdict, else what it got."""
    folder = problem.reference.with_suffix("")
    name, expected = path.relative_to(folder), path.parent.name
    result, took = _grade(path, problem, cases, sandbox)
    got = _outcome(result)
    report.submissions.append((str(name), expected, got, took))
    if not _gets(result, expected):
        return f"{name} got {got}"
    # Near the limit? An accepted one must survive half the time; a time_limit one must still
    # time out with twice the time.
    if expected in {"accepted", "time_limit"}:
        scale = 0.5 if expected == "accepted" else 2.0
        flipped, _ = _grade(path, problem, cases, sandbox, time_scale=scale)
        if not _gets(flipped, expected):
            report.warnings.append(
                f"{name}: {expected} with the limits, but {_outcome(flipped)} with limits "
                f"x{scale:g}: too close to the limit"
            )
    return ""
