"""Display values shared by every human format: numbers, matrices and arguments as text.

Formatting lives here so that templates only place values; nothing here decides a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.judge.check import decimals_for as decimals_for  # re-exported for the writers
from grader.model import CaseResult


@dataclass(frozen=True)
class Cell:
    text: str
    bad: bool = False  # outside the tolerance
    gap: bool = False  # stands for rows or columns left out


Grid = list[list[Cell]]


def number(value: float, decimals: int) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{decimals}f}"
    return "0." + "0" * decimals if text == "-0." + "0" * decimals else text


def grid(
    array: np.ndarray,
    decimals: int,
    mask: np.ndarray | None = None,
    max_rows: int = 12,
    max_cols: int = 12,
) -> Grid:
    """A 0-, 1- or 2-D array as rows of cells (higher dimensions are folded into rows)."""
    a = np.asarray(array, dtype=np.float64)
    m = np.zeros(a.shape, dtype=bool) if mask is None or mask.shape != a.shape else mask
    if a.ndim == 0:
        a, m = a.reshape(1, 1), m.reshape(1, 1)
    elif a.ndim == 1:
        a, m = a.reshape(1, -1), m.reshape(1, -1)
    elif a.ndim > 2:
        a, m = a.reshape(-1, a.shape[-1]), m.reshape(-1, a.shape[-1])
    rows = _keep(a.shape[0], max_rows)
    cols = _keep(a.shape[1], max_cols)
    out: Grid = []
    for i in rows:
        if i is None:
            out.append([Cell("⋮", gap=True) for _ in cols])
            continue
        out.append(
            [
                Cell("…", gap=True)
                if j is None
                else Cell(number(float(a[i, j]), decimals), bool(m[i, j]))
                for j in cols
            ]
        )
    return out


def _keep(n: int, limit: int) -> list[int | None]:
    if n <= limit:
        return list(range(n))
    head = limit // 2
    return [*range(head), None, *range(n - (limit - head - 1), n)]


def argument(value: Any, limit: int = 160) -> str:
    """A case argument as short text: ``[1.0, 2.0, 3.0]``, long lists cut with a count."""
    text = _plain(value)
    if len(text) <= limit:
        return text
    size = np.asarray(value).size if isinstance(value, list) else 0
    return text[: limit - 1] + f"… ({size} values)"


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return repr(value)


def arguments(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(name, argument(value)) for name, value in args.items()]


def duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def failing(cases: tuple[CaseResult, ...]) -> list[CaseResult]:
    from grader.model import Verdict

    return [c for c in cases if c.verdict is not Verdict.PASSED]


@dataclass(frozen=True)
class HeatCell:
    x: int
    y: int
    fill: str
    bad: bool
    title: str
    ink: str  # the colour of the × mark, legible on this fill


@dataclass(frozen=True)
class Heatmap:
    """|got - expected| of a matrix as SVG-ready cells: darker is further off, × is a failure."""

    width: int
    height: int
    size: int
    cells: list[HeatCell]
    legend: list[tuple[str, str]]  # (fill, label), light to dark


def _shade(fraction: float) -> str:
    # lightness carries the value (readable in greyscale); the hue only adds emphasis
    return f"hsl(0, 65%, {96 - 58 * fraction:.0f}%)"


def heatmap(
    expected: np.ndarray, got: np.ndarray, mask: np.ndarray, limit: int = 40, size: int = 22
) -> Heatmap | None:
    """The heatmap of a 1- or 2-D result of the right shape, at most ``limit`` per side."""
    if got.shape != expected.shape or expected.ndim not in (1, 2) or expected.size == 0:
        return None
    e, g, m = (np.atleast_2d(a) for a in (expected, got, mask))
    e, g, m = e[:limit, :limit], g[:limit, :limit], m[:limit, :limit]
    with np.errstate(invalid="ignore"):
        diff = np.abs(g - e)
    finite = diff[np.isfinite(diff)]
    top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    cells = []
    for (i, j), d in np.ndenumerate(diff):
        fraction = 1.0 if not np.isfinite(d) else float(d) / top
        cells.append(
            HeatCell(
                j * size,
                i * size,
                _shade(fraction),
                bool(m[i, j]),
                f"[{i}, {j}] |got - expected| = {d:.3g}",
                "#fff" if fraction > 0.55 else "#111",
            )
        )
    legend = [(_shade(f), f"{f * top:.2g}") for f in (0.0, 0.25, 0.5, 0.75, 1.0)]
    return Heatmap(e.shape[1] * size, e.shape[0] * size, size, cells, legend)
