"""Results as plain data: what a call returned -> a typed tree -> bytes, and back, strictly.

The same code turns the submission's result (in the worker) and the reference's (in the grader)
into a *node*: a C-contiguous ndarray of float64, int64 or bool (numbers of any shape, 0-d for a
scalar), a ``str``, ``None``, a ``tuple`` or ``list`` of nodes, or a ``dict`` of str -> node.

``normalise`` is guided by a *layout*, the declared structure of the result (public: the
statement says it), so that a list of numbers where an array is declared becomes one array,
and a tuple of parts stays a tuple. Layouts: ``"a"`` numbers, ``"s"`` text, ``"*"`` anything,
``{"t": [layout, ...], "n": [name, ...]}`` a fixed number of parts (tuple or list),
``{"l": layout}`` a list of any length, ``{"d": {key: layout}}`` a dict. A value that does not
have the declared structure is kept as it is, for the grader to say how it differs.

``pack`` gives a JSON tree and the raw bytes of its arrays (8-byte aligned);
``measure`` and ``build`` read them back in the grader, typed and bounded (depth, parts, text,
dimensions): anything else raises ``Unreadable`` with a plain message. No pickle, no eval.
Standard library and numpy only: this module runs inside the untrusted process too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

MAX_DEPTH = 12  # levels of nesting in a result
MAX_PARTS = 2048  # nodes in a result
MAX_TEXT = 10_000  # characters of one string
MAX_DIMS = 8  # dimensions of one array
MAX_DIM = 2**31  # entries along one dimension of an array the grader reads back
WIRE = {"f": "<f8", "i": "<i8", "b": "|b1"}  # array node kinds -> dtypes
_INT64_MAX = np.iinfo(np.int64).max
_TOO_LONG = "the result has an array with more than 2**31 entries along its dimensions"


class InvalidOutput(Exception):
    """A result that cannot be read as numbers, text or a structure of them.

    Its message describes the kind of value only, never the value itself, so that it can be shown
    for hidden cases too.
    """


class Unreadable(Exception):
    """What the grader received is not a well-formed, bounded result tree."""


def label(path: str, name: str | None) -> str:
    """``result[1] (db)``: a part's place, with its declared name."""
    return f"{path} ({name})" if name else path


def _prefix(path: str) -> str:
    return "" if path == "result" else f"{path}: "


