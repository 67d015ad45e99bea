"""Checking: one case's outcome against its expected value, in the grader's process.

Order of checks: a verdict from the run (error, time limit, ...) stands; then the result is
judged part by part (``parts``; a result that is one value is one part): the kind of value, the
shape exactly (``np.allclose`` would broadcast a 1-vector against any matrix), NaN or inf where a
finite value is expected, then the part's comparison (``compare``), by default
``|got - expected| <= atol + rtol * |expected|`` everywhere (numpy's rule). The worst verdict
of the parts is the case's; its message names each failing part.

Hidden cases come out of here holding no data: their message and hint never quote inputs,
outputs or expected values.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from grader.judge.compare import Custom, Judged
from grader.judge.numeric import compare as compare
from grader.judge.numeric import decimals_for as decimals_for
from grader.judge.numeric import summary as summary
from grader.judge.numeric import within as within
from grader.judge.parts import Judgement, got_at, judge, worst
from grader.model import Case, CaseResult, Detail, Outcome, Part, PartDetail, Verdict, Visibility

# The core's own words; a problem's reference may say it better for its problem (``HINTS``).
NONFINITE_HINT = (
    "NaN or inf usually comes from an overflow (exp or a power of a large number) or a division "
    "by zero: rearrange the computation so that every intermediate value stays finite"
)


class Advice(Protocol):
    """What the problem's reference knows about wrong results (``diagnose.Advisor``)."""

    def words(self, key: str) -> str | None:
        """The reference's own words for ``key`` (``HINTS[key]``), or None."""
        ...

    def explain(
        self,
        case: Case,
        got: Any,
        failing: Sequence[tuple[int | str, ...]] = ((),),
        mistakes_only: bool = False,
    ) -> tuple[str, str] | None:
        """(diagnosis class, hint) naming the mistake behind a wrong ``got`` (whose parts at
        ``failing`` are wrong), or None; ``mistakes_only``: no properties or generic causes."""
        ...

    def check(self, case: Case, checker: str, got: Any, expected: Any) -> tuple[bool, str]:
        """The reference's ``check_<checker>(got, expected, args)`` on this case."""
        ...

    def holds(self, case: Case, got: Any) -> tuple[str, str] | None:
        """(name, hint) of the first property of the reference that ``got`` breaks, or None."""
        ...


def _line(line: int) -> str:
    return f"line {line}"


MAX_PARTS_SAID = 3  # failing parts a message names one by one
INVALID_HIDDEN = "the returned value is not a result of the expected kind (the examples say more)"


def check_case(
    case: Case,
    outcome: Outcome,
    advice: Advice | None = None,
    where: Callable[[int], str] = _line,
) -> CaseResult:
    """The verdict of one case; ``advice`` (the problem's reference) may name the mistake of a
    wrong value and say in its own words what the core only describes."""
    if outcome.verdict is not None:
        return _no_value(case, outcome, outcome.verdict, advice, where)
    return _value(case, outcome, advice)


def _no_value(
    case: Case,
    outcome: Outcome,
    verdict: Verdict,
    advice: Advice | None,
    where: Callable[[int], str],
) -> CaseResult:
    """A case the run gave ``verdict`` for instead of a value (an error, a time limit, ...)."""
    hidden = case.visibility is Visibility.HIDDEN
    message = outcome.message
    hint = diagnosis = None
    if _overflowed(case, outcome):
        diagnosis = "overflow"
        hint = (advice and advice.words("nonfinite")) or NONFINITE_HINT
    if hidden:
        message = _hidden_error(verdict, outcome, where)
        if diagnosis:
            message = f"{message}; diagnosis: {diagnosis}"
    elif outcome.line is not None and verdict is Verdict.RUNTIME_ERROR:
        message = f"{message}; at {where(outcome.line)}"
    detail = (
        None
        if hidden
        else Detail(case.args, case.expected, None, None, outcome.output, case.tolerance)
    )
    return CaseResult(
        case.name,
        case.visibility,
        verdict,
        case.weight,
        outcome.time_s,
        message,
        hint,
        outcome.line,
        detail,
        diagnosis,
    )


def _value(case: Case, outcome: Outcome, advice: Advice | None) -> CaseResult:
    """A case that returned a value: judged part by part, then explained."""
    hidden = case.visibility is Visibility.HIDDEN
    got = outcome.value
    custom: Custom | None = None
    if advice is not None:
        custom = lambda name, g, e: advice.check(case, name, g, e)  # noqa: E731
    judgements = judge(case.result, case.expected, got, custom)
    hint = diagnosis = None
    if (
        advice is not None
        and _wants_properties(case.result)
        and worst(judgements) is Verdict.PASSED
    ):
        broken = advice.holds(case, got)
        if broken is not None:
            name, hint = broken
            diagnosis = f"property: {name}"
            said = f"a property of the answer does not hold: {name}"
            judgements = [
                Judgement("", (), Judged(Verdict.WRONG_ANSWER, said, said), None, case.tolerance),
                *judgements,
            ]
    verdict = worst(judgements)
    failing = [j for j in judgements if j.verdict is not Verdict.PASSED]
    mismatch = failing[0].judged.mismatch if failing else None
    explained = verdict.wrong or verdict is Verdict.INVALID_OUTPUT  # a value of the wrong kind
    nonfinite = mismatch is not None and bool(mismatch.nonfinite)
    if advice is not None and explained and diagnosis is None:
        # a known mistake first: it names the cause more precisely than NaN or inf can
        found = advice.explain(case, got, [j.path for j in failing], nonfinite)
        if found is not None:
            diagnosis, hint = found
    if diagnosis is None and mismatch is not None and mismatch.nonfinite:
        diagnosis = "overflow"
        hint = (advice and advice.words("nonfinite")) or NONFINITE_HINT
    message = _said(failing, hidden)
    if not hidden and mismatch is not None and not mismatch.nonfinite and advice is not None:
        differ = _pattern(mismatch.mask)
        words = advice.words(differ) if differ else None
        if words:
            message = f"{message}; {words}"
    if hidden and diagnosis and verdict is not Verdict.PASSED:
        message = f"{message}; diagnosis: {diagnosis}"
    return CaseResult(
        case.name,
        case.visibility,
        verdict,
        case.weight,
        outcome.time_s,
        message,
        hint,
        outcome.line,
        None if hidden else _detail(case, outcome, judgements),
        diagnosis if verdict is not Verdict.PASSED else None,
    )


