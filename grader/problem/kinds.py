"""Declared kinds of arguments and results: read them from a spec, match values against them.

An argument is declared by a type expression (``float``, ``ndarray``, ``float | ndarray``, ...)
or a mapping ``{type, dtype, default, keyword}``. A value matches a union by its first member
that accepts it; the match says how the worker builds the value (``grader.run.child.calls``).

A result is a *part*: a leaf type (``float int bool str none any``, or a union such as
``float | none``), or a structure ``{tuple: [part, ...]}``, ``{list: part}`` (any length),
``{dict: {key: part}}``, each optionally with a ``name`` (tuple items) and a ``check``.

Functions here take plain values and return an error string, so that the same checks serve the
spec (errors with file:line, ``spec.py``) and generators (errors naming the generator).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.model import Part

RESULT_ALIASES = {"array": "float", "number": "float"}  # older or friendlier names of leaves
NO_DEFAULT = object()


@dataclass(frozen=True)
class Argument:
    """A declared argument: its union of types, ndarray dtype, default and how it is passed."""

    name: str
    types: tuple[str, ...]  # members of ARG_TYPES
    dtype: str | None = None  # for ndarray members: None lets numpy infer it
    default: Any = NO_DEFAULT  # a case may omit the argument when it has one
    keyword: bool = False  # always passed by name

    @property
    def optional(self) -> bool:
        return self.default is not NO_DEFAULT or self.types == ("generator",)

    def __str__(self) -> str:
        text = " | ".join(
            f"{t}[{self.dtype}]" if t in ("ndarray", "ndarrays") and self.dtype else t
            for t in self.types
        )
        if self.default is not NO_DEFAULT:
            text += f" = {self.default!r}"
        return text


@dataclass(frozen=True)
class Method:
    """A method a class problem's call script may call: its arguments, and what it returns
    (None: the return value is not checked)."""

    name: str
    arguments: Mapping[str, Argument]
    returns: Part | None


def parse_types(text: Any, allowed: tuple[str, ...]) -> tuple[str, ...] | str:
    """``"float | ndarray"`` -> ("float", "ndarray"), or an error."""
    if not isinstance(text, str) or not text.strip():
        return f"expected a type ({' | '.join(allowed)}), got {_kind(text)}"
    members = tuple(t.strip() for t in text.split("|"))
    for member in members:
        if member not in allowed:
            return f"unknown type '{member}'; types: {', '.join(allowed)}"
    if len(set(members)) != len(members):
        return "a type is repeated in the union"
    return members


# ---------------------------------------------------------------------------------------------
# Values against argument types.


@dataclass(frozen=True)
class Error:
    """Why a value does not match its declared kind; ``path`` leads inside the value."""

    message: str
    path: tuple[str | int, ...] = ()

    def inside(self, *outer: str | int) -> Error:
        return Error(self.message, (*outer, *self.path))

    def __str__(self) -> str:
        where = "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in self.path)
        return f"{where}: {self.message}" if where else self.message


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), f"a {type(value).__name__}")


def rectangular(value: Any, leaf: Callable[[Any], bool], ragged: bool = False) -> Any:
    """The shape of a number (or boolean) or of rectangular nested lists of them, or an Error
    (``ragged``: lists of different lengths are fine; the shape is then None)."""
    if not isinstance(value, list):
        return () if leaf(value) else Error(f"expected {_leaf_words(leaf)}, got {_kind(value)}")
    shapes = []
    for i, item in enumerate(value):
        shape = rectangular(item, leaf, ragged)
        if isinstance(shape, Error):
            return shape.inside(i)
        shapes.append(shape)
    if ragged:
        return None
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            message = f"ragged: this item has shape {_fmt(shape)}, item 0 has {_fmt(shapes[0])}"
            return Error(message, (i,))
    return (len(value), *(shapes[0] if shapes else ()))


def _fmt(shape: tuple[int, ...]) -> str:
    return "a number" if not shape else "x".join(map(str, shape))


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _leaf_words(leaf: Callable[[Any], bool]) -> str:
    words: dict[Callable[[Any], bool], str] = {
        is_number: "a number",
        is_integer: "an integer",
        is_boolean: "true or false",
    }
    return words.get(leaf, "a value")


def _array_leaf(dtype: str | None) -> Callable[[Any], bool]:
    if dtype == "bool":
        return is_boolean
    if dtype in ("int64", "int32"):
        return is_integer
    return is_number


def _plainly_json(value: Any, depth: int = 0) -> bool:
    if depth > 32:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(_plainly_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plainly_json(v, depth + 1) for k, v in value.items())
    return False


_SIMPLE: dict[str, tuple[Callable[[Any], bool], str]] = {
    "float": (is_number, "a number"),
    "int": (is_integer, "an integer"),
    "bool": (is_boolean, "true or false"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "none": (lambda v: v is None, "null"),
    "dict": (lambda v: isinstance(v, dict) and _plainly_json(v), "a mapping with string keys"),
    "any": (_plainly_json, "plain data"),
    "generator": (lambda v: v is None or is_integer(v), "an integer seed"),
}


class Chained:
    """A script's argument that is what the previous call returned (``chain`` in a step; its
    item ``index``, or all of it), or an object the script named (``refs``)."""

    def __init__(self, index: int | None, name: str | None = None) -> None:
        self.index, self.name = index, name


def accepts(member: str, value: Any, dtype: str | None) -> Error | None:
    """None when ``value`` is a valid argument of type ``member``, else why not."""
    if member == "ndarrays":
        if not isinstance(value, list):
            return Error(f"expected a list of arrays, got {_kind(value)}")
        for i, item in enumerate(value):
            shape = rectangular(item, _array_leaf(dtype))
            if isinstance(shape, Error):
                return shape.inside(i)
        return None
    if member == "ndarray":
        shape = rectangular(value, _array_leaf(dtype))
        return shape if isinstance(shape, Error) else None
    if member in ("list", "nested"):  # lists of numbers: rectangular, or nested in any way
        if not isinstance(value, list):
            return Error(f"expected a list, got {_kind(value)}")
        shape = rectangular(value, is_number, ragged=member == "nested")
        return shape if isinstance(shape, Error) else None
    test, words = _SIMPLE[member]
    return None if test(value) else Error(f"expected {words}, got {_kind(value)}")


def match(argument: Argument, value: Any) -> tuple[str, Any] | Error:
    """(wire kind, JSON value) of ``value`` as ``argument``, or why it matches no member."""
    if isinstance(value, Chained):
        return ("obj", value.name) if value.name else ("ret", value.index)
    errors = []
    for member in argument.types:
        error = accepts(member, value, argument.dtype)
        if error is None:
            return wire_kind(member, argument.dtype), value
        errors.append(error)
    if len(errors) == 1:
        return errors[0]
    return Error(f"expected {' or '.join(argument.types)}, got {_kind(value)}")


def wire_kind(member: str, dtype: str | None) -> str:
    if member in ("ndarray", "ndarrays"):
        kind = "nd" if member == "ndarray" else "nds"
        return f"{kind}:{dtype}" if dtype else kind
    if member == "nested":
        return "list"
    return "gen" if member == "generator" else member


def plain(value: Any) -> Any:
    """What a generator returned -> plain JSON-ready values (ndarrays and numpy scalars too)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def call_entries(
    arguments: Mapping[str, Argument], given: Mapping[str, Any]
) -> tuple[list[list[Any]], list[list[Any]]] | Error:
    """The ``args`` and ``kwargs`` of a call with the ``given`` values, or an Error (its path
    starts with the argument's name).

    Arguments are positional in declared order until one is omitted (it must have a default) or
    declared ``keyword``; from there on each is passed by name.
    """
    for name in given:
        if name not in arguments:
            return Error(f"unknown key; known keys: {', '.join(arguments)}", (str(name),))
    args: list[list[Any]] = []
    kwargs: list[list[Any]] = []
    by_name = False
    for name, argument in arguments.items():
        if name not in given and argument.types != ("generator",):
            if not argument.optional:
                return Error(f"missing required key '{name}'")
            by_name = True
            continue
        found = match(argument, given.get(name))
        if isinstance(found, Error):
            return found.inside(name)
        by_name = by_name or argument.keyword
        (kwargs if by_name else args).append([name, *found])
    return args, kwargs


def filled(arguments: Mapping[str, Argument], given: Mapping[str, Any]) -> list[list[Any]]:
    """Every argument by name, the given value or else its declared default: how known mistakes
    and properties are called (``kwargs`` of a call; ``given`` already matched)."""
    out = []
    for name, argument in arguments.items():
        value = given.get(name, None if argument.default is NO_DEFAULT else argument.default)
        found = match(argument, value)
        if not isinstance(found, Error):
            out.append([name, *found])
    return out
