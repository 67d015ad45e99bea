"""How a case is called, the same way in the worker and in the grader (reference, known mistakes).

A case's call is plain JSON, made once by the grader (``grader.problem.calls``) and decoded for
every run, so each call gets fresh values:

* a function: ``{"args": [[name, kind, value], ...], "kwargs": [[name, kind, value], ...]}``
  (``args`` are passed by position, ``kwargs`` by name);
* a class: ``{"script": [step, ...]}``, steps ``["new", args, kwargs, name]`` (construct; a
  name for objects after the first), ``["call", method, args, kwargs, checked, on, name]`` (on
  the object named ``on``, else the first; ``name`` names what it returned) and
  ``["get", attribute, on]`` (checked);
* either may carry ``"seed": S``: ``random`` and ``numpy.random``'s global state are seeded
  with S before the call, and arguments of kind ``gen`` are ``numpy.random.default_rng(S)``.

Kinds: ``float int bool str none list dict any gen``, ``nd`` (an ndarray whose dtype numpy
infers) or ``nd:<dtype>`` (``float64 float32 int64 int32 bool``), ``nds``/``nds:<dtype>`` (a
list of such arrays, of any shapes), and in a script ``ret`` (what the previous call returned:
all of it when the value is null, else its item at that index) and ``obj`` (the object the
script named so). Standard library and numpy
only: this module runs inside the untrusted process too.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

DTYPES = ("float64", "float32", "int64", "int32", "bool")
SCALARS = {"float": float, "int": int, "bool": bool, "str": str}


def value(kind: str, raw: Any, seed: int | None, returned: Any = None, objects: Any = None) -> Any:
    """The argument of ``kind`` made from its JSON form ``raw``."""
    if kind == "ret":
        return returned if raw is None else returned[raw]
    if kind == "obj":
        return objects[raw]
    if kind in SCALARS:
        return SCALARS[kind](raw)
    if kind == "none":
        return None
    if kind == "gen":
        return np.random.default_rng(raw if raw is not None else seed)
    if kind == "nd":
        return np.array(raw)
    if kind.startswith("nd:"):
        return np.array(raw, dtype=kind[3:])
    if kind == "nds" or kind.startswith("nds:"):
        return [np.array(item, dtype=kind[4:] or None) for item in raw]
    return raw  # list, dict, any: the JSON value itself (fresh: decoded for this call)


def arguments(
    args: Sequence[Sequence[Any]],
    kwargs: Sequence[Sequence[Any]],
    seed: int | None,
    returned: Any = None,
    objects: Any = None,
) -> tuple[list[Any], dict[str, Any]]:
    return (
        [value(kind, raw, seed, returned, objects) for _, kind, raw in args],
        {name: value(kind, raw, seed, returned, objects) for name, kind, raw in kwargs},
    )


def seed_all(seed: int) -> None:
    """Seed ``random`` and numpy's global random state (what ``np.random.rand`` draws from)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)


Keep = Callable[[Any, int], Any]  # (a checked value, its position) -> the value kept


def invoke(target: Any, call: Mapping[str, Any], keep: Keep, fresh: bool = True) -> Any:
    """Call ``target`` as ``call`` says; a class's result is the tuple of its checked values.

    ``keep`` takes each checked value of a class script when it is produced (later calls may
    change an attribute in place). ``fresh``: ``call`` was decoded for this call alone;
    otherwise its values are copied first.
    """
    if not fresh:
        call = copy.deepcopy(call)
    seed = call.get("seed")
    if seed is not None:
        seed_all(seed)
    if "script" in call:
        return run_script(target, call["script"], seed, keep)
    args, kwargs = arguments(call.get("args", ()), call.get("kwargs", ()), seed)
    return target(*args, **kwargs)


def run_script(
    cls: Any, script: Sequence[Sequence[Any]], seed: int | None, keep: Keep
) -> tuple[Any, ...]:
    """Construct ``cls``, call methods in order; return what the script checks."""
    objects: dict[str | None, Any] = {}
    checked: list[Any] = []
    returned: Any = None
    for step in script:
        if step[0] == "new":
            args, kwargs = arguments(step[1], step[2], seed, returned, objects)
            made = cls(*args, **kwargs)
            objects.setdefault(None, made)
            if len(step) > 3 and step[3]:
                objects[step[3]] = made
        elif step[0] == "call":
            on = step[5] if len(step) > 5 else None
            args, kwargs = arguments(step[2], step[3], seed, returned, objects)
            returned = getattr(objects[on], step[1])(*args, **kwargs)
            if step[4]:
                checked.append(keep(returned, len(checked)))
            if len(step) > 6 and step[6]:
                objects[step[6]] = returned
        else:
            on = step[2] if len(step) > 2 else None
            checked.append(keep(getattr(objects[on], step[1]), len(checked)))
    return tuple(checked)
