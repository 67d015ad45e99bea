"""The checker's self-tests of ``grader check``: precision and comparisons, case by case.

**Precision.** For every value compared by ``close``: the precision learners are told is the
part's declared ``precision``, else the decimals of that case's published values (float noise
such as ``42.900000000000006`` ignored), else what the tolerance makes visible. The expected
value rounded to it (nearest, down, up) must pass; a value off by twice its step must fail
(when more decimals are published than the tolerance needs, the step is the tolerance's).

**Comparisons.** For every value compared by anything else: a correct-but-different answer
must pass (each vector's sign flipped, items in reverse order, labels renamed, the value scaled,
a relative error within the bound, the reference's ``variant_<checker>(expected, args)`` for a
custom checker) and every wrong one must fail: the all-zero answer, one entry moved far, and
the wrong answer nearest to what the comparison allows (a sign flipped inside one vector, each
column sorted on its own, one entry scaled differently or a tiny multiple, everything in one
label, two groups merged, a relative error over the bound). A reference whose labels are not
whole numbers fails the self-test too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.judge.compare import Custom, whole_labels
from grader.judge.numeric import compare, decimals_for
from grader.judge.parts import Judgement, judge, worst
from grader.model import Case, Tolerance, Verdict

NOISE = 1e-9  # relative: a published value this close to a shorter decimal is that decimal


def decimals(value: float) -> int:
    """Decimals of a published number, its float noise ignored (``0.1 + 0.2`` has 1)."""
    if not math.isfinite(value):
        return 0
    for places in range(16):
        if abs(round(value, places) - value) <= NOISE * abs(value):
            return places
    return 16


def published_decimals(node: Any) -> int | None:
    """The most decimals among the numbers of a published node, or None (no numbers)."""
    if isinstance(node, np.ndarray) and node.dtype.kind == "f" and node.size:
        return max(decimals(float(v)) for v in node.flat)
    if isinstance(node, dict):
        node = list(node.values())
    if isinstance(node, (tuple, list)):
        found = [d for d in (published_decimals(v) for v in node) if d is not None]
        return max(found) if found else None
    return None


def _at(node: Any, path: tuple[int | str, ...]) -> Any:
    try:
        for key in path:
            node = node[key]
    except (KeyError, IndexError, TypeError):
        return None
    return node


def _replace(node: Any, path: tuple[int | str, ...], value: Any) -> Any:
    """``node`` with the part at ``path`` replaced by ``value``."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, key: _replace(node[key], rest, value)}
    items = list(node)
    assert isinstance(key, int)
    items[key] = _replace(items[key], rest, value)
    return tuple(items) if isinstance(node, tuple) else items


@dataclass
class Findings:
    too_tight: list[tuple[str, str]] = field(default_factory=list)  # (what fails, where)
    too_loose: list[tuple[str, str]] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    precisions: set[int] = field(default_factory=set)
    compared: dict[str, int] = field(default_factory=dict)  # comparison -> values tested
    rejected: list[str] = field(default_factory=list)  # correct-but-different that failed
    accepted: list[str] = field(default_factory=list)  # wrong ones that passed
    unusable: list[str] = field(default_factory=list)  # expected values no comparison can use


# (case, checker, expected part) -> a correct-but-different value (the reference's
# ``variant_<checker>(expected, args)``), or None
Variant = Callable[[Case, str, Any], Any]
Holds = Callable[[Case, Any], bool]  # every property of the reference holds for this result


def self_test(
    cases: Sequence[Case],
    custom_for: Callable[[Case], Custom | None],
    variant: Variant,
    holds: Holds,
) -> Findings:
    found = Findings()
    for case in cases:
        custom = custom_for(case)
        leaves = judge(case.result, case.expected, case.expected, custom)
        case_digits = published_decimals(case.published)
        for leaf in leaves:
            where = f"'{case.name}'" + (f" {leaf.label}" if leaf.label else "")
            if leaf.check.compare == "close" and isinstance(leaf.expected, np.ndarray):
                if leaf.expected.dtype.kind == "f":
                    digits = _precision(leaf, case_digits)
                    _rounding(found, where, leaf.expected, leaf.check, digits)
                continue
            _comparison(found, case, leaf, where, custom, variant, holds)
        if case.result.kind in ("tuple", "list", "dict") and case.result.check.compare == "custom":
            _comparison(found, case, _whole(case), f"'{case.name}'", custom, variant, holds)
    return found


def _whole(case: Case) -> Judgement:
    from grader.judge.compare import Judged

    return Judgement("", (), Judged(Verdict.PASSED, "", ""), case.expected, case.result.check)


def _precision(leaf: Judgement, case_digits: int | None) -> int:
    """Declared, else the most decimals among the case's published values (a part published as
    0.9 beside others at 8 decimals is 0.90000000), else what the tolerance makes visible."""
    if leaf.check.precision is not None:
        return leaf.check.precision
    return case_digits if case_digits is not None else decimals_for(leaf.check.atol or 1e-6)


