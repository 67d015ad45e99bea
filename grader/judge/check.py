"""Checking: one case's outcome against its expected value, in the grader's process.

Order of checks: a verdict from the run (error, time limit, ...) stands; then the shape must match
exactly (``np.allclose`` would broadcast a 1-vector against any matrix); then NaN or inf where a
finite value is expected fails; then every entry must satisfy
``|got - expected| <= atol + rtol * |expected|`` (numpy's rule).

Hidden cases come out of here holding no data: their message and hint never quote inputs,
outputs or expected values.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Protocol

import numpy as np

from grader.model import Case, CaseResult, Detail, Mismatch, Outcome, Verdict, Visibility

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

    def explain(self, case: Case, got: np.ndarray) -> tuple[str, str] | None:
        """(diagnosis class, hint) naming the mistake behind a wrong ``got``, or None."""
        ...


def _line(line: int) -> str:
    return f"line {line}"


def check_case(
    case: Case,
    outcome: Outcome,
    advice: Advice | None = None,
    where: Callable[[int], str] = _line,
) -> CaseResult:
    """The verdict of one case; ``advice`` (the problem's reference) may name the mistake of a
    wrong value and say in its own words what the core only describes."""
    verdict, message, got, mismatch = _judge(case, outcome, where)
    hint = diagnosis = None
    if (mismatch is not None and mismatch.nonfinite) or _overflowed(case, outcome):
        diagnosis = "overflow"
        hint = (advice and advice.words("nonfinite")) or NONFINITE_HINT
    elif advice is not None and got is not None and verdict.wrong:
        found = advice.explain(case, got)
        if found is not None:
            diagnosis, hint = found
    if mismatch is not None and not mismatch.nonfinite and advice is not None:
        differ = _pattern(mismatch.mask)
        said = differ and advice.words(differ)
        if said:
            message = f"{message}; {said}"
    hidden = case.visibility is Visibility.HIDDEN
    if hidden:
        message = _hidden_message(verdict, outcome, got, case.expected, mismatch, where)
        if diagnosis and verdict is not Verdict.PASSED:
            message = f"{message}; diagnosis: {diagnosis}"
    detail = (
        None
        if hidden
        else Detail(case.args, case.expected, got, mismatch, outcome.output, case.tolerance)
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


def _judge(
    case: Case, outcome: Outcome, where: Callable[[int], str]
) -> tuple[Verdict, str, np.ndarray | None, Mismatch | None]:
    if outcome.verdict is not None or outcome.value is None:
        verdict = outcome.verdict or Verdict.CRASHED
        message = outcome.message
        if outcome.line is not None and verdict is Verdict.RUNTIME_ERROR:
            message = f"{message}; at {where(outcome.line)}"
        return verdict, message, None, None
    got, expected = outcome.value, case.expected
    if got.shape != expected.shape:
        if case.tolerance.squeeze and np.squeeze(got).shape == np.squeeze(expected).shape:
            got = got.reshape(expected.shape)
        else:
            return (
                Verdict.WRONG_SHAPE,
                f"expected shape {_shape(expected)}, got {_shape(got)}",
                got,
                None,
            )
    mismatch = compare(got, expected, case.tolerance.atol, case.tolerance.rtol)
    if mismatch is None:
        return Verdict.PASSED, "", got, None
    if mismatch.nonfinite:
        return (
            Verdict.WRONG_ANSWER,
            f"{mismatch.nonfinite} of {mismatch.total} entries are NaN or inf where finite "
            "values are expected",
            got,
            mismatch,
        )
    return (
        Verdict.WRONG_ANSWER,
        summary(mismatch, case.tolerance.atol, case.tolerance.rtol),
        got,
        mismatch,
    )


PREFIX = 4096  # entries checked first: most wrong results are wrong there already


def within(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> bool:
    """Whether every entry is within tolerance (``compare``'s rule), as fast as can be:
    a large result is rejected from its first entries when they are already off."""
    if got.shape != expected.shape:
        return False
    if got.size > PREFIX and not within(
        got.reshape(-1)[:PREFIX], expected.reshape(-1)[:PREFIX], atol, rtol
    ):
        return False
    return bool(_ok(got, expected, atol, rtol)[0].all())


def _ok(
    got: np.ndarray, expected: np.ndarray, atol: float, rtol: float
) -> tuple[np.ndarray, np.ndarray]:
    """(where each entry is within tolerance, |got - expected|)."""
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.subtract(got, expected)
        np.abs(diff, out=diff)
        bound = atol + rtol * np.abs(expected) if rtol else atol
        ok = diff <= bound  # False wherever either side is NaN
        if ok.all():  # the common case, in one pass over large results
            return ok, diff
        finite_expected = np.isfinite(expected)
        if not finite_expected.all():
            special = (got == expected) | (np.isnan(got) & np.isnan(expected))
            ok = np.where(finite_expected, ok, special)
    return ok, diff


def compare(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> Mismatch | None:
    """None when every entry is within tolerance; else where and how far it is off.

    NaN matches NaN and an infinity matches the same infinity only where the expected value
    itself is not finite.
    """
    ok, diff = _ok(got, expected, atol, rtol)
    if ok.all():
        return None
    finite_expected = np.isfinite(expected)
    bad = ~ok
    count = int(bad.sum())
    nonfinite = int((finite_expected & ~np.isfinite(got)).sum())
    scored = np.where(bad & np.isfinite(diff), diff, -1.0)
    flat = int(np.argmax(scored)) if np.isfinite(diff[bad]).any() else int(np.argmax(bad))
    at = tuple(int(i) for i in np.unravel_index(flat, expected.shape)) if expected.ndim else ()
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(bad & np.isfinite(diff), diff / np.abs(expected), 0.0)
    max_rel = float(np.nanmax(rel)) if rel.size else 0.0
    max_abs = float(diff.flat[flat]) if diff.size else float(diff)
    mask = bad if bad.ndim else np.asarray(bad)
    return Mismatch(count, int(expected.size) or 1, max_abs, at, max_rel, nonfinite, mask)


def summary(m: Mismatch, atol: float, rtol: float) -> str:
    """``3 of 9 entries differ; max abs diff 0.0124 at [0, 2] (rel 15%); tolerance 1e-4``."""
    where = f" at [{', '.join(map(str, m.max_abs_at))}]" if m.max_abs_at else ""
    rel = f", rel {_pct(m.max_rel)}" if np.isfinite(m.max_rel) else ", rel inf"
    tol = f"{atol:g}" + (f" + {rtol:g}*|expected|" if rtol else "")
    return (
        f"{m.count} of {m.total} entries differ; max abs diff {m.max_abs:.4g}{where}{rel}; "
        f"tolerance {tol}"
    )


def _hidden_message(
    verdict: Verdict,
    outcome: Outcome,
    got: np.ndarray | None,
    expected: np.ndarray,
    mismatch: Mismatch | None,
    where: Callable[[int], str] = _line,
) -> str:
    """A message for a hidden case that reveals no input, output or expected value.

    It holds only the grader's own words, and of what the submission reported, at most a
    built-in exception's name and a line number: the submission chooses its exceptions' names
    and messages, and can forge what the worker reports (``CHILD_VERDICTS``), so none of its
    text is shown.
    """
    at = f" at {where(outcome.line)}" if outcome.line else ""
    if verdict is Verdict.WRONG_SHAPE and got is not None:
        return f"expected a {expected.ndim}-D result, got {got.ndim}-D"
    if verdict is Verdict.WRONG_ANSWER and mismatch is not None and mismatch.nonfinite:
        return "NaN or inf where finite values are expected"
    if verdict is Verdict.WRONG_ANSWER:
        return "values outside the tolerance"
    if verdict is Verdict.RUNTIME_ERROR:
        name = outcome.message.split(":", 1)[0].strip()
        return f"{name if name in BUILTIN_EXCEPTIONS else 'an exception'} raised{at}"
    if verdict is Verdict.INVALID_OUTPUT:
        return "the returned value is not a result of the expected kind (the examples say more)"
    if verdict is Verdict.MEMORY_LIMIT:
        return f"ran out of memory{at}"
    return outcome.message if verdict is not Verdict.PASSED else ""


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


def decimals_for(atol: float) -> int:
    """Digits after the point that make a difference of ``atol`` visible (4 for 1e-4)."""
    if atol <= 0:
        return 6
    return min(10, max(1, math.ceil(-math.log10(atol) - 1e-9)))


def _shape(a: np.ndarray) -> str:
    return str(tuple(a.shape))


def _pct(x: float) -> str:
    return f"{x:.1%}" if x < 10 else f"{x:.3g}x"
