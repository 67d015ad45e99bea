"""The problem spec's keys in one table, read by the loader and turned into the JSON Schema.

Every key of every section has a kind (how its value is read and checked), whether it is
required, its default as documented, and a one-line meaning. ``grader/spec.py`` reads a spec
section by section through this table; ``json_schema()`` turns the same table into the JSON
Schema published as ``docs/problem.schema.json`` (``python -m grader.problem.schema`` rewrites
it), which editors use to complete and check ``problems/*.yaml``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from grader.model import CASE_WEIGHT, COMPARISONS, TEXT, VECTORS, Limits, Tolerance
from grader.problem.schema_defs import ARG_TYPES as ARG_TYPES
from grader.problem.schema_defs import IDENTIFIER as IDENTIFIER
from grader.problem.schema_defs import RESULT_TYPES as RESULT_TYPES
from grader.problem.schema_defs import defs as recursive_defs

PROBLEM_ID = re.compile(r"^[a-z][a-z0-9_]*$")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*$")


@dataclass(frozen=True)
class Key:
    kind: str  # see KINDS
    doc: str
    required: bool = False
    default: str | None = None  # as documented: written from ``grader.model``'s defaults


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _size(value: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value % scale == 0:
            return f"{value // scale}{unit}"
    return f"{value}B"


def _number(value: float) -> str:
    """``1e-4`` rather than ``0.0001``: as a spec would write it."""
    text = f"{value:g}"
    if "e" in text or abs(value) >= 1e-3 or value == 0:
        return text
    mantissa, exponent = f"{value:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


_LIMITS, _TOLERANCE = Limits(), Tolerance()


CASE_CHECK = Key(
    "section:check", "the comparison for this case only: keys as in the top-level check"
)
CASE_TIME = Key("duration", "wall-time limit of this case", default="limits.time_per_case")
CASE_SEED = Key(
    "integer",
    "seed of this case's random state: random and numpy.random are seeded with it before the "
    "call, and generator arguments are numpy.random.default_rng(seed)",
    default="the top-level seed",
)

SPEC: dict[str, dict[str, Key]] = {
    "problem": {
        "id": Key(
            "problem_id",
            "the problem's id: lower case, digits, _; equals the file name",
            required=True,
        ),
        "title": Key("string", "a short human title", required=True),
        "entry_point": Key(
            "identifier",
            "the function (or, with methods, the class) the learner defines",
            required=True,
        ),
        "signature": Key("string", "the signature shown to learners, e.g. f(x: list[float])"),
        "arguments": Key(
            "arguments",
            "argument name -> type (e.g. float, ndarray, float | ndarray) or {type, dtype, "
            "default, keyword}: call order and how each argument is passed; of the constructor "
            "for a class",
            required=True,
        ),
        "result": Key(
            "result",
            "the structure of the result: a type (float, int, bool, str, none, any), or "
            "{tuple: [...]}, {list: ...}, {dict: {...}} of parts, each with its own check",
            default="float",
        ),
        "methods": Key(
            "methods",
            "the entry point is a class: method name -> {args, returns}; cases give calls",
        ),
        "attributes": Key("attributes", "a class's attributes a case may check: name -> type"),
        "statement": Key("string", "the statement (Markdown), shown by grader show", required=True),
        "hints": Key(
            "strings",
            "a ladder of hints about the method, shown one at a time by grader hint ID "
            "(first the gentlest); never hidden inputs or expected values",
        ),
        "limits": Key("section:limits", "resource limits of one submission"),
        "check": Key("section:check", "the comparison rule for every case (a case may override)"),
        "seed": Key(
            "integer",
            "seed of every case's random state (random, numpy.random, generator arguments)",
            default="none: not seeded, unless a generator argument is declared (then 0)",
        ),
        "reference": Key(
            "string",
            "path of the reference solution, relative to this file",
            default="../reference/<id>.py",
        ),
        "examples": Key("list:case", "visible cases: learners see inputs, expected and got"),
        "hidden": Key("list:case", "hidden cases: learners see name, verdict and time only"),
        "generated": Key("list:generated", "hidden cases made by a generator in the reference"),
    },
    "limits": {
        "time_per_case": Key(
            "duration",
            "wall-time limit of one call, e.g. 2s or 500ms",
            default="derived from the reference's time",
        ),
        "time_total": Key(
            "duration",
            "wall-time limit of the whole submission",
            default=_seconds(_LIMITS.time_total),
        ),
        "memory": Key(
            "size",
            "address-space limit of the submission's process",
            default=_size(_LIMITS.memory),
        ),
        "output": Key("size", "printed output kept for the report", default=_size(_LIMITS.output)),
    },
    "check": {
        "atol": Key("number", "absolute tolerance", default=_number(_TOLERANCE.atol)),
        "rtol": Key(
            "number",
            "relative tolerance: pass when |got - expected| <= atol + rtol * |expected|",
            default=_number(_TOLERANCE.rtol),
        ),
        "squeeze": Key(
            "boolean",
            "accept results that differ only by axes of length 1",
            default=str(_TOLERANCE.squeeze).lower(),
        ),
        "compare": Key(
            "comparison",
            "how values are compared: " + ", ".join(COMPARISONS) + " (see Comparisons)",
            default=_TOLERANCE.compare,
        ),
        "vectors": Key(
            "vectors",
            "compare sign or unordered: the vectors of a matrix that may flip or move",
            default=_TOLERANCE.vectors,
        ),
        "precision": Key(
            "precision",
            "decimals learners are told to give (grader check's self-test)",
            default="inferred from the published values, else from atol",
        ),
        "checker": Key(
            "identifier", "compare custom: check_<checker>(got, expected, args) in the reference"
        ),
        "text": Key(
            "text",
            "strings: exact, or normalised (case and spacing ignored)",
            default=_TOLERANCE.text,
        ),
    },
    "case": {
        "name": Key("string", "unique among all cases; shown to learners", required=True),
        "args": Key(
            "args",
            "argument name -> value, of its declared type; an argument with a default may be "
            "omitted (function problems)",
        ),
        "calls": Key(
            "calls",
            "the call script (class problems): new, then call and get steps",
        ),
        "expected": Key(
            "value", "the published value, of the result's structure; must agree with the reference"
        ),
        "weight": Key("positive", "points of this case", default=_number(CASE_WEIGHT)),
        "check": CASE_CHECK,
        "time_limit": CASE_TIME,
        "seed": CASE_SEED,
    },
    "generated": {
        "name": Key(
            "string", "case names are '<name> #k' (just <name> when count is 1)", required=True
        ),
        "generator": Key(
            "identifier",
            "a function (rng, **params) -> args (a class: {calls: [...]}) in the reference",
            required=True,
        ),
        "params": Key("params", "keyword arguments of the generator"),
        "count": Key("count", "how many cases", required=True),
        "seed": Key(
            "integer",
            "case k draws its args from numpy.random.default_rng([seed, k]); a seeded problem "
            "calls it with the random state seed + k",
            required=True,
        ),
        "weight": Key("positive", "points of each case", default=_number(CASE_WEIGHT)),
        "check": CASE_CHECK,
        "time_limit": CASE_TIME,
    },
}

_NUMBER = {"type": "number"}
KINDS: dict[str, dict[str, Any]] = {
    "string": {"type": "string", "minLength": 1},
    "problem_id": {"type": "string", "pattern": PROBLEM_ID.pattern},
    "identifier": {"type": "string", "pattern": IDENTIFIER.pattern},
    "number": {"type": "number", "minimum": 0},
    "positive": {"type": "number", "exclusiveMinimum": 0},
    "integer": {"type": "integer", "minimum": 0},
    "count": {"type": "integer", "minimum": 1},
    "boolean": {"type": "boolean"},
    "duration": {
        "anyOf": [
            {"type": "number", "exclusiveMinimum": 0},
            {"type": "string", "pattern": DURATION.pattern},
        ]
    },
    "size": {
        "anyOf": [
            {"type": "integer", "exclusiveMinimum": 0},
            {"type": "string", "pattern": SIZE.pattern},
        ]
    },
    "numeric": {"$ref": "#/$defs/numeric"},
    "value": {},
    "arguments": {"$ref": "#/$defs/arguments"},
    "args": {"type": "object"},
    "params": {"type": "object"},
    "result": {"$ref": "#/$defs/part"},
    "methods": {
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"pattern": IDENTIFIER.pattern},
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "args": {"$ref": "#/$defs/arguments"},
                "returns": {"$ref": "#/$defs/part"},
            },
        },
    },
    "strings": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
    "attributes": {
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"pattern": IDENTIFIER.pattern},
        "additionalProperties": {"$ref": "#/$defs/part"},
    },
    "calls": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}},
    "comparison": {"enum": list(COMPARISONS)},
    "vectors": {"enum": list(VECTORS)},
    "precision": {"type": "integer", "minimum": 0, "maximum": 15},
    "text": {"enum": list(TEXT)},
}


def _fragment(kind: str) -> dict[str, Any]:
    if kind.startswith("section:"):
        return {"$ref": f"#/$defs/{kind.split(':', 1)[1]}"}
    if kind.startswith("list:"):
        return {"type": "array", "items": {"$ref": f"#/$defs/{kind.split(':', 1)[1]}"}}
    return dict(KINDS[kind])


def _section(name: str) -> dict[str, Any]:
    keys = SPEC[name]
    properties = {}
    for key, spec in keys.items():
        prop = {**_fragment(spec.kind), "description": spec.doc}
        if spec.default is not None:
            prop["description"] += f" (default: {spec.default})"
        properties[key] = prop
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [k for k, s in keys.items() if s.required],
        "properties": properties,
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07, which editors support best) of a problem spec."""
    defs = {name: _section(name) for name in SPEC if name != "problem"}
    defs.update(recursive_defs())
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://grader.local/problem.schema.json",
        "title": "grader problem spec (problems/<id>.yaml)",
        **_section("problem"),
        "$defs": defs,
    }


def markdown() -> str:
    """The key reference of docs/authoring.md, one table per section."""
    titles = {
        "problem": "Top level",
        "limits": "`limits`",
        "check": "`check` (top level or per case)",
        "case": "Each case of `examples` and `hidden`",
        "generated": "Each entry of `generated`",
    }
    out = []
    for name, keys in SPEC.items():
        out += [
            f"#### {titles[name]}",
            "",
            "| key | kind | required | default | meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        for key, spec in keys.items():
            out.append(
                f"| `{key}` | {spec.kind} | {'yes' if spec.required else ''} | "
                f"{spec.default or ''} | {spec.doc.replace('|', '&#124;')} |"
            )
        out.append("")
    return "\n".join(out)


def render() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"


if __name__ == "__main__":
    print(render(), end="")
