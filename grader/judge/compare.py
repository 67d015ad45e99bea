"""One value of a result against the expected one, by its part's comparison (``Tolerance``).

Order: the kind of value (numbers, text, None), then the shape (exactly: ``np.allclose``
broadcasts), then NaN or inf where finite values are expected, then the comparison itself:
``close`` (numpy's rule), ``exact``, or one that allows what does not change the answer: the sign
of each vector, the order of items, the names of labels, a global scale; or a relative error in
the 2-norm. ``custom`` asks the reference's checker; ``properties`` are tested by the caller.

Each judgement carries two messages: one for an example (it may quote shapes and values), one
for a hidden case (it reveals no input, output or expected value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.judge.matching import reorder
from grader.judge.numeric import compare as close_mismatch
from grader.judge.numeric import summary
from grader.model import Mismatch, Tolerance, Verdict

# (checker name, got, expected) -> (ok, message): the reference's check_<name> on this case
Custom = Callable[[str, Any, Any], tuple[bool, str]]
MIN_SCALE = 1e-6  # the smallest global scale ``scale`` accepts: a smaller multiple is zero
BOOLEANS = (
    "booleans (True/False) where numbers are expected: return numbers (for example "
    "x.astype(float), or np.where(cond, a, b))"
)


@dataclass(frozen=True)
class Judged:
    verdict: Verdict
    message: str  # for an example
    hidden: str  # for a hidden case: no data
    got: Any = None  # the value as compared (with signs, order or labels matched)
    mismatch: Mismatch | None = None


PASSED = Judged(Verdict.PASSED, "", "")


def describe(node: Any, shapes: bool = True) -> str:
    """``an array of shape (3, 2)`` (``a 2-D array`` without ``shapes``), ``a number``, ..."""
    if node is None:
        return "None"
    if isinstance(node, str):
        return "a string"
    if isinstance(node, np.ndarray):
        if node.ndim == 0:
            return "a boolean" if node.dtype == np.bool_ else "a number"
        return f"an array of shape {tuple(node.shape)}" if shapes else f"a {node.ndim}-D array"
    if isinstance(node, dict):  # without shapes (a hidden case): the learner's keys stay unsaid
        return f"a dict with keys {', '.join(map(repr, list(node)[:6]))}" if shapes else "a dict"
    kind = "tuple" if isinstance(node, tuple) else "list"
    if not shapes:  # a hidden case: how many parts the learner returned may echo its input
        return f"a {kind}"
    return f"a {kind} of {len(node)} " + ("part" if len(node) == 1 else "parts")


def judge_leaf(
    got: Any, expected: Any, check: Tolerance, top: bool, custom: Custom | None = None
) -> Judged:
    """The judgement of ``got`` against the leaf ``expected`` (an ndarray, a str or None)."""
    if expected is None:
        if got is None:
            return PASSED
        return _wrong(f"expected None, got {describe(got)}", "expected None")
    if isinstance(expected, str):
        return _text(got, expected, check, top)
    if got is None:
        what = (
            "the function returned None (is a `return` statement missing?)"
            if top
            else ("None where numbers are expected (is a value missing?)")
        )
        return Judged(Verdict.INVALID_OUTPUT, what, what)
    if isinstance(got, str):
        what = "the function returned a string, not numbers" if top else "a string, not numbers"
        return Judged(Verdict.INVALID_OUTPUT, what, what)
    if not isinstance(got, np.ndarray):
        return _shape_wrong(expected, got)
    typed = _typed(got, expected)
    if isinstance(typed, Judged):
        return typed
    got = typed
    if got.shape != expected.shape:
        if check.squeeze and np.squeeze(got).shape == np.squeeze(expected).shape:
            got = got.reshape(expected.shape)
        else:
            return _shape_wrong(expected, got)
    if check.compare == "custom" and custom is not None and check.checker:
        return _custom(custom, check.checker, got, expected)
    if check.compare == "properties":
        return _finite(got, expected) or Judged(Verdict.PASSED, "", "", got)
    return _values(got, expected, check)


def _finite(got: np.ndarray, expected: np.ndarray) -> Judged | None:
    """NaN or inf where the expected value is finite (before properties are tested), or None."""
    if got.dtype.kind != "f":
        return None
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(got) & np.isfinite(expected.astype(np.float64))
    count = int(bad.sum())
    if not count:
        return None
    total = int(expected.size) or 1
    at = np.unravel_index(int(np.argmax(bad)), bad.shape) if bad.ndim else ()
    m = Mismatch(count, total, float("inf"), tuple(int(i) for i in at), float("inf"), count, bad)
    message = f"{count} of {total} entries are NaN or inf where finite values are expected"
    return _wrong(message, "NaN or inf where finite values are expected", got, m)


def _wrong(message: str, hidden: str, got: Any = None, m: Mismatch | None = None) -> Judged:
    return Judged(Verdict.WRONG_ANSWER, message, hidden, got, m)


def _text(got: Any, expected: str, check: Tolerance, top: bool) -> Judged:
    if not isinstance(got, str):
        what = f"expected text (a string), got {describe(got)}"
        return Judged(Verdict.INVALID_OUTPUT, what, f"expected text, got {describe(got, False)}")
    if check.text == "normalised":
        same = " ".join(got.split()).casefold() == " ".join(expected.split()).casefold()
    else:
        same = got == expected
    if same:
        return Judged(Verdict.PASSED, "", "", got)
    rule = " (case and spacing aside)" if check.text == "normalised" else ""
    return _wrong(f"expected {_quote(expected)}, got {_quote(got)}{rule}", "the text differs", got)


def _quote(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _shape_wrong(expected: np.ndarray, got: Any) -> Judged:
    if isinstance(got, np.ndarray) and got.ndim and expected.ndim:
        return Judged(
            Verdict.WRONG_SHAPE,
            f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}",
            f"expected a {expected.ndim}-D result, got {got.ndim}-D",
            got,
        )
    return Judged(
        Verdict.WRONG_SHAPE,
        f"expected {describe(expected)}, got {describe(got)}",
        f"expected {describe(expected, False)}, got {describe(got, False)}",
        got,
    )


def _typed(got: np.ndarray, expected: np.ndarray) -> np.ndarray | Judged:
    """``got`` in the expected kind of numbers, or the judgement that it is of another kind."""
    if expected.dtype == np.bool_:
        if got.dtype != np.bool_:
            what = "numbers where True/False values are expected"
            return Judged(Verdict.INVALID_OUTPUT, what, what)
        return got
    if got.dtype == np.bool_:
        what = (
            BOOLEANS.replace("numbers", "integers", 1) if expected.dtype.kind == "i" else BOOLEANS
        )
        return Judged(Verdict.INVALID_OUTPUT, what, what)
    if expected.dtype.kind == "f" and got.dtype.kind != "f":
        return got.astype(np.float64)
    return got


def _values(got: np.ndarray, expected: np.ndarray, check: Tolerance) -> Judged:
    how = check.compare
    exact = how == "exact" or (expected.dtype.kind in "ib" and how != "scale")
    if how == "labels":
        return _labels(got, expected)
    if how == "relative":
        return _relative(got, expected, check)
    note = ""
    if how == "sign":
        got, note = (
            _signs(got, expected, check.vectors),
            f" (after matching the sign of each {_vector(check.vectors, expected)})",
        )
    elif how == "unordered":
        got, note = (
            reorder(got, expected, check.atol, check.rtol, check.vectors == "columns"),
            f" (in any order of {_items(check.vectors, expected)})",
        )
    elif how == "scale":
        return _scale(got, expected, check)
    if exact:
        m = _exact(got, expected)
        if m is None:
            return Judged(Verdict.PASSED, "", "", got)
        return _wrong(
            f"{m.count} of {m.total} entries differ{note}", "values differ" + note, got, m
        )
    m = close_mismatch(got, expected, check.atol, check.rtol)
    if m is None:
        return Judged(Verdict.PASSED, "", "", got)
    if m.nonfinite:
        message = (
            f"{m.nonfinite} of {m.total} entries are NaN or inf where finite values are expected"
        )
        return _wrong(message, "NaN or inf where finite values are expected", got, m)
    return _wrong(
        summary(m, check.atol, check.rtol) + note, "values outside the tolerance" + note, got, m
    )


def _vector(vectors: str, expected: np.ndarray) -> str:
    return (
        "column"
        if vectors == "columns" and expected.ndim > 1
        else ("row" if expected.ndim > 1 else "vector")
    )


def _items(vectors: str, expected: np.ndarray) -> str:
    if expected.ndim <= 1:
        return "entries"
    return "columns" if vectors == "columns" else "rows"


def _exact(got: np.ndarray, expected: np.ndarray) -> Mismatch | None:
    with np.errstate(invalid="ignore"):
        equal = (
            (got == expected) | (np.isnan(got) & np.isnan(expected))
            if expected.dtype.kind == "f"
            else got == expected
        )
    if bool(np.all(equal)):
        return None
    bad = ~np.asarray(equal)
    diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    flat = int(np.argmax(np.where(bad, np.nan_to_num(diff, nan=np.inf), -1.0)))
    at = tuple(int(i) for i in np.unravel_index(flat, expected.shape)) if expected.ndim else ()
    return Mismatch(
        int(bad.sum()), int(expected.size) or 1, float(diff.flat[flat]), at, 0.0, 0, bad
    )


def _signs(got: np.ndarray, expected: np.ndarray, vectors: str) -> np.ndarray:
    """``got`` with each vector's sign flipped where that brings it closer to ``expected``."""
    if got.ndim <= 1:
        flip = np.nansum(np.abs(got + expected)) < np.nansum(np.abs(got - expected))
        return -got if flip else got
    axis = tuple(range(got.ndim - 1)) if vectors == "columns" else tuple(range(1, got.ndim))
    flip = np.nansum(np.abs(got + expected), axis=axis) < np.nansum(
        np.abs(got - expected), axis=axis
    )
    shape = [1] * got.ndim
    shape[-1 if vectors == "columns" else 0] = -1
    return np.where(flip.reshape(shape), -got, got)


