"""How a solution's time grows with the input, next to the reference's, for a too-slow result.

When a case hits its time limit and the problem has cases of several sizes, the times of the
cases that finished give an estimate of the exponent k in ``time ~ n^k`` (n: the number of values
in the largest argument), by least squares on a log-log scale over the cases slow enough to be
measured. The reference is timed on the same cases, in the grader's process. The timed-out case
then says both: "grows like n^3; the reference like n^2". It names no input or size of a hidden
case.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from grader.model import CaseResult, Verdict

SUBMISSION_FLOOR = 2e-3  # seconds: below this a case's time is mostly the grader's overhead
REFERENCE_FLOOR = 5e-5  # seconds: the reference runs in-process, without that overhead
MIN_SPREAD = 3.0  # the largest size measured must be at least this many times the smallest
UPPER_RANGE = 16  # sizes more than this many times below the largest are left out
FINISHED = frozenset({Verdict.PASSED, Verdict.WRONG_ANSWER, Verdict.WRONG_SHAPE})

# case index -> seconds the reference takes on that case (best of a few runs), or None
Timer = Callable[[int], "float | None"]


def size(args: Mapping[str, Any]) -> int:
    """The number of values in the largest argument."""

    def count(value: Any) -> int:
        if isinstance(value, list):
            return sum(count(v) for v in value) if value else 0
        return 1

    return max((count(v) for v in args.values()), default=0)


def exponent(points: Sequence[tuple[int, float]], floor: float) -> float | None:
    """The slope of log(time) against log(size) over the points at or above ``floor`` seconds;
    None unless at least two sizes, ``MIN_SPREAD`` apart, are measured."""
    kept = [(n, t) for n, t in points if t >= floor and n > 0]
    if kept:  # growth is judged over the upper range of sizes, where overheads matter least
        top = max(n for n, _ in kept)
        kept = [(n, t) for n, t in kept if n * UPPER_RANGE >= top]
    sizes = {n for n, _ in kept}
    if len(sizes) < 2 or max(sizes) < MIN_SPREAD * min(sizes):
        return None
    xs = [math.log(n) for n, _ in kept]
    ys = [math.log(t) for _, t in kept]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else None


def power(k: float) -> str:
    """``n^3``, ``n^2``, ``n``, ``a constant``: k to the nearest whole power (a rough guide)."""
    whole = round(k)
    if whole <= 0:
        return "a constant"
    return "n" if whole == 1 else f"n^{whole}"


def annotate(
    results: Sequence[CaseResult],
    sizes: Sequence[int] | Callable[[], Sequence[int]],
    limits: Sequence[float],
    reference: Timer,
) -> tuple[CaseResult, ...]:
    """Name the limit in every time-limited case, and add the growth estimate when the cases
    give one. ``sizes`` (or what computes them, called only when a case timed out), ``limits``
    and ``reference`` are per case, in the order of ``results``.
    """
    slow = [i for i, r in enumerate(results) if r.verdict is Verdict.TIME_LIMIT]
    if not slow:
        return tuple(results)
    growth = _growth(results, sizes() if callable(sizes) else sizes, slow, reference)
    out = list(results)
    for i in slow:
        r = results[i]
        if r.message.startswith("took longer than") or not r.message:
            message = f"exceeded the time limit of {limits[i]:g} s per call"
        else:
            message = r.message
        out[i] = replace(r, message=f"{message}; {growth}" if growth else message)
    return tuple(out)


def _growth(
    results: Sequence[CaseResult], sizes: Sequence[int], slow: list[int], reference: Timer
) -> str:
    finished = [(sizes[i], r.time_s) for i, r in enumerate(results) if r.verdict in FINISHED]
    mine = exponent(finished, SUBMISSION_FLOOR)
    if mine is None:  # a case cut off at its limit took at least that long: a lower bound
        mine = exponent([*finished, *((sizes[i], results[i].time_s) for i in slow)], 0.0)
    if mine is None:
        return ""
    measured = [i for i, r in enumerate(results) if r.verdict in FINISHED or i in slow]
    theirs = exponent(
        [(sizes[i], t) for i in measured if (t := reference(i)) is not None], REFERENCE_FLOOR
    )
    if theirs is None:
        return f"your time grows like {power(mine)} with the input size"
    if round(mine) <= round(theirs):
        return (
            f"your time grows like {power(mine)}, as the reference's does: it is slower by a "
            "constant factor (Python loops where numpy would do?)"
        )
    return f"your time grows like {power(mine)}; the reference's like {power(theirs)}"


def timer(solve: Callable[[int], object], budget: float = 0.2) -> Timer:
    """A Timer over ``solve(case index)``: the best of up to 5 runs within ``budget`` seconds
    per case, each case timed once."""
    memo: dict[int, float | None] = {}

    def time_of(index: int) -> float | None:
        if index not in memo:
            best = math.inf
            spent = 0.0
            for _ in range(5):
                started = time.perf_counter()
                try:
                    solve(index)
                except Exception:  # the reference fails on nothing it was checked on
                    memo[index] = None
                    return None
                took = time.perf_counter() - started
                best, spent = min(best, took), spent + took
                if spent > budget:
                    break
            memo[index] = best
        return memo[index]

    return time_of