class _Walk:
    def __init__(self, copy: bool) -> None:
        self.copy = copy
        self.parts = 0

    def node(self, value: Any, layout: Any, path: str, depth: int) -> Any:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise InvalidOutput(f"the result has more than {MAX_PARTS} parts")
        if depth > MAX_DEPTH:
            raise InvalidOutput(f"the result is nested more than {MAX_DEPTH} levels deep")
        value = _unwrap(value)
        if value is None:
            return None
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise InvalidOutput(f"{_prefix(path)}a string longer than {MAX_TEXT} characters")
            return value
        if isinstance(value, (bytes, bytearray)):
            raise InvalidOutput(f"{_prefix(path)}bytes, not text or numbers")
        if isinstance(layout, dict):
            return self.structure(value, layout, path, depth)
        if layout == "a":
            if isinstance(value, (dict, set, frozenset)) or callable(value):
                what = "the function returned" if path == "result" else f"{path} is"
                raise InvalidOutput(f"{what} a {type(value).__name__}, not numbers")
            return self.array(value, path)
        return self.generic(value, path, depth)

    def structure(self, value: Any, layout: dict[str, Any], path: str, depth: int) -> Any:
        if isinstance(value, (list, tuple)) and ("t" in layout or "l" in layout):
            parts = layout.get("t")
            names = layout.get("n") or []
            items = []
            for i, item in enumerate(value):
                inner = (parts[i] if i < len(parts) else "*") if parts is not None else layout["l"]
                name = names[i] if i < len(names) else None
                items.append(self.node(item, inner, label(f"{path}[{i}]", name), depth + 1))
            return tuple(items) if isinstance(value, tuple) else items
        if isinstance(value, Mapping) and "d" in layout:
            return self.mapping(value, layout["d"], path, depth)
        return self.generic(value, path, depth)

    def mapping(self, value: Mapping[Any, Any], fields: Any, path: str, depth: int) -> Any:
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidOutput(f"{_prefix(path)}a dict whose keys are not all strings")
            if len(key) > MAX_TEXT:
                raise InvalidOutput(f"{_prefix(path)}a dict key longer than {MAX_TEXT} characters")
            inner = fields.get(key, "*") if isinstance(fields, dict) else "*"
            out[key] = self.node(item, inner, f"{path}[{key!r}]", depth + 1)
        return out

    def generic(self, value: Any, path: str, depth: int) -> Any:
        if isinstance(value, Mapping):
            return self.mapping(value, None, path, depth)
        if isinstance(value, (list, tuple)):
            try:
                arr = np.array(value, subok=False)
            except (ValueError, TypeError, RecursionError):
                arr = None
            if arr is not None and arr.dtype.kind in "biuf":
                return self.array(arr, path)
            items = [self.node(v, "*", f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
            return tuple(items) if isinstance(value, tuple) else items
        return self.array(value, path)

    def array(self, value: Any, path: str) -> np.ndarray:
        where = _prefix(path)
        try:
            # an exact ndarray is used as is (no copy); anything else becomes a plain ndarray copy
            arr = value if type(value) is np.ndarray else np.array(value, subok=False)
        except ValueError as exc:
            if "inhomogeneous" in str(exc) or "sequence" in str(exc):
                what = "the result is" if not where else f"{path} is"
                raise InvalidOutput(f"{what} ragged: its rows have different lengths") from None
            raise InvalidOutput(
                f"{where}the result cannot be read as numbers ({type(exc).__name__})"
            ) from None
        except Exception as exc:
            raise InvalidOutput(
                f"{where}the result cannot be read as numbers ({type(exc).__name__})"
            ) from None
        kind = arr.dtype.kind
        if kind == "c":
            raise InvalidOutput(
                f"{where}the result holds complex numbers; real numbers are expected"
            )
        if kind not in "biuf":
            raise InvalidOutput(f"{where}the result holds {_describe_dtype(arr)}, not only numbers")
        if arr.ndim > MAX_DIMS:
            raise InvalidOutput(f"{where}the result has {arr.ndim} dimensions")
        if max(arr.shape, default=0) > MAX_DIM or math.prod(n for n in arr.shape if n) > MAX_DIM:
            raise InvalidOutput(f"{where}{_TOO_LONG}")
        if kind == "b":
            out = np.asarray(arr, dtype=np.bool_, order="C")
        elif kind in "iu":
            if kind == "u" and arr.size and int(arr.max()) > _INT64_MAX:
                raise InvalidOutput(f"{where}the result holds integers too large for 64 bits")
            out = np.asarray(arr, dtype="<i8", order="C")
        else:
            out = np.asarray(arr, dtype="<f8", order="C")
        return out.copy() if self.copy and out is value else out


def _unwrap(value: Any) -> Any:
    """Tensors of torch, jax, tensorflow -> what numpy can read, without importing them."""
    if isinstance(value, (np.ndarray, list, tuple, str, int, float, dict)) or value is None:
        return value
    for method in ("detach", "cpu"):  # torch tensors that need grad, or live on a device
        if callable(getattr(value, method, None)):
            value = getattr(value, method)()
    if not hasattr(value, "__array__") and callable(getattr(value, "numpy", None)):
        value = value.numpy()  # e.g. tensorflow tensors
    return value


def _describe_dtype(arr: np.ndarray) -> str:
    if arr.dtype.kind in "US":
        return "strings"
    if arr.dtype.kind == "O":
        kinds = sorted({type(v).__name__ for v in arr.flat if not isinstance(v, (int, float))})
        return "values of type " + ", ".join(kinds[:3]) if kinds else "Python objects"
    return f"values of dtype {arr.dtype}"


def normalise(value: Any, layout: Any = "a", copy: bool = False) -> Any:
    """``value`` as a node, guided by ``layout``; raises InvalidOutput. ``copy``: arrays never
    share memory with ``value`` (a class may change its attribute in place later)."""
    return _Walk(copy).node(value, layout, "result", 0)


# ---------------------------------------------------------------------------------------------
# Nodes <-> a JSON tree and raw bytes.


def pack(node: Any) -> tuple[Any, list[memoryview], int]:
    """(tree, buffers, their total size in bytes) of a node made by ``normalise``."""
    buffers: list[memoryview] = []
    total = 0

    def walk(n: Any) -> Any:
        nonlocal total
        if n is None:
            return None
        if isinstance(n, str):
            return {"s": n}
        if isinstance(n, np.ndarray):
            kind = "b" if n.dtype == np.bool_ else "i" if n.dtype.kind == "i" else "f"
            data = memoryview(n.data).cast("B") if n.size else memoryview(b"")
            buffers.append(data)
            pad = -len(data) % 8
            if pad:
                buffers.append(memoryview(bytes(pad)))
            total += len(data) + pad
            return {"a": kind, "s": list(n.shape)}
        if isinstance(n, dict):
            return {"d": [[k, walk(v)] for k, v in n.items()]}
        return {"t" if isinstance(n, tuple) else "l": [walk(v) for v in n]}

    tree = walk(node)
    return tree, buffers, total


def measure(tree: Any) -> int:
    """Check ``tree`` (types, bounds) and return the bytes its arrays take; raises Unreadable."""
    count = 0

    def walk(t: Any, depth: int) -> int:
        nonlocal count
        count += 1
        if count > MAX_PARTS:
            raise Unreadable(f"the result has more than {MAX_PARTS} parts")
        if depth > MAX_DEPTH:
            raise Unreadable(f"the result is nested more than {MAX_DEPTH} levels deep")
        if t is None:
            return 0
        if type(t) is not dict or len(t) not in (1, 2):
            raise Unreadable("the result is not a well-formed value")
        if "a" in t:
            kind, shape = t["a"], t.get("s")
            if (
                type(kind) is not str
                or kind not in WIRE
                or len(t) != 2
                or type(shape) is not list
                or len(shape) > MAX_DIMS
                or not all(type(n) is int and n >= 0 for n in shape)
            ):
                raise Unreadable("the result holds a malformed array")
            if max(shape, default=0) > MAX_DIM or math.prod(n for n in shape if n) > MAX_DIM:
                raise Unreadable(_TOO_LONG)
            size = math.prod(shape) * (1 if kind == "b" else 8)
            return size + (-size % 8)
        if len(t) != 1:
            raise Unreadable("the result is not a well-formed value")
        if "s" in t:
            if type(t["s"]) is not str or len(t["s"]) > MAX_TEXT:
                raise Unreadable(f"the result holds text that is not a string of <= {MAX_TEXT}")
            return 0
        if "t" in t or "l" in t:
            items = t.get("t", t.get("l"))
            if type(items) is not list:
                raise Unreadable("the result holds a malformed sequence")
            return sum(walk(item, depth + 1) for item in items)
        if "d" in t:
            pairs = t["d"]
            if type(pairs) is not list or not all(
                type(p) is list and len(p) == 2 and type(p[0]) is str for p in pairs
            ):
                raise Unreadable("the result holds a malformed dict")
            keys = [p[0] for p in pairs]
            if len(set(keys)) != len(keys) or any(len(k) > MAX_TEXT for k in keys):
                raise Unreadable("the result holds a dict with repeated or overlong keys")
            return sum(walk(p[1], depth + 1) for p in pairs)
        raise Unreadable("the result is not a well-formed value")

    return walk(tree, 0)


def build(tree: Any, data: np.ndarray) -> Any:
    """The node of a ``tree`` that ``measure`` accepted, its arrays read from ``data`` (uint8,
    exactly ``measure(tree)`` bytes). Raises Unreadable for booleans other than 0 and 1."""
    offset = 0

    def walk(t: Any) -> Any:
        nonlocal offset
        if t is None:
            return None
        if "a" in t:
            dtype = np.dtype(WIRE[t["a"]])
            size = math.prod(t["s"]) * dtype.itemsize
            raw = data[offset : offset + size]
            offset += size + (-size % 8)
            if dtype == np.bool_ and raw.size and int(raw.max()) > 1:
                raise Unreadable("the result holds booleans other than True and False")
            return raw.view(dtype).reshape(t["s"])
        if "s" in t:
            return t["s"]
        if "d" in t:
            return {k: walk(v) for k, v in t["d"]}
        items = [walk(item) for item in t.get("t", t.get("l"))]
        return tuple(items) if "t" in t else items

    return walk(tree)
