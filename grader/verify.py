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

import inspect
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.errors import SpecError, UsageError
from grader.judge.compare import Custom
from grader.judge.diagnose import Advisor, named_values
from grader.judge.parts import judge
from grader.model import Case, CheckReport, Result, Status, Verdict
from grader.pipeline import advisor_for, run_cases
from grader.problem.cases import TIME_FLOOR, TIME_MULTIPLIER, generated_name, materialise
from grader.problem.catalog import catalog
from grader.problem.kinds import NO_DEFAULT, Argument
from grader.problem.spec import Problem, load_problem
from grader.run import launch
from grader.run.child.codec import normalise
from grader.run.prefork import ForkServer, ServerGone
from grader.run.sandbox import Sandbox
from grader.selftest import self_test
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
    advisor = advisor_for(problem)
    _published(report, cases, advisor)
    _reproducible(report, problem, cases)
    _self_test(report, cases, advisor)
    _defaults(report, problem, advisor.module())
    _limits(report, problem, cases)
    _submissions(report, problem, cases, sandbox)
    return report


def _published(report: CheckReport, cases: Sequence[Case], advisor: Advisor) -> None:
    bad = []
    for case in cases:
        if case.published is None:
            continue
        custom = _custom(advisor, case)
        for j in judge(case.result, case.expected, case.published, custom):
            if j.verdict is Verdict.PASSED:
                continue
            where = f" {j.label}" if j.label else ""
            m = j.judged.mismatch
            if m is not None and m.max_abs_at is not None and j.judged.message[:1].isdigit():
                at = ", ".join(map(str, m.max_abs_at))
                bad.append(
                    f"'{case.name}'{where}: {m.count} of {m.total} published values differ from "
                    f"the reference, worst by {m.max_abs:.3g} at [{at}]"
                )
            else:
                bad.append(f"'{case.name}'{where}: {j.judged.message}")
    count = sum(c.published is not None for c in cases)
    report.add(
        "published examples agree with the reference", not bad, "; ".join(bad) or f"{count} checked"
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _reproducible(report: CheckReport, problem: Problem, cases: Sequence[Case]) -> None:
    again = materialise(problem)
    differ = [
        a.name
        for a, b in zip(cases, again, strict=True)
        if a.call != b.call or not _same(a.expected, b.expected)
    ]
    generated = sum(g.count for g in problem.generated)
    report.add(
        "generated cases are reproducible",
        not differ,
        f"differ between two runs: {', '.join(differ)}"
        if differ
        else f"{generated} generated cases, same inputs and expected values twice",
    )


def _custom(advisor: Advisor, case: Case) -> Custom:
    return lambda name, got, expected: advisor.check(case, name, got, expected)


def _self_test(report: CheckReport, cases: Sequence[Case], advisor: Advisor) -> None:
    reference = advisor.module()

    def variant(case: Case, checker: str, expected: Any) -> Any:
        make = getattr(reference, f"variant_{checker}", None)
        if not callable(make):
            return None
        try:
            return normalise(make(expected, named_values(case)), "*")
        except Exception as exc:
            report.warnings.append(f"variant_{checker} failed on '{case.name}': {exc!r:.80}")
            return None

    found = self_test(
        cases,
        lambda case: _custom(advisor, case),
        variant,
        lambda case, got: advisor.holds(case, got) is None,
    )
    digits = sorted(found.precisions)
    said = (
        f"values rounded to {digits[0]} decimals pass, off by twice that fail"
        if len(digits) == 1
        else f"values rounded to each case's precision ({', '.join(map(str, digits))} "
        "decimals) pass, off by twice that fail"
        if digits
        else "no value compared by tolerance"
    )
    problems = []
    for what, items in (("too tight", found.too_tight), ("too loose", found.too_loose)):
        by: dict[str, list[str]] = {}
        for how, where in items:
            by.setdefault(how, []).append(where)
        problems += [f"tolerance {what}: {how} {', '.join(w[:5])}" for how, w in by.items()]
    report.add(
        f"checker self-test: {said}", not problems, "; ".join(problems) or f"{len(cases)} cases"
    )
    if found.weak:
        listed = ", ".join(found.weak[:4]) + (
            f" and {len(found.weak) - 4} more" if len(found.weak) > 4 else ""
        )
        which = "case" if len(found.weak) == 1 else "cases"
        report.warnings.append(f"weak {which} {listed}: an all-zero result passes")
    if found.compared or found.unusable:
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(found.compared.items()))
        wrong = [f"a correct-but-different answer fails {x}" for x in found.rejected[:5]]
        wrong += [f"a wrong answer passes {x}" for x in found.accepted[:5]]
        wrong += found.unusable[:5]
        report.add(
            "comparisons self-test: a correct-but-different answer passes, a wrong one fails",
            not wrong,
            "; ".join(wrong) or kinds,
        )


