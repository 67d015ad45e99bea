"""Problem specs: ``problems/<id>.yaml`` loaded, validated strictly, turned into a ``Problem``.

Every error is a ``SpecError`` naming the file, the line and the field path
(``problems/x.yaml:14: examples[2].args: ...``). Unknown keys are errors, so a typo such as
``tolerence`` never passes silently.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import schema
from grader.errors import SpecError, UsageError
from grader.model import Limits
from grader.yamlmap import FieldPath, Located, dotted, load


@dataclass(frozen=True)
class Tolerance:
    """Pass when ``|got - expected| <= atol + rtol * |expected|`` everywhere."""

    atol: float = 1e-4
    rtol: float = 0.0
    squeeze: bool = False  # accept results that differ only by singleton axes


@dataclass(frozen=True)
class CaseSpec:
    """One written-out case; ``expected`` is the published value, or None."""

    name: str
    visibility: str
    args: Mapping[str, Any]
    expected: Any
    weight: float
    tolerance: Tolerance
    time_limit: float | None
    line: int | None


@dataclass(frozen=True)
class GeneratedSpec:
    """``count`` hidden cases whose args come from ``generator(rng, **params)`` in the reference."""

    name: str
    generator: str
    params: Mapping[str, Any]
    count: int
    seed: int
    weight: float
    tolerance: Tolerance
    time_limit: float | None
    line: int | None


@dataclass(frozen=True)
class Problem:
    id: str
    title: str
    entry_point: str
    signature: str
    arguments: Mapping[str, str]  # name -> list | ndarray | int | float, in call order
    statement: str
    limits: Limits
    tolerance: Tolerance
    examples: tuple[CaseSpec, ...]
    hidden: tuple[CaseSpec, ...]
    generated: tuple[GeneratedSpec, ...]
    path: Path
    reference: Path


# --------------------------------------------------------------------------------------------
# Readers, one per kind of value in grader/schema.py: each takes the located file and a field
# path, and returns a clean value or raises a SpecError naming both.

_SIZE_UNITS = {
    None: 1,
    "B": 1,
    "KiB": 1 << 10,
    "MiB": 1 << 20,
    "GiB": 1 << 30,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
}


def _get(src: Located, at: FieldPath) -> Any:
    value = src.data
    for part in at:
        value = value[part]
    return value


def _string(src: Located, at: FieldPath, pattern: re.Pattern[str] | None = None) -> str:
    value = _get(src, at)
    if not isinstance(value, str) or not value.strip():
        raise src.error(at, f"expected a non-empty string, got {_kind(value)}")
    if pattern and not pattern.match(value):
        raise src.error(at, f"'{value}' must match {pattern.pattern}")
    return value


def _number(src: Located, at: FieldPath, minimum: float = 0.0, positive: bool = False) -> float:
    value = _get(src, at)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise src.error(at, f"expected a number, got {_kind(value)}")
    if value < minimum or (positive and value <= 0):
        raise src.error(at, f"must be {'> 0' if positive else f'>= {minimum:g}'}, got {value:g}")
    return float(value)


def _integer(src: Located, at: FieldPath, minimum: int = 0) -> int:
    value = _get(src, at)
    if isinstance(value, bool) or not isinstance(value, int):
        raise src.error(at, f"expected an integer, got {_kind(value)}")
    if value < minimum:
        raise src.error(at, f"must be >= {minimum}, got {value}")
    return value


def _boolean(src: Located, at: FieldPath) -> bool:
    value = _get(src, at)
    if not isinstance(value, bool):
        raise src.error(at, f"expected true or false, got {_kind(value)}")
    return value


def _duration(src: Located, at: FieldPath) -> float:
    value = _get(src, at)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (m := schema.DURATION.match(value)):
        seconds = float(m[1]) / (1000 if m[2] == "ms" else 1)
    else:
        raise src.error(at, f"expected a duration such as 2s or 500ms, got {value!r}")
    if seconds <= 0:
        raise src.error(at, "a duration must be > 0")
    return seconds


def _size(src: Located, at: FieldPath) -> int:
    value = _get(src, at)
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (m := schema.SIZE.match(value)):
        size = int(float(m[1]) * _SIZE_UNITS[m[2]])
    else:
        raise src.error(at, f"expected a size such as 512MiB or 1GiB, got {value!r}")
    if size <= 0:
        raise src.error(at, "a size must be > 0")
    return size


def _numeric(src: Located, at: FieldPath) -> Any:
    """A number or a rectangular nested list of numbers; returns it unchanged."""
    if _shape_of(src, at, _get(src, at)) is None:
        raise src.error(at, "expected a number or a rectangular list of numbers")
    return _get(src, at)


def _shape_of(src: Located, at: FieldPath, value: Any) -> tuple[int, ...] | None:
    if isinstance(value, bool):
        raise src.error(at, "expected a number, got a boolean")
    if isinstance(value, (int, float)):
        return ()
    if not isinstance(value, list):
        if isinstance(value, str):
            raise src.error(at, f"expected a number, got the string {value!r}")
        return None
    if not value:
        return (0,)
    shapes = [_shape_of(src, (*at, i), item) for i, item in enumerate(value)]
    first = shapes[0]
    for i, shape in enumerate(shapes):
        if shape is None or first is None:
            return None
        if shape != first:
            raise src.error(
                (*at, i),
                f"ragged: this item has shape {_fmt_shape(shape)}, item 0 has {_fmt_shape(first)}",
            )
    return (len(value), *first) if first is not None else None


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return "a number" if not shape else "x".join(map(str, shape))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _closest(word: str, options: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return found[0] if found else None


def _arguments(src: Located, at: FieldPath) -> dict[str, str]:
    value = _get(src, at)
    if not isinstance(value, dict) or not value:
        raise src.error(at, "declare at least one argument (name: list|ndarray|int|float)")
    for name, kind in value.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise src.error(at, f"{name!r} is not a Python identifier")
        if kind not in schema.ARG_TYPES:
            raise src.error((*at, name), f"type must be one of {', '.join(schema.ARG_TYPES)}")
    return dict(value)


def _plain_mapping(src: Located, at: FieldPath) -> dict[str, Any]:
    value = _get(src, at)
    if not isinstance(value, dict):
        raise src.error(at, f"expected a mapping, got {_kind(value)}")
    return value


_READERS: dict[str, Callable[[Located, FieldPath], Any]] = {
    "string": _string,
    "problem_id": lambda src, at: _string(src, at, schema.PROBLEM_ID),
    "identifier": lambda src, at: _string(src, at, schema.IDENTIFIER),
    "number": _number,
    "positive": lambda src, at: _number(src, at, positive=True),
    "integer": _integer,
    "count": lambda src, at: _integer(src, at, minimum=1),
    "boolean": _boolean,
    "duration": _duration,
    "size": _size,
    "numeric": _numeric,
    "arguments": _arguments,
    "args": _plain_mapping,  # checked against the declared arguments by _args
    "params": _plain_mapping,
}


def _section(src: Located, at: FieldPath, name: str) -> dict[str, Any]:
    """Read a mapping by its table in grader/schema.py: known keys only, required ones present,
    each value read by its kind (sections and lists of sections recursively)."""
    value = _get(src, at)
    if not isinstance(value, dict):
        raise src.error(at, f"expected a mapping, got {_kind(value)}")
    keys = schema.SPEC[name]
    for key in value:
        if key not in keys:
            close = _closest(str(key), keys)
            hint = f" (did you mean '{close}'?)" if close else ""
            raise src.error((*at, str(key)), f"unknown key{hint}; known keys: {', '.join(keys)}")
    for key, spec in keys.items():
        if spec.required and key not in value:
            raise src.error(at, f"missing required key '{key}'")
    out: dict[str, Any] = {}
    for key in value:
        kind, where = keys[key].kind, (*at, key)
        if kind.startswith("section:"):
            out[key] = _section(src, where, kind.split(":", 1)[1])
        elif kind.startswith("list:"):
            items = _get(src, where)
            if not isinstance(items, list):
                raise src.error(where, f"expected a list, got {_kind(items)}")
            if not items:
                raise src.error(where, "an empty list: add cases or remove the key")
            section = kind.split(":", 1)[1]
            out[key] = [_section(src, (*where, i), section) for i in range(len(items))]
        else:
            out[key] = _READERS[kind](src, where)
    return out


# --------------------------------------------------------------------------------------------
# From validated sections to the Problem.


def _tolerance(src: Located, at: FieldPath, raw: Mapping[str, Any], base: Tolerance) -> Tolerance:
    tolerance = Tolerance(
        raw.get("atol", base.atol), raw.get("rtol", base.rtol), raw.get("squeeze", base.squeeze)
    )
    if tolerance.atol == 0 and tolerance.rtol == 0:
        raise src.error(at, "atol and rtol are both 0: only bit-identical floats would pass")
    return tolerance


def _limits(src: Located, at: FieldPath, raw: Mapping[str, Any]) -> Limits:
    d = Limits()
    limits = Limits(
        raw.get("time_per_case", d.time_per_case),
        raw.get("time_total", d.time_total),
        raw.get("memory", d.memory),
        raw.get("output", d.output),
    )
    if limits.time_per_case is not None and limits.time_total < limits.time_per_case:
        raise src.error((*at, "time_total"), "is shorter than time_per_case")
    if limits.memory < 256 << 20:
        raise src.error((*at, "memory"), "below 256MiB the interpreter and numpy cannot start")
    return limits


def _args(src: Located, at: FieldPath, arguments: Mapping[str, str]) -> dict[str, Any]:
    raw = _get(src, at)
    for key in raw:
        if key not in arguments:
            known = ", ".join(arguments)
            raise src.error((*at, str(key)), f"unknown key; known keys: {known}")
    for name, kind in arguments.items():
        where = (*at, name)
        if name not in raw:
            raise src.error(at, f"missing required key '{name}'")
        if kind in ("list", "ndarray"):
            _numeric(src, where)
        elif kind == "int":
            _integer(src, where, minimum=-(2**63))
        else:
            _number(src, where, minimum=-math.inf)
    return dict(raw)


def _case(
    src: Located,
    at: FieldPath,
    raw: Mapping[str, Any],
    visibility: str,
    arguments: Mapping[str, str],
    tolerance: Tolerance,
) -> CaseSpec:
    return CaseSpec(
        name=raw["name"],
        visibility=visibility,
        args=_args(src, (*at, "args"), arguments),
        expected=raw.get("expected"),
        weight=raw.get("weight", 1.0),
        tolerance=_tolerance(src, (*at, "check"), raw["check"], tolerance)
        if "check" in raw
        else tolerance,
        time_limit=raw.get("time_limit"),
        line=src.line(at),
    )


def _generated(
    src: Located, at: FieldPath, raw: Mapping[str, Any], tolerance: Tolerance
) -> GeneratedSpec:
    return GeneratedSpec(
        name=raw["name"],
        generator=raw["generator"],
        params=raw.get("params", {}),
        count=raw["count"],
        seed=raw["seed"],
        weight=raw.get("weight", 1.0),
        tolerance=_tolerance(src, (*at, "check"), raw["check"], tolerance)
        if "check" in raw
        else tolerance,
        time_limit=raw.get("time_limit"),
        line=src.line(at),
    )


def parse(src: Located) -> Problem:
    """Validate the located YAML of one problem and build the ``Problem``."""
    raw = _section(src, (), "problem")
    problem_id = raw["id"]
    if problem_id != src.path.stem:
        raise src.error(("id",), f"'{problem_id}' differs from the file name '{src.path.stem}'")
    arguments = raw["arguments"]
    tolerance = (
        _tolerance(src, ("check",), raw["check"], Tolerance()) if "check" in raw else Tolerance()
    )
    reference = src.path.parent.parent / "reference" / f"{problem_id}.py"
    if "reference" in raw:
        reference = (src.path.parent / raw["reference"]).resolve()

    examples = tuple(
        _case(src, ("examples", i), item, "example", arguments, tolerance)
        for i, item in enumerate(raw.get("examples", []))
    )
    hidden = tuple(
        _case(src, ("hidden", i), item, "hidden", arguments, tolerance)
        for i, item in enumerate(raw.get("hidden", []))
    )
    generated = tuple(
        _generated(src, ("generated", i), item, tolerance)
        for i, item in enumerate(raw.get("generated", []))
    )
    if not examples and not hidden and not generated:
        raise src.error((), "the problem has no cases (examples, hidden or generated)")
    seen: dict[str, FieldPath] = {}
    groups: tuple[tuple[str, Sequence[CaseSpec | GeneratedSpec]], ...] = (
        ("examples", examples),
        ("hidden", hidden),
        ("generated", generated),
    )
    for key, items in groups:
        for i, item in enumerate(items):
            if item.name in seen:
                also = dotted(seen[item.name])
                message = f"duplicate case name '{item.name}' (also {also})"
                raise src.error((key, i, "name"), message)
            seen[item.name] = (key, i)
    if not reference.is_file():
        raise src.error(("reference",), f"reference solution not found: {reference}")
    return Problem(
        id=problem_id,
        title=raw["title"],
        entry_point=raw["entry_point"],
        signature=raw.get("signature", ""),
        arguments=arguments,
        statement=raw["statement"],
        limits=_limits(src, ("limits",), raw["limits"]) if "limits" in raw else Limits(),
        tolerance=tolerance,
        examples=examples,
        hidden=hidden,
        generated=generated,
        path=src.path,
        reference=reference,
    )


def load_problem(path: Path) -> Problem:
    """Load and validate the spec at ``path`` (from the cache when its bytes were seen valid)."""
    from grader import cache

    located, remember = cache.spec(path, load)
    problem = parse(located)
    remember()
    return problem


# --------------------------------------------------------------------------------------------
# Finding problems.


def problems_dir(explicit: Path | None, cwd: Path | None = None) -> Path:
    """``--problems DIR``, else ``$GRADER_PROBLEMS``, else the nearest ``problems/`` upwards."""
    import os

    if explicit is None and os.environ.get("GRADER_PROBLEMS"):
        explicit = Path(os.environ["GRADER_PROBLEMS"])
    if explicit is not None:
        if not explicit.is_dir():
            raise UsageError(f"problems directory not found: {explicit}")
        return explicit
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "problems").is_dir():
            return folder / "problems"
    raise UsageError("no problems/ directory here or above; pass --problems DIR")


def problem_path(directory: Path, problem_id: str) -> Path:
    path = directory / f"{problem_id}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
        raise UsageError(f"unknown problem '{problem_id}' (known: {known})")
    return path


def entry_points(directory: Path) -> dict[str, str]:
    """Problem id -> entry point for every valid spec in ``directory`` (cached like any load)."""
    from grader import cache

    found: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            located, remember = cache.spec(path, load)
        except SpecError:
            continue  # unreadable YAML: reported when the problem is graded or checked
        try:
            found[parse(located).id] = located.data["entry_point"]
            remember()
        except SpecError:  # still found by its entry point, so that grading reports the error
            data = located.data
            if isinstance(data, dict) and isinstance(data.get("entry_point"), str):
                found[path.stem] = data["entry_point"]
    return found
