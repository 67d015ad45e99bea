"""Why a result is wrong: known mistakes of the problem, then mistakes any problem can have.

A problem's reference may declare known mistakes: functions named ``mistake_<name>`` that
reproduce a typical wrong implementation, whose docstring is the hint to show. When a failing
result matches one (same shape, within the case's tolerance), that hint is given. It may also
declare properties every right answer has: functions ``property_<name>(*args, result) -> bool``
whose docstring is the hint when a failing result breaks them (for the Jacobian: symmetry, rows
summing to zero). Otherwise the result is compared with simple transformations of the expected
value: its negation, its transpose, the value rounded to fewer decimals. All of this runs in the
grader's process, on the reference's functions; the submission's process never sees any of it.
Hints name a mistake, never a value, so they are safe to show for hidden cases.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from grader.judge.check import decimals_for, within
from grader.model import Case, Tolerance
from grader.run.child.worker import build_args

MEMO_BYTES = 256 << 20  # what an Advisor keeps of per-case values for the next submission


@dataclass(frozen=True)
class Mistake:
    """A known mistake (``reproduce`` gives its result) or a property (``reproduce`` tests one)."""

    name: str
    hint: str
    reproduce: Callable[..., Any]
    kind: str = "mistake"  # or "property"


def known_mistakes(reference: ModuleType) -> tuple[Mistake, ...]:
    """The ``mistake_*`` and ``property_*`` functions of a reference module, in source order."""
    found = []
    for name, func in vars(reference).items():
        kind, _, rest = name.partition("_")
        if kind in {"mistake", "property"} and rest and callable(func):
            doc = (func.__doc__ or "").strip()
            hint = " ".join(doc.split("\n\n")[0].split()) or rest
            line = getattr(getattr(func, "__code__", None), "co_firstlineno", 0)
            found.append((line, Mistake(rest.replace("_", " "), hint, func, kind)))
    return tuple(m for _, m in sorted(found, key=lambda item: item[0]))


# memo(key, compute): a value that depends only on the case, computed once per case when the
# caller keeps it (a batch job diagnoses the same cases for every submission).
Memo = Callable[[str, Callable[[], "np.ndarray | None"]], "np.ndarray | None"]


def _compute(key: str, compute: Callable[[], np.ndarray | None]) -> np.ndarray | None:
    return compute()


def explain(
    got: np.ndarray,
    expected: np.ndarray,
    args: Mapping[str, Any],
    arguments: Mapping[str, str],
    tolerance: Tolerance,
    mistakes: Sequence[Mistake],
    decimals: int,
    memo: Memo = _compute,
) -> tuple[str, str] | None:
    """(diagnosis class, hint) for a wrong result, or None when nothing explains it."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # instructor code, quietly
        warnings.simplefilter("ignore")
        found = _declared(got, args, arguments, tolerance, mistakes, memo)
    return found or _generic(got, expected, tolerance, decimals, memo)


def _reproduce(
    mistake: Mistake, args: Mapping[str, Any], arguments: Mapping[str, str]
) -> np.ndarray | None:
    try:
        return np.asarray(mistake.reproduce(*build_args(args, arguments)), dtype=np.float64)
    except Exception:  # a mistake that does not apply to this case
        return None


def _declared(
    got: np.ndarray,
    args: Mapping[str, Any],
    arguments: Mapping[str, str],
    tolerance: Tolerance,
    mistakes: Sequence[Mistake],
    memo: Memo,
) -> tuple[str, str] | None:
    for mistake in (m for m in mistakes if m.kind == "mistake"):
        produced = memo(f"mistake {mistake.name}", lambda: _reproduce(mistake, args, arguments))  # noqa: B023
        if produced is None:
            continue
        if produced.shape == got.shape and _close(got, produced, tolerance):
            return f"known mistake: {mistake.name}", mistake.hint
    for prop in (m for m in mistakes if m.kind == "property"):
        try:
            holds = bool(prop.reproduce(*build_args(args, arguments), got.copy()))
        except Exception:  # a property that cannot be tested on this result (e.g. its shape)
            continue
        if not holds:
            return f"property: {prop.name}", prop.hint
    return None