def _defaults(report: CheckReport, problem: Problem, reference: ModuleType) -> None:
    """Declared defaults agree with the reference's own (what an omitted argument becomes)."""
    target = getattr(reference, problem.entry_point)
    found: list[tuple[str, Any, Mapping[str, Argument]]] = []
    if problem.is_class:
        found.append(("__init__", target.__init__, problem.arguments))
        found += [
            (m.name, getattr(target, m.name, None), m.arguments) for m in problem.methods.values()
        ]
    else:
        found.append((problem.entry_point, target, problem.arguments))
    differ = []
    for name, func, arguments in found:
        try:
            signature = inspect.signature(func) if func is not None else None
        except (TypeError, ValueError):
            signature = None
        for argument in arguments.values():
            declared = argument.default
            if declared is NO_DEFAULT:
                continue
            parameter = signature.parameters.get(argument.name) if signature else None
            theirs = None if parameter is None else parameter.default
            if parameter is None or theirs is inspect.Parameter.empty or theirs != declared:
                shown = (
                    "none"
                    if parameter is None or theirs is inspect.Parameter.empty
                    else repr(theirs)
                )
                differ.append(
                    f"{name}({argument.name}): the spec says {declared!r}, the reference {shown}"
                )
    if differ or any(a.default is not NO_DEFAULT for _, _, args in found for a in args.values()):
        report.add("declared defaults are the reference's", not differ, "; ".join(differ) or "")


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


class _Grading:
    """How one problem's submissions are graded: workers forked from one fork server (a fork
    costs milliseconds where a new interpreter costs a few hundred), one advisor."""

    def __init__(self, problem: Problem, cases: Sequence[Case], sandbox: str) -> None:
        self.problem, self.cases, self.sandbox = problem, cases, sandbox
        self.advisor = advisor_for(problem)
        self.server = ForkServer(launch.resolve(sandbox))

    def grade(self, path: Path, time_scale: float = 1.0) -> tuple[Result, float]:
        started = time.monotonic()
        submission = read_submission(path)
        try:
            with Sandbox(server=self.server) as box:
                result = run_cases(
                    submission, self.problem, self.cases, box, time_scale, self.advisor
                )
        except ServerGone:  # graded again in a worker of its own
            with Sandbox(self.sandbox) as box:
                result = run_cases(
                    submission, self.problem, self.cases, box, time_scale, self.advisor
                )
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
    grading = _Grading(problem, cases, sandbox)
    with grading.server:
        _submissions_by(report, problem, grading)


def _submissions_by(report: CheckReport, problem: Problem, grading: _Grading) -> None:
    result, took = grading.grade(problem.reference)
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
    wrong = [w for path in files if (w := _known(report, path, problem, grading))]
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


def _known(report: CheckReport, path: Path, problem: Problem, grading: _Grading) -> str:
    """Grade one known-verdict submission; "" when it gets its verdict, else what it got."""
    folder = problem.reference.with_suffix("")
    name, expected = path.relative_to(folder), path.parent.name
    result, took = grading.grade(path)
    got = _outcome(result)
    report.submissions.append((str(name), expected, got, took))
    if not _gets(result, expected):
        return f"{name} got {got}"
    # Near the limit? An accepted one must survive half the time; a time_limit one must still
    # time out with twice the time.
    if expected in {"accepted", "time_limit"}:
        scale = 0.5 if expected == "accepted" else 2.0
        flipped, _ = grading.grade(path, time_scale=scale)
        if not _gets(flipped, expected):
            report.warnings.append(
                f"{name}: {expected} with the limits, but {_outcome(flipped)} with limits "
                f"x{scale:g}: too close to the limit"
            )
    return ""
