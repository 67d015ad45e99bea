"""The JSON Schema's recursive pieces: declared arguments, result parts, call steps.

``schema`` publishes them under ``$defs``; the type names here are the ones the loader accepts
(``grader.problem.declared``).
"""

from __future__ import annotations

import re
from typing import Any

from grader.model import LEAVES
from grader.run.child.calls import DTYPES

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMBER = {"type": "number"}

# Argument types (``grader.problem.kinds``): ``list`` is a number or a rectangular nested list of
# numbers (checked: a ragged matrix is a typo), ``nested`` any nesting of lists of numbers
ARG_TYPES = (
    "float",
    "int",
    "bool",
    "str",
    "none",
    "list",
    "nested",
    "dict",
    "ndarray",
    "ndarrays",
    "any",
    "generator",
)
RESULT_TYPES = (*LEAVES, "array", "number")  # array and number: other names of float


def _union(names: tuple[str, ...]) -> str:
    one = "(" + "|".join(names) + ")"
    return rf"^\s*{one}(\s*\|\s*{one})*\s*$"


ARG_TYPE = re.compile(_union(ARG_TYPES))
RESULT_TYPE = re.compile(_union(RESULT_TYPES))


def defs() -> dict[str, Any]:
    """The recursive pieces: declared arguments, result parts, call steps."""
    part = {"$ref": "#/$defs/part"}
    check = {"$ref": "#/$defs/check"}
    name = {"type": "string", "minLength": 1}

    def structure(key: str, value: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "required": [key],
            "properties": {key: value, "name": name, "check": check},
        }

    step_args = {"type": "object"}
    identifier = {"type": "string", "pattern": IDENTIFIER.pattern}
    return {
        "numeric": {"anyOf": [_NUMBER, {"type": "array", "items": {"$ref": "#/$defs/numeric"}}]},
        "arguments": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": IDENTIFIER.pattern},
            "additionalProperties": {"$ref": "#/$defs/argument"},
        },
        "argument": {
            "anyOf": [
                {"type": "string", "pattern": ARG_TYPE.pattern},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type"],
                    "properties": {
                        "type": {"type": "string", "pattern": ARG_TYPE.pattern},
                        "dtype": {"enum": list(DTYPES)},
                        "default": {},
                        "keyword": {"type": "boolean"},
                    },
                },
            ]
        },
        "part": {
            "anyOf": [
                {"type": "string", "pattern": RESULT_TYPE.pattern},
                structure("type", part),
                structure("tuple", {"type": "array", "minItems": 1, "items": part}),
                structure("list", part),
                structure(
                    "dict", {"type": "object", "minProperties": 1, "additionalProperties": part}
                ),
            ]
        },
        "step": {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["new"],
                    "properties": {"new": step_args, "as": identifier},
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["call"],
                    "properties": {
                        "call": identifier,
                        "self": identifier,
                        "refs": {"type": "object", "additionalProperties": identifier},
                        "as": identifier,
                        "args": step_args,
                        "chain": {"anyOf": [identifier, {"type": "array", "items": identifier}]},
                        "repeat": {"type": "integer", "minimum": 1},
                        "check": {"type": "boolean"},
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["get"],
                    "properties": {"get": identifier, "self": identifier},
                },
            ]
        },
    }
