"""Why a result is wrong: known mistakes of the problem, then mistakes any problem can have.

A problem's reference may declare known mistakes: functions (or, for a class problem, classes)
named ``mistake_<name>`` that reproduce a typical wrong implementation, whose docstring is the
hint to show. Each is run exactly as the submission was (the same call, seed, script), and when a
failing result matches it on every failing part (same kind and shape, within that part's
comparison), that hint is given. It may also declare properties every right answer has:
``property_<name>(*args, result=...) -> bool`` (a class problem: ``(calls, result=...)``), whose
docstring is the hint when a failing result breaks them; a part compared by ``properties`` has no
expected value to match and passes when they all hold. Otherwise a failing number array is
compared with simple transformations of the expected one: its negation, its transpose, the value
rounded to fewer decimals. Custom comparisons (``check_<name>(got, expected, args)``) are run
here too.

All of this runs in the grader's process, on the reference's functions, on decoded values; the
submission's process never sees any of it. Hints name a mistake, never a value, so they are safe
to show for hidden cases.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import numpy as np

from grader.judge.compare import Custom
from grader.judge.numeric import decimals_for, within
from grader.judge.parts import judge, worst
from grader.judge.properties import copy_node, first_broken
from grader.model import Case, Part, Tolerance, Verdict
from grader.problem.cases import run
from grader.run.child.calls import arguments as build_arguments

MEMO_BYTES = 256 << 20  # what an Advisor keeps of per-case values for the next submission
Path = tuple[int | str, ...]


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
            code = getattr(func, "__code__", None) or getattr(
                getattr(func, "__init__", None), "__code__", None
            )
            line = getattr(code, "co_firstlineno", 0)
            found.append((line, Mistake(rest.replace("_", " "), hint, func, kind)))
    return tuple(m for _, m in sorted(found, key=lambda item: item[0]))


# memo(key, compute): a value that depends only on the case, computed once per case when the
# caller keeps it (a batch job diagnoses the same cases for every submission).
Memo = Callable[[str, Callable[[], Any]], Any]


def _compute(key: str, compute: Callable[[], Any]) -> Any:
    return compute()


def call_values(case: Case) -> tuple[list[Any], dict[str, Any]]:
    """Fresh arguments for a property: every argument by name, defaults filled in; a class
    problem's: its script as data."""
    if case.filled is None:
        return [copy.deepcopy(case.args.get("calls"))], {}
    fresh = copy.deepcopy(case.filled)
    return build_arguments(fresh.get("args", ()), fresh.get("kwargs", ()), fresh.get("seed"))


def named_values(case: Case) -> dict[str, Any]:
    """The arguments of ``case`` by name, defaults filled in (a checker's ``args``)."""
    if case.filled is None:
        return {"calls": copy.deepcopy(case.args.get("calls"))}
    return call_values(case)[1]


