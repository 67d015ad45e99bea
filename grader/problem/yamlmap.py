"""YAML to plain Python data, remembering the line of every value.

PyYAML forgets where values came from and silently keeps the last of two duplicate keys; a spec
loader needs both, so this walks the composed node tree itself. Scalars are resolved with YAML
1.1 safe rules (``1e-4`` without a dot is a string there, so we also accept it as a float).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import SpecError

if TYPE_CHECKING:
    import yaml
_FLOATISH = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
FieldPath = tuple[str | int, ...]
MAX_BYTES = 4 << 20  # a spec file larger than this is refused before it is parsed
MAX_VALUES = 200_000  # values after aliases are expanded: an alias bomb stops here
MAX_DEPTH = 100  # nesting of mappings and lists


def dotted(path: FieldPath) -> str:
    """``("examples", 2, "expected")`` -> ``examples[2].expected``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass
class Located:
    """The data of one YAML file plus the line (1-based) of each field path."""

    path: Path
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line(self, at: FieldPath) -> int | None:
        """Line of ``at`` or of its nearest ancestor that has one."""
        for cut in range(len(at), -1, -1):
            if at[:cut] in self.lines:
                return self.lines[at[:cut]]
        return None

    def error(self, at: FieldPath, message: str) -> SpecError:
        return SpecError(self.path, self.line(at), dotted(at), message)


def load(path: Path) -> Located:
    """Parse ``path``; a YAML syntax error becomes a SpecError with its line."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, None, "", f"cannot read the file: {exc}") from None
    if len(raw) > MAX_BYTES:
        raise SpecError(path, None, "", f"the file is larger than {MAX_BYTES >> 20} MiB")
    import yaml  # here, not at the top: a cached spec never needs it

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise SpecError(path, line, "", f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(path, None, "", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise SpecError(path, None, "", "nested too deeply to be a spec") from None
    located = Located(path, None)
    if root is not None:
        budget = [MAX_VALUES]
        located.data = _convert(root, (), located, yaml.SafeLoader(""), budget)
    return located


def _convert(
    node: yaml.Node, at: FieldPath, into: Located, scalars: yaml.SafeLoader, budget: list[int]
) -> Any:
    """The value of ``node``; ``budget`` counts down the values still allowed (aliases make a
    small file name the same node many times over)."""
    import yaml

    budget[0] -= 1
    if budget[0] < 0:
        raise into.error(at, f"more than {MAX_VALUES} values once aliases (*name) are expanded")
    if len(at) > MAX_DEPTH:
        raise into.error(at, f"nested more than {MAX_DEPTH} levels deep")
    into.lines[at] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise into.error(at, "YAML merge keys (<<) are not supported")
            scalar = isinstance(key_node, yaml.ScalarNode)
            key = scalars.construct_object(key_node) if scalar else None
            if not scalar or not isinstance(key, Hashable):
                into.lines[(*at, "?")] = key_node.start_mark.line + 1
                raise SpecError(
                    into.path,
                    key_node.start_mark.line + 1,
                    dotted(at),
                    "a mapping key must be a plain value",
                )
            if key in out:
                into.lines[(*at, str(key))] = key_node.start_mark.line + 1
                raise into.error((*at, str(key)), "duplicate key")
            out[key] = _convert(value_node, (*at, str(key)), into, scalars, budget)
            into.lines[(*at, str(key))] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*at, i), into, scalars, budget) for i, item in enumerate(node.value)
        ]
    value = scalars.construct_object(node, deep=True)
    plain = isinstance(node, yaml.ScalarNode) and not node.style  # None or "" (libyaml)
    if isinstance(value, str) and plain and _FLOATISH.match(value):
        return float(value)
    return value
