"""The numeric rule: every entry within ``atol + rtol * |expected|`` (numpy's), and where not.

Shared by the judge (``check``, ``compare``, ``diagnose``), ``grader check`` and the reports.
"""

from __future__ import annotations

import math

import numpy as np

from grader.model import Mismatch

PREFIX = 4096  # entries checked first: most wrong results are wrong there already
CHUNK = 1 << 15  # entries of a large result checked at a time, in memory that stays in cache


def within(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> bool:
    """Whether every entry is within tolerance (``compare``'s rule), as fast as can be:
    a large result is rejected from its first entries when they are already off."""
    if got.shape != expected.shape:
        return False
    if got.size > PREFIX and not within(
        got.reshape(-1)[:PREFIX], expected.reshape(-1)[:PREFIX], atol, rtol
    ):
        return False
    return _all_ok(got, expected, atol, rtol) or bool(_ok(got, expected, atol, rtol)[0].all())


def _all_ok(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> bool:
    """Whether every entry of a large result is within tolerance (``_ok``'s rule, entry by
    entry the same operations), a chunk at a time: a few passes over memory that stays in the
    cache instead of over whole-size temporaries (a 1000 x 1000 result: 8 MB each). False at
    the first chunk with an entry off, and wherever it does not apply (small results, shapes or
    memory layouts that differ): then ``_ok`` decides (an infinity may still match there)."""
    size = got.size
    if (
        size <= 2 * CHUNK
        or got.shape != expected.shape
        or not (got.flags.c_contiguous and expected.flags.c_contiguous)
    ):
        return False
    flat_got, flat_expected = got.reshape(-1), expected.reshape(-1)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.empty(CHUNK, dtype=np.result_type(got, expected))
        ok = np.empty(CHUNK, dtype=np.bool_)
        for start in range(0, size, CHUNK):
            stop = min(start + CHUNK, size)
            part = diff[: stop - start]
            np.subtract(flat_got[start:stop], flat_expected[start:stop], out=part)
            np.abs(part, out=part)
            bound = atol + rtol * np.abs(flat_expected[start:stop]) if rtol else atol
            if not np.less_equal(part, bound, out=ok[: stop - start]).all():
                return False
    return True


def _ok(
    got: np.ndarray, expected: np.ndarray, atol: float, rtol: float
) -> tuple[np.ndarray, np.ndarray]:
    """(where each entry is within tolerance, |got - expected|)."""
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.subtract(got, expected)
        if isinstance(diff, np.ndarray):
            np.abs(diff, out=diff)
        else:  # 0-d operands give a numpy scalar: keep arrays throughout
            diff = np.asarray(np.abs(diff))
        bound = atol + rtol * np.abs(expected) if rtol else atol
        ok = np.asarray(diff <= bound)  # False wherever either side is NaN
        if ok.all():  # the common case, in one pass over large results
            return ok, diff
        finite_expected = np.isfinite(expected)
        if not finite_expected.all():
            special = (got == expected) | (np.isnan(got) & np.isnan(expected))
            ok = np.asarray(np.where(finite_expected, ok, special))
    return ok, diff


def compare(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> Mismatch | None:
    """None when every entry is within tolerance; else where and how far it is off.

    NaN matches NaN and an infinity matches the same infinity only where the expected value
    itself is not finite.
    """
    if _all_ok(got, expected, atol, rtol):
        return None
    ok, diff = _ok(got, expected, atol, rtol)
    if ok.all():
        return None
    finite_expected = np.isfinite(expected)
    bad = ~ok
    count = int(bad.sum())
    nonfinite = int((finite_expected & ~np.isfinite(got)).sum())
    scored = np.where(bad & np.isfinite(diff), diff, -1.0)
    flat = int(np.argmax(scored)) if np.isfinite(diff[bad]).any() else int(np.argmax(bad))
    at = tuple(int(i) for i in np.unravel_index(flat, expected.shape)) if expected.ndim else ()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rel = np.where(bad & np.isfinite(diff), diff / np.abs(expected), 0.0)
    max_rel = float(np.nanmax(rel)) if rel.size else 0.0
    max_abs = float(diff.flat[flat]) if diff.size else float(diff)
    mask = bad if bad.ndim else np.asarray(bad)
    return Mismatch(count, int(expected.size) or 1, max_abs, at, max_rel, nonfinite, mask)


def summary(m: Mismatch, atol: float, rtol: float) -> str:
    """``3 of 9 entries differ; max abs diff 0.0124 at [0, 2] (rel 15%); tolerance 1e-4``."""
    tol = f"{atol:g}" + (f" + {rtol:g}*|expected|" if rtol else "")
    if m.total == 1 and not m.max_abs_at:  # one number: no entries to count
        rel = f", rel {_pct(m.max_rel)}" if np.isfinite(m.max_rel) else ""
        return f"off by {m.max_abs:.4g}{rel}; tolerance {tol}"
    where = f" at [{', '.join(map(str, m.max_abs_at))}]" if m.max_abs_at else ""
    rel = f", rel {_pct(m.max_rel)}" if np.isfinite(m.max_rel) else ", rel inf"
    tol = f"{atol:g}" + (f" + {rtol:g}*|expected|" if rtol else "")
    return (
        f"{m.count} of {m.total} entries differ; max abs diff {m.max_abs:.4g}{where}{rel}; "
        f"tolerance {tol}"
    )


def decimals_for(atol: float) -> int:
    """Digits after the point that make a difference of ``atol`` visible (4 for 1e-4)."""
    if atol <= 0:
        return 6
    return min(10, max(1, math.ceil(-math.log10(atol) - 1e-9)))


def _pct(x: float) -> str:
    return f"{x:.1%}" if x < 10 else f"{x:.3g}x"
