"""A whole result against the expected one, part by part, by the declared structure.

The expected value (the reference's, as a node) leads: a tuple or list must come back as a
sequence of as many parts, a dict with the same keys; each leaf is then judged by its part's
comparison (``compare.judge_leaf``). A structure whose check is ``custom`` is judged as a whole
by the reference's checker once its parts have the expected kinds and shapes.

Parts are labelled as learners see them: ``result[1] (db)`` for a tuple's second part named db,
``result['mean']`` for a dict's, the step's name for a class's call script (``step() #2``); a
result that is one value has no label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from grader.judge.compare import Custom, Judged, describe, judge_leaf
from grader.model import STRUCTURES, Part, Tolerance, Verdict

SCRIPT = "calls"  # the root name of a class's result (``grader.problem.script.ROOT``)
SEVERITY = (Verdict.INVALID_OUTPUT, Verdict.WRONG_SHAPE, Verdict.WRONG_ANSWER)


@dataclass(frozen=True)
class Judgement:
    """One part of a result, judged: where it is, the values side by side, and the verdict."""

    label: str  # "" for the result as a whole
    path: tuple[int | str, ...]  # indices and keys that lead to it in the result
    judged: Judged
    expected: Any
    check: Tolerance

    @property
    def verdict(self) -> Verdict:
        return self.judged.verdict


def judge(part: Part, expected: Any, got: Any, custom: Custom | None = None) -> list[Judgement]:
    """Every leaf of the result judged (passed ones too), or the structural failures."""
    out: list[Judgement] = []
    _walk(part, expected, got, (), "result", "", True, custom, out)
    return out


def worst(judgements: list[Judgement]) -> Verdict:
    failing = {j.verdict for j in judgements} - {Verdict.PASSED}
    return next((v for v in SEVERITY if v in failing), Verdict.PASSED)


def _child(parent: Part, where: str, key: int | str, name: str | None) -> tuple[str, str]:
    """(the child's place, its label): ``result[1]`` and ``result[1] (db)``."""
    place = f"{where}[{key!r}]" if isinstance(key, str) else f"{where}[{key}]"
    if parent.name == SCRIPT and name:
        return name, name
    return place, f"{place} ({name})" if name and isinstance(key, int) else place


def _walk(
    part: Part,
    expected: Any,
    got: Any,
    path: tuple[int | str, ...],
    where: str,
    label: str,
    top: bool,
    custom: Custom | None,
    out: list[Judgement],
) -> None:
    check = part.check
    if isinstance(expected, (tuple, list, dict)):
        failure = _structure(part, expected, got)
        if failure is not None:
            out.append(Judgement(label, path, failure, expected, check))
            return
        if (
            check.compare == "custom"
            and custom is not None
            and check.checker
            and part.kind in STRUCTURES
        ):
            shapes = [
                j
                for j in judge(_shapes_only(part), expected, got)
                if j.verdict is not Verdict.PASSED
            ]
            if shapes:
                out += [replace(j, label=label or j.label, path=path + j.path) for j in shapes]
                return
            ok, said = custom(check.checker, got, expected)
            judged = (
                Judged(Verdict.PASSED, "", "", got)
                if ok
                else Judged(
                    Verdict.WRONG_ANSWER,
                    said or "rejected by the problem's checker",
                    "rejected by the problem's checker",
                    got,
                )
            )
            out.append(Judgement(label, path, judged, expected, check))
            return
        keys = list(expected) if isinstance(expected, dict) else range(len(expected))
        for key in keys:
            inner = _inner(part, key)
            name = inner.name if part.kind in ("tuple", "dict") else None
            place, child_label = _child(part, where, key, None if isinstance(key, str) else name)
            _walk(
                inner, expected[key], got[key], (*path, key), place, child_label, False, custom, out
            )
        return
    out.append(
        Judgement(label, path, judge_leaf(got, expected, check, top, custom), expected, check)
    )


def _inner(part: Part, key: int | str) -> Part:
    if part.kind == "tuple" and isinstance(key, int) and key < len(part.parts):
        return part.parts[key]
    if part.kind == "list" and part.parts:
        return part.parts[0]
    if part.kind == "dict":
        for p in part.parts:
            if p.name == key:
                return p
    return Part("any", None, part.check)


def _structure(part: Part, expected: Any, got: Any) -> Judged | None:
    """None when ``got`` is a container like ``expected`` (kind, length, keys), else why not."""
    names = [p.name for p in part.parts] if part.kind == "tuple" else []
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return _wrong_structure(expected, got)
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            said = "; ".join(
                f"{what} {', '.join(map(repr, keys[:6]))}"
                for what, keys in (("missing keys", missing), ("unexpected keys", extra))
                if keys
            )
            hidden = "; ".join(  # the learner's own keys are not said for a hidden case
                x
                for x in (
                    f"missing keys {', '.join(map(repr, missing[:6]))}" if missing else "",
                    "a dict with other keys" if extra else "",
                )
                if x
            )
            return Judged(Verdict.WRONG_SHAPE, said, hidden, got)
        return None
    if not isinstance(got, (tuple, list)):
        return _wrong_structure(expected, got, names)
    if len(got) != len(expected):
        parts = f" ({', '.join(str(n) for n in names)})" if names and all(names) else ""
        what = "parts" if isinstance(expected, tuple) else "items"
        said = f"expected {len(expected)} {what}{parts}, got {describe(got)}"
        hidden = f"expected {len(expected)} {what}{parts}, got a different number of {what}"
        return Judged(Verdict.WRONG_SHAPE, said, hidden, got)
    return None


def _wrong_structure(expected: Any, got: Any, names: list[str | None] | None = None) -> Judged:
    parts = f" ({', '.join(str(n) for n in names)})" if names and all(names) else ""
    if got is None:
        said = "the function returned None (is a `return` statement missing?)"
        return Judged(Verdict.INVALID_OUTPUT, said, said)
    if isinstance(got, str):
        said = f"expected {describe(expected)}{parts}, got a string"
        return Judged(Verdict.INVALID_OUTPUT, said, said, got)
    return Judged(
        Verdict.WRONG_SHAPE,
        f"expected {describe(expected)}{parts}, got {describe(got)}",
        f"expected {describe(expected, False)}{parts}, got {describe(got, False)}",
        got,
    )


def _shapes_only(part: Part) -> Part:
    """``part`` compared for kinds and shapes only (before a custom checker sees the values)."""
    check = replace(part.check, compare="properties", checker=None)
    return replace(part, check=check, parts=tuple(_shapes_only(p) for p in part.parts))


def got_at(got: Any, path: tuple[int | str, ...]) -> Any:
    """The part of ``got`` at ``path`` (judged to exist by ``judge``)."""
    for key in path:
        got = got[key]
    return got


def is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray)
