"""Reading a located YAML document by the table of grader/schema.py: one reader per kind of value.

Each reader takes the located file and a field path and returns a clean value, or raises a
SpecError naming the file, the line and the field. ``section`` reads a whole mapping: known keys
only, required ones present, each value by its kind.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from grader.model import COMPARISONS, TEXT, VECTORS
from grader.problem import schema
from grader.problem.yamlmap import FieldPath, Located

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


def get(src: Located, at: FieldPath) -> Any:
    value = src.data
    for part in at:
        value = value[part]
    return value


def string(src: Located, at: FieldPath, pattern: re.Pattern[str] | None = None) -> str:
    value = get(src, at)
    if not isinstance(value, str) or not value.strip():
        raise src.error(at, f"expected a non-empty string, got {_kind(value)}")
    if pattern and not pattern.match(value):
        raise src.error(at, f"'{value}' must match {pattern.pattern}")
    return value


def number(src: Located, at: FieldPath, minimum: float = 0.0, positive: bool = False) -> float:
    value = get(src, at)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise src.error(at, f"expected a number, got {_kind(value)}")
    if value < minimum or (positive and value <= 0):
        raise src.error(at, f"must be {'> 0' if positive else f'>= {minimum:g}'}, got {value:g}")
    return float(value)


def integer(src: Located, at: FieldPath, minimum: int = 0) -> int:
    value = get(src, at)
    if isinstance(value, bool) or not isinstance(value, int):
        raise src.error(at, f"expected an integer, got {_kind(value)}")
    if value < minimum:
        raise src.error(at, f"must be >= {minimum}, got {value}")
    return value


def boolean(src: Located, at: FieldPath) -> bool:
    value = get(src, at)
    if not isinstance(value, bool):
        raise src.error(at, f"expected true or false, got {_kind(value)}")
    return value


def duration(src: Located, at: FieldPath) -> float:
    value = get(src, at)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (m := schema.DURATION.match(value)):
        seconds = float(m[1]) / (1000 if m[2] == "ms" else 1)
    else:
        raise src.error(at, f"expected a duration such as 2s or 500ms, got {value!r}")
    if seconds <= 0:
        raise src.error(at, "a duration must be > 0")
    return seconds


def size(src: Located, at: FieldPath) -> int:
    value = get(src, at)
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (m := schema.SIZE.match(value)):
        size = int(float(m[1]) * _SIZE_UNITS[m[2]])
    else:
        raise src.error(at, f"expected a size such as 512MiB or 1GiB, got {value!r}")
    if size <= 0:
        raise src.error(at, "a size must be > 0")
    return size


def numeric(src: Located, at: FieldPath) -> Any:
    """A number or a rectangular nested list of numbers; returns it unchanged."""
    if _shape_of(src, at, get(src, at)) is None:
        raise src.error(at, "expected a number or a rectangular list of numbers")
    return get(src, at)


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


# Keys people reach for at the top level, and where that setting lives.
_SYNONYMS = {
    "tolerance": "check",
    "tolerence": "check",
    "tol": "check",
    "atol": "check",
    "rtol": "check",
    "timeout": "limits",
    "time_limit": "limits",
    "memory": "limits",
    "cases": "hidden",
    "tests": "hidden",
}


def _closest(word: str, options: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return found[0] if found else None


def _choice(options: Iterable[str]) -> Callable[[Located, FieldPath], str]:
    allowed = tuple(options)

    def read(src: Located, at: FieldPath) -> str:
        value = get(src, at)
        if value not in allowed:
            close = _closest(str(value), allowed) if isinstance(value, str) else None
            hint = f" (did you mean '{close}'?)" if close else ""
            raise src.error(at, f"{value!r} is not one of {', '.join(allowed)}{hint}")
        return str(value)

    return read


def _precision(src: Located, at: FieldPath) -> int:
    value = integer(src, at)
    if value > 15:
        raise src.error(at, f"at most 15 decimals (float64 holds about 16 digits), got {value}")
    return value


def _raw(src: Located, at: FieldPath) -> Any:
    """Read as it is: ``grader.problem.declared`` checks it against the declarations."""
    return get(src, at)


def _strings(src: Located, at: FieldPath) -> list[str]:
    value = get(src, at)
    if not isinstance(value, list) or not value:
        raise src.error(at, f"expected a non-empty list of strings, got {_kind(value)}")
    return [string(src, (*at, i)) for i in range(len(value))]


def _plain_mapping(src: Located, at: FieldPath) -> dict[str, Any]:
    value = get(src, at)
    if not isinstance(value, dict):
        raise src.error(at, f"expected a mapping, got {_kind(value)}")
    return value


_READERS: dict[str, Callable[[Located, FieldPath], Any]] = {
    "string": string,
    "problem_id": lambda src, at: string(src, at, schema.PROBLEM_ID),
    "identifier": lambda src, at: string(src, at, schema.IDENTIFIER),
    "number": number,
    "positive": lambda src, at: number(src, at, positive=True),
    "integer": integer,
    "count": lambda src, at: integer(src, at, minimum=1),
    "boolean": boolean,
    "duration": duration,
    "size": size,
    "numeric": numeric,
    "value": _raw,  # checked against the result's structure by spec.py
    "arguments": _raw,  # declared.py reads these four
    "result": _raw,
    "methods": _raw,
    "attributes": _raw,
    "args": _plain_mapping,  # checked against the declared arguments by spec.py
    "calls": _raw,
    "params": _plain_mapping,
    "strings": _strings,
    "comparison": _choice(COMPARISONS),
    "vectors": _choice(VECTORS),
    "precision": _precision,
    "text": _choice(TEXT),
}


def section(src: Located, at: FieldPath, name: str) -> dict[str, Any]:
    """Read a mapping by its table in grader/schema.py: known keys only, required ones present,
    each value read by its kind (sections and lists of sections recursively)."""
    value = get(src, at)
    if not isinstance(value, dict):
        raise src.error(at, f"expected a mapping, got {_kind(value)}")
    keys = schema.SPEC[name]
    for key in value:
        if key not in keys:
            close = _SYNONYMS.get(str(key).lower()) if name == "problem" else None
            close = close or _closest(str(key), keys)
            hint = f" (did you mean '{close}'?)" if close else ""
            raise src.error((*at, str(key)), f"unknown key{hint}; known keys: {', '.join(keys)}")
    for key, spec in keys.items():
        if spec.required and key not in value:
            raise src.error(at, f"missing required key '{key}'")
    out: dict[str, Any] = {}
    for key in value:
        kind, where = keys[key].kind, (*at, key)
        if kind.startswith("section:"):
            out[key] = section(src, where, kind.split(":", 1)[1])
        elif kind.startswith("list:"):
            items = get(src, where)
            if not isinstance(items, list):
                raise src.error(where, f"expected a list, got {_kind(items)}")
            if not items:
                raise src.error(where, "an empty list: add cases or remove the key")
            table = kind.split(":", 1)[1]
            out[key] = [section(src, (*where, i), table) for i in range(len(items))]
        else:
            out[key] = _READERS[kind](src, where)
    return out