def _rounding(found: Findings, where: str, e: np.ndarray, tol: Tolerance, digits: int) -> None:
    if not np.isfinite(e).all() or e.size == 0:
        return
    found.precisions.add(digits)
    scaled = e * 10**digits
    nearest = np.round(scaled)
    # float noise (0.30000000000000004) is no decimal: up and down from it is the value itself
    scaled = np.where(
        np.abs(scaled - nearest) <= NOISE * np.maximum(1.0, np.abs(scaled)), nearest, scaled
    )
    for how in (np.round, np.floor, np.ceil):
        if compare(how(scaled) / 10**digits, e, tol.atol, tol.rtol) is not None:
            found.too_tight.append((f"values rounded to {digits} decimals fail", where))
            break
    declared = tol.precision is not None
    # Publishing more decimals than the tolerance needs is no error: then the tolerance's own
    # step is the one that must tell right from wrong. A relative tolerance has no fixed step,
    # so only a declared precision is held to it.
    if declared or not tol.rtol:
        loose = digits if declared else min(digits, decimals_for(tol.atol) if tol.atol else digits)
        step = 10.0**-loose
        off = e.copy()
        at = int(np.argmax(np.abs(e)))
        off.flat[at] += 2 * step * max(1.0, abs(float(e.flat[at]))) if tol.rtol else 2 * step
        if compare(off, e, tol.atol, tol.rtol) is None:
            found.too_loose.append((f"off by {2 * step:g} passes", where))
    if np.any(e != 0) and compare(np.zeros_like(e), e, tol.atol, tol.rtol) is None:
        found.weak.append(where)


def _comparison(
    found: Findings,
    case: Case,
    leaf: Judgement,
    where: str,
    custom: Custom | None,
    make: Variant,
    holds: Holds,
) -> None:
    check, expected = leaf.check, leaf.expected
    name = check.compare + (f" {check.checker}" if check.checker else "")
    if (
        check.compare == "labels"
        and isinstance(expected, np.ndarray)
        and not whole_labels(expected)
    ):
        found.unusable.append(f"{where}: the reference's labels are not whole numbers")
        return
    variant, wrongs = _variants(leaf)
    if check.compare == "custom" and check.checker:
        made = make(case, check.checker, expected)
        variant = expected if made is None else made
    if variant is None and not wrongs:
        return
    found.compared[name] = found.compared.get(name, 0) + 1

    def passes(value: Any) -> bool:
        got = _replace(case.expected, leaf.path, value)
        if worst(judge(case.result, case.expected, got, custom)) is not Verdict.PASSED:
            return False
        return check.compare != "properties" or holds(case, got)

    if variant is not None and not passes(variant):
        found.rejected.append(f"{where} ({name})")
    for what, wrong in wrongs if expected is not None else []:
        if passes(wrong):
            found.accepted.append(f"{where} ({name}: {what})")
            break


Wrongs = list[tuple[str, Any]]  # (what is wrong, the wrong value)


def _variants(leaf: Judgement) -> tuple[Any, Wrongs]:
    """(a correct-but-different value or None, the wrong values that must fail) for ``leaf``.

    Every comparison gets the all-zero answer and one entry moved far; each comparison that
    allows a difference also gets the wrong answer nearest to that difference: a sign flipped
    inside one vector (``sign``), each column sorted on its own (``unordered``), one entry
    scaled differently or a tiny multiple (``scale``), everything in one label (``labels``).
    """
    e, check = leaf.expected, leaf.check
    how = check.compare
    common: Wrongs = [("all zeros", _zeros(e)), ("one entry moved far", _wrong(e, check))]
    if how == "custom":
        flipped = _one_sign(e)
        return None, _keep([("one entry's sign flipped", flipped), *common])
    if not isinstance(e, np.ndarray) or e.size == 0:
        return (e if how in ("exact", "properties") else None), []
    if how == "labels":
        values = np.unique(e)
        if values.size < 2:
            return None, []
        renamed = {int(v): int(w) for v, w in zip(values, values[::-1], strict=True)}
        variant = np.vectorize(renamed.__getitem__, otypes=[e.dtype])(e)
        merged = e.copy()
        merged.flat[int(np.flatnonzero(e.reshape(-1) == values[0])[0])] = values[1]
        one = np.full_like(e, values[0])
        return variant, [("everything in one label", one), ("two groups merged", merged)]
    if how == "sign" and np.any(e != 0):
        inside = _one_sign(e, check.vectors)
        return _flip(e, check.vectors), _keep([("a sign flipped inside a vector", inside), *common])
    if (
        how == "unordered"
        and e.ndim
        and e.shape[0 if e.ndim == 1 or check.vectors == "rows" else -1] > 1
    ):
        axis = -1 if e.ndim > 1 and check.vectors == "columns" else 0
        return np.flip(e, axis=axis), _keep([("each column sorted", _sorted(e, axis)), *common])
    if how == "scale" and np.any(e != 0):
        other = _one_sign(e)
        other = None if other is None else np.where(other != e, 2 * e, e)
        tiny = ("a tiny multiple", e * 1e-9)
        return e * -2.5, _keep([("one entry scaled differently", other), tiny, *common])
    if how == "relative" and np.any(e != 0):
        over = e * (1 + 10 * check.rtol) + 10 * check.atol
        return e * (1 + check.rtol / 4), [("a relative error over the bound", over), *common]
    if how in ("exact", "properties"):
        return e, _keep(common)
    return None, []