def whole_labels(labels: np.ndarray) -> bool:
    """Labels are whole numbers: integers, or finite floats without a fraction."""
    if labels.dtype.kind != "f":
        return True
    with np.errstate(invalid="ignore"):
        return bool(np.isfinite(labels).all() and (labels == np.round(labels)).all())


def _labels(got: np.ndarray, expected: np.ndarray) -> Judged:
    """The same grouping: got's labels are expected's renamed one to one."""
    if not whole_labels(got):
        what = "labels that are not whole numbers (NaN, inf or a fraction): return integers"
        return Judged(Verdict.INVALID_OUTPUT, what, what, got)
    g, e = got.reshape(-1), expected.reshape(-1)
    pairs = np.unique(np.stack([e.astype(np.float64), g.astype(np.float64)], axis=1), axis=0)
    if len(pairs) == len(np.unique(e)) == len(np.unique(g)):
        return Judged(Verdict.PASSED, "", "", got)
    # each got label stands for the expected label it most often covers: the rest differ
    mapped = np.empty_like(e)
    for label in np.unique(g):
        at = g == label
        if not at.any():
            continue
        values, counts = np.unique(e[at], return_counts=True)
        mapped[at] = values[np.argmax(counts)]
    bad = (mapped != e).reshape(expected.shape)
    count = int(bad.sum()) or 1
    m = Mismatch(count, int(expected.size), 0.0, (), 0.0, 0, bad)
    message = (
        f"the grouping differs: {count} of {expected.size} labels do not match the expected "
        "groups (labels are compared up to renaming)"
    )
    return _wrong(message, "the grouping differs (labels compared up to renaming)", got, m)


