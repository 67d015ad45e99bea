"""Jupyter notebooks as submissions: code cells become one script, and lines map back to cells.

Code cells are joined in order. IPython syntax is not Python: a line magic or shell escape
(``%timeit ...``, ``!pip install ...``) becomes ``pass`` at the same indentation, and a cell magic
(``%%bash`` on a cell's first line) turns its whole cell into comments; each is listed in the
notes shown to the learner. Every line keeps its place, so an error is reported as
"cell 3, line 2" of the notebook.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_MAGIC = re.compile(r"^(\s*)(%|!)")


@dataclass(frozen=True)
class Script:
    source: str
    cells: tuple[tuple[int, int], ...]  # (first line in the script, cell number), in order
    notes: tuple[str, ...]

    def where(self, line: int) -> str:
        """``cell 3, line 2`` for a line of the script."""
        for start, number in reversed(self.cells):
            if line >= start:
                return f"cell {number}, line {line - start + 1}"
        return f"line {line}"


class NotANotebook(ValueError):
    """The file is not a readable Jupyter notebook."""


def convert(text: str) -> Script:
    """The Python script of a notebook's code cells; NotANotebook when it is not one."""
    if _depth(text) > MAX_DEPTH:
        raise NotANotebook(f"the notebook's JSON is nested more than {MAX_DEPTH} levels deep")
    try:
        document = json.loads(text)
        cells = document["cells"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise NotANotebook(
            "the file is not a Jupyter notebook (no readable JSON 'cells')"
        ) from None
    lines: list[str] = []
    starts: list[tuple[int, int]] = []
    notes: list[str] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        raw = cell.get("source", "")
        body = "".join(raw) if isinstance(raw, list) else str(raw)
        cell_lines = body.split("\n")
        starts.append((len(lines) + 1, number))
        if cell_lines and cell_lines[0].lstrip().startswith("%%"):
            notes.append(
                f"cell {number}: the cell magic {cell_lines[0].split()[0]} was dropped "
                "with its whole cell"
            )
            lines += ["# " + line for line in cell_lines]
            continue
        for offset, line in enumerate(cell_lines, start=1):
            match = _MAGIC.match(line)
            if match:
                notes.append(
                    f"cell {number}, line {offset}: IPython syntax dropped: {line.strip()[:60]}"
                )
                line = f"{match[1]}pass"
            lines.append(line)
    return Script("\n".join(lines) + "\n", tuple(starts), tuple(notes))


MAX_DEPTH = 64  # a notebook is a few levels deep; Python's JSON parser recurses per level


def _depth(text: str) -> int:
    """How deeply ``text``'s JSON nests, counted without parsing it (brackets in strings are
    skipped, so a crafted string cannot hide nesting)."""
    deepest = depth = 0
    for token in _TOKENS.finditer(text):
        piece = token.group()
        if piece in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif piece in "]}":
            depth -= 1
    return deepest


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