def explain(
    case: Case,
    got: Any,
    failing: Sequence[Path],
    mistakes: Sequence[Mistake],
    memo: Memo = _compute,
    custom: Custom | None = None,
    mistakes_only: bool = False,
) -> tuple[str, str] | None:
    """(diagnosis class, hint) for a wrong result, or None when nothing explains it;
    ``mistakes_only``: declared mistakes only (a NaN breaks properties without naming a cause)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # instructor code, quietly
        warnings.simplefilter("ignore")
        found = _declared(case, got, failing, mistakes, memo, custom, mistakes_only)
    if found or len(failing) != 1 or mistakes_only:
        return found
    part, expected = _at_part(case.result, failing[0]), _at(case.expected, failing[0])
    value = _at(got, failing[0])
    if part is None or not isinstance(expected, np.ndarray) or not isinstance(value, np.ndarray):
        return None
    if part.check.compare != "close" or expected.dtype.kind != "f":
        return None
    key = "".join(f"[{k}]" for k in failing[0])
    return _generic(value, expected, part.check, decimals_for(part.check.atol), memo, key)


def _reproduce(mistake: Mistake, case: Case) -> Any:
    try:
        return run(mistake.reproduce, case.filled or case.call, case.result)
    except Exception:  # a mistake that does not apply to this case
        return None


def _declared(
    case: Case,
    got: Any,
    failing: Sequence[Path],
    mistakes: Sequence[Mistake],
    memo: Memo,
    custom: Custom | None = None,
    mistakes_only: bool = False,
) -> tuple[str, str] | None:
    for mistake in (m for m in mistakes if m.kind == "mistake"):
        produced = memo(f"mistake {mistake.name}", lambda: _reproduce(mistake, case))  # noqa: B023
        if produced is None:
            continue
        if all(_matches(case, got, produced, path, custom) for path in failing):
            return f"known mistake: {mistake.name}", mistake.hint
    if mistakes_only:
        return None
    broken = holds(case, got, mistakes)
    return (f"property: {broken[0]}", broken[1]) if broken else None


def holds(
    case: Case, got: Any, mistakes: Sequence[Mistake], strict: bool = False
) -> tuple[str, str] | None:
    """(name, hint) of the first property ``got`` breaks, or None; ``strict``: one that raises
    breaks (the part is compared by properties), else it is skipped (an explanation)."""
    props = [(m.name, m.hint, m.reproduce) for m in mistakes if m.kind == "property"]
    if not props:
        return None
    try:
        args, kwargs = call_values(case)
    except Exception:
        return None
    return first_broken(props, args, kwargs, got, strict)


_MISSING = object()


def _at(node: Any, path: Path) -> Any:
    try:
        for key in path:
            node = node[key]
    except (KeyError, IndexError, TypeError):
        return _MISSING
    return node


def _at_part(part: Part, path: Path) -> Part | None:
    for key in path:
        if part.kind == "tuple" and isinstance(key, int) and key < len(part.parts):
            part = part.parts[key]
        elif part.kind == "list" and part.parts:
            part = part.parts[0]
        elif part.kind == "dict":
            part = next((p for p in part.parts if p.name == key), Part("any", None, part.check))
        else:
            return Part("any", None, part.check)
    return part


def _matches(case: Case, got: Any, produced: Any, path: Path, custom: Custom | None) -> bool:
    """Whether ``got`` agrees with a mistake's result at ``path``, by that part's comparison
    (a NaN matches a NaN; a part compared by properties is compared as numbers)."""
    mine, theirs, part = _at(got, path), _at(produced, path), _at_part(case.result, path)
    if mine is _MISSING or theirs is _MISSING or part is None:
        return False
    if _identical(mine, theirs):  # NaN where the mistake has NaN too
        return True
    return worst(judge(_numbers(part), theirs, mine, custom)) is Verdict.PASSED


def _identical(a: Any, b: Any) -> bool:
    """The same values, NaN equal to NaN, where the mistake's value holds a NaN or an inf (a
    comparison would tell them apart; they are the same mistake)."""
    if not _nonfinite(b):
        return False
    return _equal(a, b)


def _nonfinite(node: Any) -> bool:
    if isinstance(node, np.ndarray):
        return node.dtype.kind == "f" and not bool(np.isfinite(node).all())
    if isinstance(node, dict):
        return any(_nonfinite(v) for v in node.values())
    if isinstance(node, (tuple, list)):
        return any(_nonfinite(v) for v in node)
    return False


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape:
            return False
        nan = a.dtype.kind == "f" and b.dtype.kind == "f"
        return (
            bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=nan))
            if nan
            else bool(np.array_equal(a, b))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _numbers(part: Part) -> Part:
    if part.check.compare != "properties":
        return replace(part, parts=tuple(_numbers(p) for p in part.parts))
    check = replace(part.check, compare="close")
    return replace(part, check=check, parts=tuple(_numbers(p) for p in part.parts))


def _generic(
    got: np.ndarray,
    expected: np.ndarray,
    tolerance: Tolerance,
    decimals: int,
    memo: Memo,
    key: str = "",
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
        rounded = memo(f"rounded {fewer}{key}", lambda: np.round(expected, fewer))  # noqa: B023
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


def _nbytes(node: Any) -> int:
    if isinstance(node, np.ndarray):
        return int(node.nbytes)
    if isinstance(node, dict):
        return sum(_nbytes(v) for v in node.values())
    if isinstance(node, (tuple, list)):
        return sum(_nbytes(v) for v in node)
    return 64


class Advisor:
    """A problem's reference as the judge consults it: its ``HINTS``, known mistakes,
    properties and checkers.

    ``load`` imports the reference; it is called on the first wrong result only. What depends
    only on a case (a known mistake's result, the expected value rounded) is kept, up to
    ``MEMO_BYTES``, for the next submission on the same case (a batch job grades many).
    """

    def __init__(self, load: Callable[[], ModuleType], *_: Any) -> None:
        self._load = load
        self._reference: ModuleType | None = None
        self._mistakes: tuple[Mistake, ...] = ()
        self._kept: dict[tuple[int, str], Any] = {}
        self._room = MEMO_BYTES

    def module(self) -> ModuleType:
        """The reference module (imported on first use)."""
        return self._module()

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

    def explain(
        self,
        case: Case,
        got: Any,
        failing: Sequence[Path] = ((),),
        mistakes_only: bool = False,
    ) -> tuple[str, str] | None:
        """(diagnosis class, hint) for a wrong ``got`` on ``case``, or None."""
        self._module()

        def memo(key: str, compute: Callable[[], Any]) -> Any:
            if (case.index, key) in self._kept:
                return self._kept[(case.index, key)]
            value = compute()
            size = 0 if value is None else _nbytes(value)
            if size <= self._room:
                self._room -= size
                self._kept[(case.index, key)] = value
            return value

        def custom(name: str, mine: Any, theirs: Any) -> tuple[bool, str]:
            return self.check(case, name, mine, theirs)

        return explain(case, got, failing, self._mistakes, memo, custom, mistakes_only)

    def check(self, case: Case, checker: str, got: Any, expected: Any) -> tuple[bool, str]:
        """The reference's ``check_<checker>(got, expected, args)``: (ok, message). A checker
        that raises rejects the value, saying so (``grader check`` proves it accepts the
        reference's own results)."""
        func = getattr(self._module(), f"check_{checker}", None)
        if not callable(func):
            return False, f"the problem's checker check_{checker} is missing"
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                answer = func(copy_node(got), copy_node(expected), named_values(case))
            ok, message = answer if isinstance(answer, tuple) else (answer, "")
        except Exception as exc:
            return (
                False,
                f"the problem's checker could not compare this value ({type(exc).__name__})",
            )
        return bool(ok), str(message or "")

    def holds(self, case: Case, got: Any) -> tuple[str, str] | None:
        """(name, hint) of the first property ``got`` breaks (or raises on), or None."""
        self._module()
        return holds(case, got, self._mistakes, strict=True)
