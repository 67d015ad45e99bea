"""The declarations of a spec, read with their lines: arguments, checks, the result's structure,
a class's methods and attributes. Every error names the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from grader.model import Part, Tolerance
from grader.problem import schema
from grader.problem.kinds import (
    NO_DEFAULT,
    RESULT_ALIASES,
    Argument,
    Error,
    Method,
    match,
    parse_types,
)
from grader.problem.readers import _closest, _kind, boolean, get, section
from grader.problem.results import zero_tolerance
from grader.problem.yamlmap import FieldPath, Located
from grader.run.child.calls import DTYPES

ARGUMENT_KEYS = ("type", "dtype", "default", "keyword")
METHOD_KEYS = ("args", "returns")


def located(src: Located, at: FieldPath, error: Error) -> Exception:
    """A plain ``Error`` (its path inside the value at ``at``) as a SpecError with its line."""
    return src.error((*at, *error.path), error.message)


def _keys(src: Located, at: FieldPath, value: dict[Any, Any], known: tuple[str, ...]) -> None:
    for key in value:
        if key not in known:
            close = _closest(str(key), known)
            hint = f" (did you mean '{close}'?)" if close else ""
            raise src.error((*at, str(key)), f"unknown key{hint}; known keys: {', '.join(known)}")


def _mapping(src: Located, at: FieldPath, what: str) -> dict[Any, Any]:
    value = get(src, at)
    if not isinstance(value, dict) or not value:
        raise src.error(at, f"expected a mapping of {what}, got {_kind(value)}")
    for name in value:
        if not isinstance(name, str) or not schema.IDENTIFIER.match(name):
            raise src.error((*at, str(name)), f"{name!r} is not a Python identifier")
    return value


def arguments(src: Located, at: FieldPath) -> dict[str, Argument]:
    """``name: type`` or ``name: {type, dtype, default, keyword}``, in call order."""
    value = _mapping(src, at, "argument name -> type")
    out = {}
    for name, decl in value.items():
        where = (*at, name)
        if isinstance(decl, dict):
            _keys(src, where, decl, ARGUMENT_KEYS)
            if "type" not in decl:
                raise src.error(where, "missing required key 'type'")
            text, where_type = decl["type"], (*where, "type")
        else:
            text, where_type = decl, where
        types = parse_types(text, schema.ARG_TYPES)
        if isinstance(types, str):
            raise src.error(where_type, types)
        if "generator" in types and len(types) > 1:
            raise src.error(where_type, "a generator argument cannot be part of a union")
        argument = Argument(name, types)
        if isinstance(decl, dict):
            dtype = decl.get("dtype")
            arrays = {"ndarray", "ndarrays"} & set(types)
            if dtype is not None and (dtype not in DTYPES or not arrays):
                message = (
                    f"dtype applies to ndarray and ndarrays only; one of {', '.join(DTYPES)}"
                    if dtype in DTYPES
                    else f"{dtype!r} is not one of {', '.join(DTYPES)}"
                )
                raise src.error((*where, "dtype"), message)
            keyword = boolean(src, (*where, "keyword")) if "keyword" in decl else False
            argument = Argument(name, types, dtype, decl.get("default", NO_DEFAULT), keyword)
            if "default" in decl:
                found = match(argument, decl["default"])
                if isinstance(found, Error):
                    raise located(src, (*where, "default"), found)
        out[name] = argument
    return out


def check(src: Located, at: FieldPath, base: Tolerance) -> tuple[Tolerance, dict[str, Any]]:
    """The ``check`` section at ``at`` applied to ``base``: (the result, the keys it sets)."""
    raw = section(src, at, "check")
    merged = replace(base, **raw)
    if merged.compare == "custom" and not merged.checker:
        raise src.error(
            at, "compare: custom needs a checker: the name of check_<name> in the reference"
        )
    if merged.checker and merged.compare != "custom":
        raise src.error((*at, "checker"), "a checker is used with compare: custom only")
    if zero_tolerance(merged):
        raise src.error(at, "atol and rtol are both 0: only bit-identical floats would pass")
    return merged, raw


def part(src: Located, at: FieldPath, base: Tolerance, name: str | None = None) -> Part:
    """A result's structure: a type, or {type|tuple|list|dict, name, check}."""
    value = get(src, at)
    if isinstance(value, str):
        kinds = parse_types(value, schema.RESULT_TYPES)
        if isinstance(kinds, str):
            raise src.error(at, kinds)
        return Part(" | ".join(RESULT_ALIASES.get(k, k) for k in kinds), name, base)
    if not isinstance(value, dict):
        raise src.error(at, f"expected a type or a mapping (tuple, list, dict), got {_kind(value)}")
    shapes = [k for k in ("type", "tuple", "list", "dict") if k in value]
    if len(shapes) != 1:
        raise src.error(at, "give exactly one of type, tuple, list, dict")
    _keys(src, at, value, (shapes[0], "name", "check"))
    if "name" in value:
        if not isinstance(value["name"], str) or not value["name"].strip():
            raise src.error((*at, "name"), "expected a non-empty string")
        name = value["name"]
    own = check(src, (*at, "check"), base)[0] if "check" in value else base
    shape, where = shapes[0], (*at, shapes[0])
    if shape == "type":
        return replace(part(src, where, own), name=name)
    if shape == "list":
        return Part("list", name, own, (part(src, where, own),))
    items = get(src, where)
    if shape == "tuple":
        if not isinstance(items, list) or not items:
            raise src.error(where, f"expected a non-empty list of parts, got {_kind(items)}")
        parts = tuple(part(src, (*where, i), own) for i in range(len(items)))
        names = [p.name for p in parts if p.name]
        if len(set(names)) != len(names):
            raise src.error(where, "two parts have the same name")
        return Part("tuple", name, own, parts)
    if not isinstance(items, dict) or not items:
        raise src.error(where, f"expected a mapping of key -> part, got {_kind(items)}")
    for key in items:
        if not isinstance(key, str):
            raise src.error(where, f"a key must be a string, got {key!r}")
    return Part("dict", name, own, tuple(part(src, (*where, k), own, k) for k in items))


def methods(src: Located, at: FieldPath, base: Tolerance) -> dict[str, Method]:
    value = _mapping(src, at, "method name -> {args, returns}")
    out = {}
    for name, decl in value.items():
        where = (*at, name)
        if decl is None:
            decl = {}
        if not isinstance(decl, dict):
            raise src.error(where, f"expected a mapping with args, returns; got {_kind(decl)}")
        _keys(src, where, decl, METHOD_KEYS)
        args = arguments(src, (*where, "args")) if decl.get("args") else {}
        returns = part(src, (*where, "returns"), base) if "returns" in decl else None
        out[name] = Method(name, args, returns)
    return out


def attributes(src: Located, at: FieldPath, base: Tolerance) -> dict[str, Part]:
    value = _mapping(src, at, "attribute name -> type")
    return {name: part(src, (*at, name), base) for name in value}