def _keep(wrongs: list[tuple[str, Any]]) -> Wrongs:
    return [(what, value) for what, value in wrongs if value is not None]


def _zeros(e: Any) -> Any:
    """``e`` with every number 0, or None when that changes nothing (it is all zeros)."""
    if isinstance(e, (tuple, list)):
        items = [_zeros(v) for v in e]
        if all(z is None for z in items):
            return None
        items = [v if z is None else z for v, z in zip(e, items, strict=True)]
        return tuple(items) if isinstance(e, tuple) else items
    if isinstance(e, dict):
        zeros = {k: _zeros(v) for k, v in e.items()}
        if all(z is None for z in zeros.values()):
            return None
        return {k: e[k] if z is None else z for k, z in zeros.items()}
    if not isinstance(e, np.ndarray) or e.dtype.kind not in "if" or not np.any(e != 0):
        return None
    return np.zeros_like(e)


def _one_sign(e: Any, vectors: str = "rows") -> Any:
    """``e`` with one entry's sign flipped inside a vector that has another non-zero entry (the
    first float array of a structure), or None when there is no such vector."""
    if isinstance(e, (tuple, list, dict)):
        items = list(e.items()) if isinstance(e, dict) else list(enumerate(e))
        for key, item in items:
            flipped = _one_sign(item, vectors)
            if flipped is not None:
                return _replace(e, (key,), flipped)
        return None
    if not isinstance(e, np.ndarray) or e.dtype.kind != "f" or not np.isfinite(e).all():
        return None
    v = e if e.ndim > 0 else e.reshape(1)
    v = np.moveaxis(v, -1, 0) if vectors == "columns" and v.ndim > 1 else v
    rows = v.reshape(v.shape[0], -1) if v.ndim > 1 else v.reshape(1, -1)
    for r, row in enumerate(rows):
        nonzero = np.flatnonzero(row)
        if nonzero.size >= 2:
            out = rows.copy()
            out[r, nonzero[0]] = -out[r, nonzero[0]]
            back = out.reshape(v.shape)
            back = np.moveaxis(back, 0, -1) if vectors == "columns" and v.ndim > 1 else back
            return back.reshape(e.shape)
    return None


def _sorted(e: np.ndarray, axis: int) -> Any:
    """Each column (row, for items that are columns) sorted on its own: the items broken up;
    None when that is a reordering of the items (a vector, or already sorted columns)."""
    if e.ndim < 2:
        return None
    out = np.sort(e, axis=axis)
    items = np.moveaxis(e, axis, 0).reshape(e.shape[axis], -1)
    moved = np.moveaxis(out, axis, 0).reshape(e.shape[axis], -1)
    same = np.array_equal(items[np.lexsort(items.T[::-1])], moved[np.lexsort(moved.T[::-1])])
    return None if same else out


def _flip(e: np.ndarray, vectors: str) -> np.ndarray:
    if e.ndim <= 1:
        return -e
    signs = np.where(np.arange(e.shape[-1 if vectors == "columns" else 0]) % 2 == 0, -1.0, 1.0)
    shape = [1] * e.ndim
    shape[-1 if vectors == "columns" else 0] = -1
    return e * signs.reshape(shape)


def _wrong(e: Any, check: Tolerance) -> Any:
    """``e`` with one entry moved far (the largest of its first number array)."""
    if isinstance(e, (tuple, list)):
        for i, item in enumerate(e):
            moved = _wrong(item, check)
            if moved is not None:
                items = list(e)
                items[i] = moved
                return tuple(items) if isinstance(e, tuple) else items
        return None
    if isinstance(e, dict):
        for key, item in e.items():
            moved = _wrong(item, check)
            if moved is not None:
                return {**e, key: moved}
        return None
    if not isinstance(e, np.ndarray) or e.size == 0 or not np.isfinite(e).all():
        return None
    out = e.astype(np.float64) if e.dtype.kind == "f" else e.copy()
    at = int(np.argmax(np.abs(out.reshape(-1)))) if out.dtype.kind != "b" else 0
    if out.dtype.kind == "b":
        out.flat[at] = not out.flat[at]
    elif out.dtype.kind == "i":
        out.flat[at] += 1 + abs(int(out.flat[at]))
    else:
        out.flat[at] += (
            max(1.0, abs(float(out.flat[at]))) * (1 + 100 * check.rtol) + 100 * check.atol
        )
    return out