def _generic(
    got: np.ndarray, expected: np.ndarray, tolerance: Tolerance, decimals: int, memo: Memo
) -> tuple[str, str] | None:
    if got.shape != expected.shape:
        return None
    if np.any(expected != 0) and _close(got, -expected, tolerance):
        return "sign", "your result is the negation of the expected one: check the sign"
    if (
        expected.ndim == 2
        and not _close(expected, expected.T, tolerance)
        and got.shape == expected.T.shape
        and _close(got, expected.T, tolerance)
    ):
        return "transpose", "your result is the transpose of the expected one: swap the indices"
    whole = _whole_numbers(got, expected)
    if whole is not None:
        return whole
    for fewer in range(decimals):
        rounded = memo(f"rounded {fewer}", lambda: np.round(expected, fewer))  # noqa: B023
        if rounded is not None and _close(got, rounded, tolerance):
            return "rounding", (
                f"your values look rounded to {fewer} decimals; round to {decimals} (or not at all)"
            )
    return None


ZEROS_HINT = (
    "your result is all zeros where fractions are expected: an integer array truncates every "
    "fraction stored in it to 0 (np.zeros((n, n), dtype=int), or np.zeros_like of integer "
    "input); create it with dtype=float. Or is it never filled in?"
)
INTEGER_HINT = (
    "your values are whole numbers where fractions are expected: they were truncated to integers "
    "(an integer array such as np.zeros_like of integer input, int(), or //); compute in floats"
)


def _whole_numbers(got: np.ndarray, expected: np.ndarray) -> tuple[str, str] | None:
    """Integer truncation: a result of whole numbers where the expected one has fractions, and
    not what rounding to 0 decimals gives (that is ``rounding``)."""
    finite = np.isfinite(expected)
    if not finite.all() or not np.isfinite(got).all():
        return None
    if np.array_equal(expected, np.trunc(expected)) or not np.array_equal(got, np.trunc(got)):
        return None
    if not got.any():
        return "integer truncation", ZEROS_HINT
    if np.array_equal(got, np.trunc(expected)) or np.array_equal(got, np.floor(expected)):
        return "integer truncation", INTEGER_HINT
    return None


def _close(a: np.ndarray, b: np.ndarray, tolerance: Tolerance) -> bool:
    return within(a, b, tolerance.atol, tolerance.rtol)


class Advisor:
    """A problem's reference as the judge consults it: its ``HINTS`` and its known mistakes.

    ``load`` imports the reference; it is called on the first wrong result only. What depends
    only on a case (a known mistake's result, the expected value rounded) is kept, up to
    ``MEMO_BYTES``, for the next submission on the same case (a batch job grades many).
    """

    def __init__(self, load: Callable[[], ModuleType], arguments: Mapping[str, str]) -> None:
        self._load = load
        self._arguments = arguments
        self._reference: ModuleType | None = None
        self._mistakes: tuple[Mistake, ...] = ()
        self._kept: dict[tuple[int, str], np.ndarray | None] = {}
        self._room = MEMO_BYTES

    def _module(self) -> ModuleType:
        if self._reference is None:
            self._reference = self._load()
            self._mistakes = known_mistakes(self._reference)
        return self._reference

    def words(self, key: str) -> str | None:
        """``HINTS[key]`` of the reference (``nonfinite``, ``only_diagonal``, ...), or None."""
        hints = getattr(self._module(), "HINTS", None)
        said = hints.get(key) if isinstance(hints, dict) else None
        return said if isinstance(said, str) else None

    def explain(self, case: Case, got: np.ndarray) -> tuple[str, str] | None:
        """(diagnosis class, hint) for a wrong ``got`` on ``case``, or None."""
        self._module()

        def memo(key: str, compute: Callable[[], np.ndarray | None]) -> np.ndarray | None:
            if (case.index, key) in self._kept:
                return self._kept[(case.index, key)]
            value = compute()
            size = 0 if value is None else value.nbytes
            if size <= self._room:
                self._room -= size
                self._kept[(case.index, key)] = value
            return value

        return explain(
            got,
            case.expected,
            case.args,
            self._arguments,
            case.tolerance,
            self._mistakes,
            decimals_for(case.tolerance.atol),
            memo,
        )
