"""Properties every right answer has: the reference's ``property_<name>(*args, result=...)``.

A part compared by ``properties`` passes when they all hold (``strict``): a property that raises
on the learner's result fails it, saying so. When a failing result is only being explained
(not ``strict``), a property that cannot be tested on it (e.g. its shape) is skipped.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

# (name, hint, the property function)
Property = tuple[str, str, Callable[..., Any]]


def first_broken(
    properties: Iterable[Property],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    got: Any,
    strict: bool,
) -> tuple[str, str] | None:
    """(name, hint) of the first property ``got`` breaks, or None."""
    for name, hint, test in properties:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                ok = bool(test(*args, **kwargs, result=copy_node(got)))
        except Exception as exc:
            if not strict:
                continue
            return f"{name} (the property raised {type(exc).__name__} on this result)", hint
        if not ok:
            return name, hint
    return None


def copy_node(node: Any) -> Any:
    """A deep copy of a decoded value: a checker may change what it is given."""
    if isinstance(node, np.ndarray):
        return node.copy()
    if isinstance(node, dict):
        return {k: copy_node(v) for k, v in node.items()}
    if isinstance(node, (tuple, list)):
        return type(node)(copy_node(v) for v in node)
    return node