def _scale(got: np.ndarray, expected: np.ndarray, check: Tolerance) -> Judged:
    """A non-zero multiple of ``expected``: c = <got, e> / <e, e> must be at least MIN_SCALE in
    size, and got / c must pass against ``expected`` by numpy's rule at the declared tolerance."""
    e, g = expected.reshape(-1), got.reshape(-1)
    with np.errstate(all="ignore"):
        ee = float(np.dot(e, e))
        c = float(np.dot(g, e)) / ee if ee > 0 else 1.0
        scaled = got / c if ee > 0 else got
    if not np.isfinite(c) or abs(c) < MIN_SCALE:
        return _wrong(
            "not a multiple of the expected value: zero, or too near it (compared up to a "
            f"global scale c, |c| >= {MIN_SCALE:g})",
            "not a multiple of the expected value",
            got,
        )
    m = close_mismatch(scaled, expected, check.atol, check.rtol)
    if m is None:
        return Judged(Verdict.PASSED, "", "", got)
    note = f" (in got / {c:.4g}: values are compared up to a global scale)"
    return _wrong(
        summary(m, check.atol, check.rtol) + note, "not a multiple of the expected value", got, m
    )


def _relative(got: np.ndarray, expected: np.ndarray, check: Tolerance) -> Judged:
    with np.errstate(all="ignore"):
        diff = float(np.linalg.norm((got - expected).reshape(-1)))
        size = max(
            float(np.linalg.norm(got.reshape(-1))), float(np.linalg.norm(expected.reshape(-1)))
        )
    if np.isfinite(diff) and diff <= check.atol + check.rtol * size:
        return Judged(Verdict.PASSED, "", "", got)
    rel = diff / size if size > 0 else float("inf")
    message = (
        f"relative error {rel:.3g} (|got - expected| / max(|got|, |expected|), 2-norm); "
        f"allowed {check.rtol:g}" + (f" (+ {check.atol:g} absolute)" if check.atol else "")
    )
    return _wrong(message, "relative error above the tolerance", got)


def _custom(custom: Custom, checker: str, got: Any, expected: Any) -> Judged:
    ok, said = custom(checker, got, expected)
    if ok:
        return Judged(Verdict.PASSED, "", "", got)
    return _wrong(
        said or "rejected by the problem's checker", "rejected by the problem's checker", got
    )