EXTREME = 700.0  # |x| from which exp(x) overflows (e^709.8) or exp(-x) all but underflows
# errors that an overflowing or underflowing exp leads to, in plain Python (math.exp, / , log)
OVERFLOW_ERRORS = ("OverflowError",)
UNDERFLOW_ERRORS = ("ZeroDivisionError", "ValueError: math domain error")


def _overflowed(case: Case, outcome: Outcome) -> bool:
    """An error that overflow causes: an OverflowError always; a division by zero or log(0) when
    the case's inputs are large enough for exp to overflow or underflow."""
    if outcome.verdict is not Verdict.RUNTIME_ERROR:
        return False
    if outcome.message.startswith(OVERFLOW_ERRORS):
        return True
    return outcome.message.startswith(UNDERFLOW_ERRORS) and _extreme(case.args)


def _extreme(args: object) -> bool:
    if isinstance(args, dict):
        return any(_extreme(v) for v in args.values())
    if isinstance(args, list):
        return any(_extreme(v) for v in args)
    return isinstance(args, (int, float)) and math.isfinite(args) and abs(args) >= EXTREME


def _wants_properties(part: Part) -> bool:
    return part.check.compare == "properties" or any(_wants_properties(p) for p in part.parts)


def _said(failing: Sequence[Judgement], hidden: bool) -> str:
    """The failing parts' messages, each with its label: at most ``MAX_PARTS_SAID`` of them."""
    texts = []
    for j in failing[:MAX_PARTS_SAID]:
        text = j.judged.hidden if hidden else j.judged.message
        if hidden and j.verdict is Verdict.INVALID_OUTPUT:
            text = INVALID_HIDDEN
        texts.append(f"{j.label}: {text}" if j.label else text)
    more = len(failing) - MAX_PARTS_SAID
    if more > 0:
        texts.append(f"and {more} more part{'s' if more > 1 else ''}")
    return "; ".join(texts)


def _detail(case: Case, outcome: Outcome, judgements: Sequence[Judgement]) -> Detail:
    if len(judgements) == 1 and not judgements[0].label and not judgements[0].path:
        j = judgements[0]
        got = j.judged.got if j.judged.got is not None else outcome.value
        return Detail(case.args, case.expected, got, j.judged.mismatch, outcome.output, j.check)
    parts = tuple(
        PartDetail(
            j.label or "result",
            j.expected,
            j.judged.got if j.judged.got is not None else _at(outcome.value, j.path),
            j.judged.mismatch,
            j.check,
            j.verdict is Verdict.PASSED,
            "" if j.verdict is Verdict.PASSED else j.judged.message,
        )
        for j in judgements
    )
    return Detail(
        case.args, case.expected, outcome.value, None, outcome.output, case.tolerance, parts
    )


def _at(value: Any, path: tuple[int | str, ...]) -> Any:
    try:
        return got_at(value, path)
    except (KeyError, IndexError, TypeError):
        return None


def _hidden_error(verdict: Verdict, outcome: Outcome, where: Callable[[int], str]) -> str:
    """A message for a hidden case's error that reveals no input, output or expected value.

    It holds only the grader's own words, and of what the submission reported, at most a
    built-in exception's name and a line number: the submission chooses its exceptions' names
    and messages, and can forge what the worker reports (``CHILD_VERDICTS``), so none of its
    text is shown.
    """
    at = f" at {where(outcome.line)}" if outcome.line else ""
    if verdict is Verdict.RUNTIME_ERROR:
        name = outcome.message.split(":", 1)[0].strip()
        return f"{name if name in BUILTIN_EXCEPTIONS else 'an exception'} raised{at}"
    if verdict is Verdict.INVALID_OUTPUT:
        return INVALID_HIDDEN
    if verdict is Verdict.MEMORY_LIMIT:
        return f"ran out of memory{at}"
    return outcome.message


# The names of Python's own exceptions: the only exception names a hidden case may show.
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


def _pattern(mask: np.ndarray) -> str:
    """Where the differing entries of a square matrix are: ``only_diagonal``,
    ``only_off_diagonal``, or "" (both, or not a square matrix)."""
    if mask.ndim != 2 or mask.shape[0] != mask.shape[1] or mask.shape[0] < 2:
        return ""
    diagonal = np.eye(mask.shape[0], dtype=bool)
    on, off = bool((mask & diagonal).any()), bool((mask & ~diagonal).any())
    if on and not off:
        return "only_diagonal"
    if off and not on:
        return "only_off_diagonal"
    return ""
