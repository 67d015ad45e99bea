"""Problem specs: ``problems/<id>.yaml`` loaded, validated strictly, turned into a ``Problem``.

Every error is a ``SpecError`` naming the file, the line and the field path
(``problems/x.yaml:14: examples[2].args: ...``). Unknown keys are errors, so a typo such as
``tolerence`` never passes silently.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import SpecError, UsageError
from grader.model import Limits
from grader.yamlmap import FieldPath, Located, dotted, load

ARG_TYPES = ("list", "ndarray", "int", "float")


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
# Field readers: each takes the located file and a field path, returns a clean value or raises.

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*$")
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
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _get(src: Located, at: FieldPath) -> Any:
    value = src.data
    for part in at:
        value = value[part]
    return value


def _mapping(src: Located, at: FieldPath, required: set[str], optional: set[str]) -> dict[str, Any]:
    value = _get(src, at)
    if not isinstance(value, dict):
        raise src.error(at, f"expected a mapping, got {_kind(value)}")
    for key in value:
        if key not in required | optional:
            close = _closest(str(key), required | optional)
            hint = f" (did you mean '{close}'?)" if close else ""
            known = ", ".join(sorted(required | optional))
            raise src.error((*at, str(key)), f"unknown key{hint}; known keys: {known}")
    for key in sorted(required - set(value)):
        raise src.error(at, f"missing required key '{key}'")
    return value


def _string(src: Located, at: FieldPath, *, pattern: re.Pattern[str] | None = None) -> str:
    value = _get(src, at)
    if not isinstance(value, str) or not value.strip():
        raise src.error(at, f"expected a non-empty string, got {_kind(value)}")
    if pattern and not pattern.match(value):
        raise src.error(at, f"'{value}' must match {pattern.pattern}")
    return value


def _number(src: Located, at: FieldPath, *, minimum: float = 0.0, positive: bool = False) -> float:
    value = _get(src, at)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise src.error(at, f"expected a number, got {_kind(value)}")
    if value < minimum or (positive and value <= 0):
        raise src.error(at, f"must be {'> 0' if positive else f'>= {minimum:g}'}, got {value:g}")
    return float(value)


def _integer(src: Located, at: FieldPath, *, minimum: int = 0) -> int:
    value = _get(src, at)
    if isinstance(value, bool) or not isinstance(value, int):
        raise src.error(at, f"expected an integer, got {_kind(value)}")
    if value < minimum:
        raise src.error(at, f"must be >= {minimum}, got {value}")
    return value


def _duration(src: Located, at: FieldPath) -> float:
    value = _get(src, at)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
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
    elif isinstance(value, str) and (m := _SIZE.match(value)):
        size = int(float(m[1]) * _SIZE_UNITS[m[2]])
    else:
        raise src.error(at, f"expected a size such as 512MiB or 1GiB, got {value!r}")
    if size <= 0:
        raise src.error(at, "a size must be > 0")
    return size


def _numeric(src: Located, at: FieldPath, what: str) -> Any:
    """A number or a rectangular nested list of numbers; returns it unchanged."""
    shape = _shape_of(src, at, _get(src, at))
    if shape is None:
        raise src.error(at, f"{what} must be a number or a rectangular list of numbers")
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


def _closest(word: str, options: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return found[0] if found else None


# --------------------------------------------------------------------------------------------
# The spec itself.

_TOP_REQUIRED = {"id", "title", "entry_point", "arguments", "statement"}
_TOP_OPTIONAL = {"signature", "limits", "check", "reference", "examples", "hidden", "generated"}
_CASE_KEYS = {"expected", "weight", "check", "time_limit"}
_GEN_KEYS = {"generator", "params", "count", "seed", "weight", "check", "time_limit"}


def _tolerance(src: Located, at: FieldPath, base: Tolerance) -> Tolerance:
    raw = _mapping(src, at, set(), {"atol", "rtol", "squeeze"})
    atol = _number(src, (*at, "atol")) if "atol" in raw else base.atol
    rtol = _number(src, (*at, "rtol")) if "rtol" in raw else base.rtol
    squeeze = base.squeeze
    if "squeeze" in raw:
        if not isinstance(raw["squeeze"], bool):
            raise src.error((*at, "squeeze"), "expected true or false")
        squeeze = raw["squeeze"]
    if atol == 0 and rtol == 0:
        raise src.error(at, "atol and rtol are both 0: only bit-identical floats would pass")
    return Tolerance(atol, rtol, squeeze)


def _limits(src: Located, at: FieldPath) -> Limits:
    raw = _mapping(src, at, set(), {"time_per_case", "time_total", "memory", "output"})
    d = Limits()
    limits = Limits(
        time_per_case=_duration(src, (*at, "time_per_case"))
        if "time_per_case" in raw
        else d.time_per_case,
        time_total=_duration(src, (*at, "time_total")) if "time_total" in raw else d.time_total,
        memory=_size(src, (*at, "memory")) if "memory" in raw else d.memory,
        output=_size(src, (*at, "output")) if "output" in raw else d.output,
    )
    if limits.time_total < limits.time_per_case:
        raise src.error((*at, "time_total"), "is shorter than time_per_case")
    if limits.memory < 256 << 20:
        raise src.error((*at, "memory"), "below 256MiB the interpreter and numpy cannot start")
    return limits


def _args(src: Located, at: FieldPath, arguments: Mapping[str, str]) -> dict[str, Any]:
    raw = _mapping(src, at, set(arguments), set())
    for name, kind in arguments.items():
        where = (*at, name)
        if kind in ("list", "ndarray"):
            _numeric(src, where, f"argument '{name}'")
        elif kind == "int":
            _integer(src, where, minimum=-(2**63))
        else:
            _number(src, where, minimum=-math.inf)
    return raw


def _case(
    src: Located, at: FieldPath, visibility: str, arguments: Mapping[str, str], tolerance: Tolerance
) -> CaseSpec:
    raw = _mapping(src, at, {"name", "args"}, _CASE_KEYS)
    return CaseSpec(
        name=_string(src, (*at, "name")),
        visibility=visibility,
        args=_args(src, (*at, "args"), arguments),
        expected=_numeric(src, (*at, "expected"), "expected") if "expected" in raw else None,
        weight=_number(src, (*at, "weight"), positive=True) if "weight" in raw else 1.0,
        tolerance=_tolerance(src, (*at, "check"), tolerance) if "check" in raw else tolerance,
        time_limit=_duration(src, (*at, "time_limit")) if "time_limit" in raw else None,
        line=src.line(at),
    )


def _generated(src: Located, at: FieldPath, tolerance: Tolerance) -> GeneratedSpec:
    raw = _mapping(src, at, {"name", "generator", "count", "seed"}, _GEN_KEYS)
    params = _mapping(src, (*at, "params"), set(), set(raw["params"])) if "params" in raw else {}
    return GeneratedSpec(
        name=_string(src, (*at, "name")),
        generator=_string(src, (*at, "generator"), pattern=re.compile(r"^[A-Za-z_]\w*$")),
        params=params,
        count=_integer(src, (*at, "count"), minimum=1),
        seed=_integer(src, (*at, "seed")),
        weight=_number(src, (*at, "weight"), positive=True) if "weight" in raw else 1.0,
        tolerance=_tolerance(src, (*at, "check"), tolerance) if "check" in raw else tolerance,
        time_limit=_duration(src, (*at, "time_limit")) if "time_limit" in raw else None,
        line=src.line(at),
    )


def _list(
    src: Located, at: FieldPath, raw: dict[str, Any], key: str, each: Callable[[FieldPath], Any]
) -> tuple[Any, ...]:
    if key not in raw:
        return ()
    value = raw[key]
    if not isinstance(value, list):
        raise src.error((*at, key), f"expected a list, got {_kind(value)}")
    return tuple(each((*at, key, i)) for i in range(len(value)))


def parse(src: Located) -> Problem:
    """Validate the located YAML of one problem and build the ``Problem``."""
    top: FieldPath = ()
    raw = _mapping(src, top, _TOP_REQUIRED, _TOP_OPTIONAL)
    problem_id = _string(src, ("id",), pattern=_ID)
    if problem_id != src.path.stem:
        raise src.error(("id",), f"'{problem_id}' differs from the file name '{src.path.stem}'")
    arguments = _mapping(src, ("arguments",), set(), set(raw["arguments"] or {}))
    if not arguments:
        raise src.error(("arguments",), "declare at least one argument (name: list|ndarray|...)")
    for name, kind in arguments.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise src.error(("arguments",), f"{name!r} is not a Python identifier")
        if kind not in ARG_TYPES:
            raise src.error(("arguments", name), f"type must be one of {', '.join(ARG_TYPES)}")
    tolerance = _tolerance(src, ("check",), Tolerance()) if "check" in raw else Tolerance()
    reference = src.path.parent.parent / "reference" / f"{problem_id}.py"
    if "reference" in raw:
        reference = (src.path.parent / _string(src, ("reference",))).resolve()

    examples = _list(
        src, top, raw, "examples", lambda at: _case(src, at, "example", arguments, tolerance)
    )
    hidden = _list(
        src, top, raw, "hidden", lambda at: _case(src, at, "hidden", arguments, tolerance)
    )
    generated = _list(src, top, raw, "generated", lambda at: _generated(src, at, tolerance))
    if not examples and not hidden and not generated:
        raise src.error(top, "the problem has no cases (examples, hidden or generated)")
    seen: dict[str, FieldPath] = {}
    for key, items in (("examples", examples), ("hidden", hidden), ("generated", generated)):
        for i, item in enumerate(items):
            if item.name in seen:
                also = dotted(seen[item.name])
                raise src.error(
                    (key, i, "name"), f"duplicate case name '{item.name}' (also {also})"
                )
            seen[item.name] = (key, i)
    if not reference.is_file():
        raise src.error(("reference",), f"reference solution not found: {reference}")
    return Problem(
        id=problem_id,
        title=_string(src, ("title",)),
        entry_point=_string(src, ("entry_point",), pattern=re.compile(r"^[A-Za-z_]\w*$")),
        signature=_string(src, ("signature",)) if "signature" in raw else "",
        arguments=dict(arguments),
        statement=_string(src, ("statement",)),
        limits=_limits(src, ("limits",)) if "limits" in raw else Limits(),
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
    """Problem id -> entry point for every spec in ``directory`` that can be read."""
    from grader import cache

    found: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = cache.spec(path, load)[0].data
        except SpecError:
            continue
        if isinstance(data, dict) and isinstance(data.get("entry_point"), str):
            found[path.stem] = data["entry_point"]
    return found
