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
from grader.model import CaseResult, Detail


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
    array: Any,
    decimals: int,
    mask: np.ndarray | None = None,
    max_rows: int = 12,
    max_cols: int = 12,
) -> Grid:
    """A 0-, 1- or 2-D array as rows of cells (higher dimensions are folded into rows); text,
    None or a structure as one cell."""
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
        return [[Cell(_node_text(array))]]
    if array.dtype.kind in "biu":
        return _exact_grid(array, mask, max_rows, max_cols)
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


def _node_text(node: Any, limit: int = 160) -> str:
    if node is None:
        return "None"
    if isinstance(node, str):
        text = repr(node)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{k!r}: …" for k in list(node)[:6]) + "}"
    if isinstance(node, (tuple, list)):
        kind = "tuple" if isinstance(node, tuple) else "list"
        return f"a {kind} of {len(node)}"
    return type(node).__name__


def _exact_grid(array: np.ndarray, mask: np.ndarray | None, max_rows: int, max_cols: int) -> Grid:
    a = (
        array.reshape(1, 1)
        if array.ndim == 0
        else array.reshape(-1, array.shape[-1])
        if array.ndim > 1
        else array.reshape(1, -1)
    )
    m = (
        np.zeros(a.shape, dtype=bool)
        if mask is None or mask.size != a.size
        else mask.reshape(a.shape)
    )
    out: Grid = []
    for i in _keep(a.shape[0], max_rows):
        if i is None:
            out.append([Cell("⋮", gap=True) for _ in _keep(a.shape[1], max_cols)])
            continue
        out.append(
            [
                Cell("…", gap=True) if j is None else Cell(str(a[i, j].item()), bool(m[i, j]))
                for j in _keep(a.shape[1], max_cols)
            ]
        )
    return out


@dataclass(frozen=True)
class Block:
    """One value of an example, expected and got side by side (a structured result has one per
    part; a result that is one value has one, without a label)."""

    label: str
    expected: Grid
    got: Grid | None
    marked: bool  # some entry of got is marked as outside the tolerance
    passed: bool
    message: str
    heatmap: Heatmap | None


def blocks(
    detail: Detail, max_rows: int = 12, max_cols: int = 12, heat: bool = False
) -> list[Block]:
    """The values an example shows, as grids at each part's precision."""
    if not detail.parts:
        decimals = decimals_for(detail.tolerance.atol)
        mask = detail.mismatch.mask if detail.mismatch else None
        return [
            Block(
                "",
                grid(detail.expected, decimals, max_rows=max_rows, max_cols=max_cols),
                None
                if detail.got is None
                else grid(detail.got, decimals, mask, max_rows=max_rows, max_cols=max_cols),
                mask is not None,
                detail.mismatch is None,
                "",
                _heat(detail.expected, detail.got, mask) if heat else None,
            )
        ]
    out = []
    for part in detail.parts:
        decimals = decimals_for(part.tolerance.atol)
        mask = part.mismatch.mask if part.mismatch else None
        out.append(
            Block(
                part.label,
                grid(part.expected, decimals, max_rows=max_rows, max_cols=max_cols),
                grid(part.got, decimals, mask, max_rows=max_rows, max_cols=max_cols),
                mask is not None,
                part.passed,
                part.message,
                _heat(part.expected, part.got, mask) if heat and not part.passed else None,
            )
        )
    return out


def _heat(expected: Any, got: Any, mask: np.ndarray | None) -> Heatmap | None:
    if mask is None or not isinstance(expected, np.ndarray) or not isinstance(got, np.ndarray):
        return None
    if expected.dtype.kind != "f" or got.dtype.kind != "f":
        return None
    return heatmap(expected, got, mask)


def _keep(n: int, limit: int) -> list[int | None]:
    if n <= limit:
        return list(range(n))
    head = limit // 2
    return [*range(head), None, *range(n - (limit - head - 1), n)]


def argument(value: Any, limit: int = 160) -> str:
    if isinstance(value, list) and value and all(isinstance(s, dict) for s in value):
        return "; ".join(_step(s) for s in value)[: limit * 4]
    return _argument(value, limit)


def _step(step: dict[str, Any]) -> str:
    """A call script's step as a line: ``step(grads=[0.5, 0.5]) x2``."""
    named = f"{step['as']} = " if step.get("as") else ""
    if "new" in step:
        return f"{named}new({_kwargs(step['new'] or {})})"
    on = str(step.get("self") or "")
    if "get" in step:
        return f"{on}.{step['get']}"
    args = dict(step.get("args") or {})
    chain = step.get("chain")
    for name in [chain] if isinstance(chain, str) else chain or []:
        args[name] = "<returned>"
    for name, target in (step.get("refs") or {}).items():
        args[name] = f"<{target}>"
    text = f"{named}{on}{'.' if on else ''}{step.get('call')}({_kwargs(args)})"
    return text + (f" x{step['repeat']}" if step.get("repeat", 1) != 1 else "")


def _kwargs(args: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={v}" if isinstance(v, str) and v.startswith("<") else f"{k}={_argument(v, 60)}"
        for k, v in args.items()
    )


def _argument(value: Any, limit: int = 160) -> str:
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
