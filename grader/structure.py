"""The structure of a result and how each part of it is compared: part of the vocabulary.

A ``Part`` is what a spec declares a result to be (a number or array, text, None, a tuple, list
or dict of parts); its ``Tolerance`` says how a value of it is compared with the expected one.
``grader.model`` re-exports both; stages import them from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

COMPARISONS = (
    "close",  # every entry within atol + rtol * |expected| (numpy's rule)
    "exact",  # equal (integers, booleans, text; floats bit for bit)
    "sign",  # close once each vector (column, or row) has the sign of the expected one
    "unordered",  # close once items (rows, or columns; entries of a vector) are matched up
    "labels",  # the same grouping: equal once label values are renamed one to one
    "scale",  # close to c * expected for one number c != 0
    "relative",  # |got - expected| <= atol + rtol * max(|got|, |expected|) in the 2-norm
    "custom",  # the reference's check_<checker>(got, expected, args) -> (ok, message)
    "properties",  # no expected value to match: every property_* of the reference holds
)
VECTORS = ("columns", "rows")
TEXT = ("exact", "normalised")  # normalised: case, surrounding and repeated whitespace ignored


@dataclass(frozen=True)
class Tolerance:
    """How one value (a result, or one part of it) is compared with the expected one.

    With ``compare: close`` (the default) it passes when
    ``|got - expected| <= atol + rtol * |expected|`` everywhere.
    """

    atol: float = 1e-4
    rtol: float = 0.0
    squeeze: bool = False  # accept results that differ only by singleton axes
    compare: str = "close"  # one of COMPARISONS
    vectors: str = "columns"  # sign and unordered: which vectors of a matrix (VECTORS)
    precision: int | None = None  # decimals learners are told; None: from the published values
    checker: str | None = None  # compare: custom, the name in check_<name>
    text: str = "exact"  # strings: one of TEXT


LEAVES = ("float", "int", "bool", "str", "none", "any")  # kinds of value a part may be
STRUCTURES = ("tuple", "dict", "list")


@dataclass(frozen=True)
class Part:
    """The declared structure of a result, with each part's comparison resolved for one case.

    A leaf's ``kind`` is a leaf kind or several joined by ``|`` (``float | none``); a
    ``tuple`` has ``parts`` in order, a ``dict`` has them by ``name``, a ``list`` has one part,
    the kind of every item. ``check`` of a structure holds for it as a whole (``custom``,
    ``properties``); its leaves carry their own.
    """

    kind: str = "float"
    name: str | None = None
    check: Tolerance = field(default_factory=Tolerance)
    parts: tuple[Part, ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.kind.split("|"))

    def layout(self) -> Any:
        """How the worker reads a value of this structure (``grader.run.child.codec``)."""
        if self.kind == "tuple":
            return {"t": [p.layout() for p in self.parts], "n": [p.name for p in self.parts]}
        if self.kind == "list":
            return {"l": self.parts[0].layout()}
        if self.kind == "dict":
            return {"d": {p.name: p.layout() for p in self.parts}}
        kinds = set(self.kinds) - {"none"}
        if kinds and kinds <= {"float", "int", "bool"}:
            return "a"
        return "s" if kinds == {"str"} else "*"

    def document(self) -> dict[str, Any]:
        """Plain data (for the cache); ``from_document`` reads it back."""
        return {
            "kind": self.kind,
            "name": self.name,
            "check": {k: getattr(self.check, k) for k in Tolerance.__dataclass_fields__},
            "parts": [p.document() for p in self.parts],
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Part:
        return cls(
            doc["kind"],
            doc["name"],
            Tolerance(**doc["check"]),
            tuple(cls.from_document(p) for p in doc["parts"]),
        )


@dataclass(frozen=True)
class Mismatch:
    """Where and how far a value of the right shape is off."""

    count: int  # entries outside the tolerance
    total: int
    max_abs: float
    max_abs_at: tuple[int, ...]
    max_rel: float
    nonfinite: int  # NaN or inf entries where a finite value is expected
    mask: np.ndarray  # True where the entry fails


@dataclass(frozen=True)
class PartDetail:
    """One part of a structured result as an example shows it: expected and got side by side."""

    label: str  # ``result[1] (db)``, ``step() #2``
    expected: Any  # a leaf node: an ndarray, a str or None (or the whole of a custom part)
    got: Any
    mismatch: Mismatch | None
    tolerance: Tolerance
    passed: bool
    message: str  # why it fails, when it does
