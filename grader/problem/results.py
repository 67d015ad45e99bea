"""Results as a spec declares them: published values checked against the declared structure,
the reference's result fitted to it, and a case's ``check`` applied to every part.

Like ``kinds``, these functions take plain values and return an ``Error`` (or raise
ValueError for the reference's result), so that the spec and generators share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from grader.model import STRUCTURES, Part, Tolerance
from grader.problem.kinds import (
    Error,
    _kind,
    _plainly_json,
    accepts,
    is_boolean,
    is_integer,
    is_number,
    rectangular,
)


def accepts_result(part: Part, value: Any) -> Error | None:
    """None when a published ``value`` has the structure and kinds of ``part``, else why not."""
    if part.kind in STRUCTURES:
        return _accepts_structure(part, value)
    errors = []
    for kind in part.kinds:
        if kind == "any":
            return None if _plainly_json(value) else Error("expected plain data")
        if kind in ("str", "none"):
            error = accepts(kind, value, None)
        else:
            leaf = {"float": is_number, "int": is_integer, "bool": is_boolean}[kind]
            found = rectangular(value, leaf)
            error = found if isinstance(found, Error) else None
        if error is None:
            return None
        errors.append(error)
    return errors[0] if len(errors) == 1 else Error(f"expected {part.kind}, got {_kind(value)}")


def _accepts_structure(part: Part, value: Any) -> Error | None:
    if part.kind == "dict":
        keys = [str(p.name) for p in part.parts]
        if not isinstance(value, dict):
            return Error(f"expected a mapping with keys {', '.join(keys)}, got {_kind(value)}")
        if sorted(value) != sorted(keys):
            return Error(f"expected the keys {', '.join(keys)}, got {', '.join(map(str, value))}")
        for p in part.parts:
            error = accepts_result(p, value[p.name])
            if error is not None:
                return error.inside(str(p.name))
        return None
    if not isinstance(value, list):
        return Error(f"expected a list (the parts of a {part.kind}), got {_kind(value)}")
    if part.kind == "tuple" and len(value) != len(part.parts):
        return Error(f"expected {len(part.parts)} parts, got {len(value)}")
    for i, item in enumerate(value):
        error = accepts_result(part.parts[i] if part.kind == "tuple" else part.parts[0], item)
        if error is not None:
            return error.inside(i)
    return None


def published_node(part: Part, value: Any) -> Any:
    """A published value (checked by ``accepts_result``) as a node like the reference's."""
    if part.kind == "dict":
        return {p.name: published_node(p, value[p.name]) for p in part.parts}
    if part.kind in ("tuple", "list"):
        items = [
            published_node(part.parts[i] if part.kind == "tuple" else part.parts[0], v)
            for i, v in enumerate(value)
        ]
        return tuple(items) if part.kind == "tuple" else items
    if value is None or isinstance(value, str):
        return value
    floats = "float" in part.kinds or "any" in part.kinds
    if floats and not any(isinstance(v, bool) for v in _flat(value)):
        return np.asarray(value, dtype=np.float64)
    if "int" in part.kinds and not isinstance(value, bool):
        return np.asarray(value, dtype=np.int64)
    return np.asarray(value, dtype=np.bool_) if "bool" in part.kinds else value


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for v in value for x in _flat(v)]
    return [value]


def expected_node(part: Part, node: Any, where: str = "result") -> Any:
    """The reference's result (a node) with each numeric leaf of the declared kind, or raise
    ValueError saying where it is not what the spec declares."""
    if part.kind in STRUCTURES:
        return _expected_structure(part, node, where)
    if node is None:
        if "none" in part.kinds or "any" in part.kinds:
            return None
        raise ValueError(f"{where} is None; the spec declares {part.kind}")
    if isinstance(node, str):
        if "str" in part.kinds or "any" in part.kinds:
            return node
        raise ValueError(f"{where} is a string; the spec declares {part.kind}")
    if not isinstance(node, np.ndarray):
        if "any" in part.kinds:
            return node
        raise ValueError(f"{where} is a {type(node).__name__}; the spec declares {part.kind}")
    kinds = part.kinds
    if "float" in kinds and node.dtype != np.bool_:
        return node.astype(np.float64, copy=False)
    if "int" in kinds and node.dtype.kind == "i":
        return node
    if "int" in kinds and node.dtype.kind == "f":
        if not np.array_equal(node, np.round(node)):
            raise ValueError(f"{where} holds non-integer numbers; the spec declares int")
        return node.astype(np.int64)
    if "bool" in kinds and node.dtype == np.bool_:
        return node
    if "any" in kinds:
        return node
    raise ValueError(f"{where} holds values of dtype {node.dtype}; the spec declares {part.kind}")


def _expected_structure(part: Part, node: Any, where: str) -> Any:
    if part.kind == "dict":
        if not isinstance(node, dict) or sorted(node) != sorted(p.name or "" for p in part.parts):
            raise ValueError(f"{where} is not a dict with the declared keys")
        return {p.name: expected_node(p, node[p.name], f"{where}[{p.name!r}]") for p in part.parts}
    if not isinstance(node, (tuple, list)):
        raise ValueError(f"{where} is not a {part.kind}; the spec declares one")
    if part.kind == "tuple" and len(node) != len(part.parts):
        raise ValueError(f"{where} has {len(node)} parts; the spec declares {len(part.parts)}")
    items = [
        expected_node(part.parts[i] if part.kind == "tuple" else part.parts[0], v, f"{where}[{i}]")
        for i, v in enumerate(node)
    ]
    return tuple(items) if part.kind == "tuple" else items


def resolve(part: Part, override: Mapping[str, Any]) -> Part:
    """``part`` with a case's ``check`` keys applied to it and every part inside."""
    if not override:
        return part
    return replace(
        part,
        check=replace(part.check, **override),
        parts=tuple(resolve(p, override) for p in part.parts),
    )


def zero_tolerance(check: Tolerance) -> bool:
    """Float comparisons whose atol and rtol are both 0 pass only bit-identical floats."""
    return check.atol == 0 and check.rtol == 0 and check.compare not in ("exact", "labels")


def leaves_of(part: Part) -> list[Part]:
    if part.kind in STRUCTURES:
        return [leaf for p in part.parts for leaf in leaves_of(p)]
    return [part]
