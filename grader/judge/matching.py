"""The order of items that matches an expected value item for item (comparison ``unordered``).

Items are the entries of a vector, or the rows (columns) of an array. ``got`` is put in the
order that pairs each expected item with a distinct item of ``got`` within the tolerance: first
the sorted order (enough for almost every answer), else a one-to-one matching (Hopcroft-Karp,
iterative, so no recursion limit), for up to ``MAX_MATCH`` items; beyond that, the sorted order
only. Memory stays bounded: the tolerance test runs in blocks of ``BLOCK`` differences.
"""

from __future__ import annotations

from collections import deque

import numpy as np

MAX_MATCH = 2000  # items matched one to one by ``unordered`` (beyond: sorted instead)
BLOCK = 2**22  # differences |expected - got| computed at a time (32 MiB of float64)


def reorder(
    got: np.ndarray, expected: np.ndarray, atol: float, rtol: float, columns: bool
) -> np.ndarray:
    """``got`` (of ``expected``'s shape) with its items in the order that matches ``expected``
    where a one-to-one matching within the tolerance exists, else in sorted order."""
    if got.ndim == 0:
        return got
    columns = columns and got.ndim > 1
    g = np.moveaxis(got, -1, 0) if columns else got
    e = np.moveaxis(expected, -1, 0) if columns else expected
    n = g.shape[0]
    gf, ef = g.reshape(n, -1), e.reshape(n, -1)
    matched = _sorted(gf, ef)
    if n <= MAX_MATCH and not _close(ef, matched, atol, rtol).all():
        pairs = matching(within(gf, ef, atol, rtol))
        if pairs is not None:
            matched = gf[pairs]
    out = matched.reshape(g.shape)
    return np.moveaxis(out, 0, -1) if columns else out


def _sorted(gf: np.ndarray, ef: np.ndarray) -> np.ndarray:
    """Items of ``gf`` in the order that puts them beside the items of ``ef`` of the same rank."""
    order = np.lexsort(gf.T[::-1])
    target = np.argsort(np.lexsort(ef.T[::-1]))
    return gf[order][target]


def _close(e: np.ndarray, g: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        return np.asarray(np.asarray(np.abs(e - g) <= atol + rtol * np.abs(e)).all(axis=-1))


def within(gf: np.ndarray, ef: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    """ok[i, j]: got item j is within the tolerance of expected item i; n x n booleans."""
    n, k = ef.shape
    ok = np.empty((n, n), dtype=np.bool_)
    rows = max(1, BLOCK // max(1, n * k))
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        ok[start:stop] = _close(ef[start:stop, None, :], gf[None, :, :], atol, rtol)
    return ok


def matching(ok: np.ndarray) -> np.ndarray | None:
    """For each expected item i, a distinct got item j with ok[i, j], or None if there is none.

    Hopcroft-Karp: a greedy start, then phases of a breadth-first layering from the unmatched
    items and depth-first augmenting paths along it, with an explicit stack.
    """
    n = ok.shape[0]
    if not (ok.any(axis=1).all() and ok.any(axis=0).all()):
        return None
    options = [np.flatnonzero(row).tolist() for row in ok]
    owner = [-1] * n  # got item -> expected item
    mate = [-1] * n  # expected item -> got item
    for i in range(n):  # greedy: the first free option of each item, in order
        for j in options[i]:
            if owner[j] < 0:
                owner[j], mate[i] = i, j
                break
    while True:
        free = [i for i in range(n) if mate[i] < 0]
        if not free:
            break
        dist = [-1] * n
        for i in free:
            dist[i] = 0
        queue, reachable = deque(free), False
        while queue:
            i = queue.popleft()
            for j in options[i]:
                k = owner[j]
                if k < 0:
                    reachable = True
                elif dist[k] < 0:
                    dist[k] = dist[i] + 1
                    queue.append(k)
        if not reachable:
            return None
        if not _augment_all(free, options, owner, mate, dist):
            return None  # cannot happen when a free item is reachable; never loop forever
    return np.asarray(mate, dtype=np.int64)


def _augment_all(
    free: list[int], options: list[list[int]], owner: list[int], mate: list[int], dist: list[int]
) -> bool:
    """Augment along the layering from each free item; True if any path was found."""
    nxt = [0] * len(mate)  # the next option to try, per expected item
    found = False
    for root in free:
        stack = [root]
        while stack:
            i = stack[-1]
            if nxt[i] >= len(options[i]):
                dist[i] = -2  # a dead end for the rest of this phase
                stack.pop()
                continue
            j = options[i][nxt[i]]
            nxt[i] += 1
            k = owner[j]
            if k < 0:  # a free got item: flip the path on the stack
                for a in stack:
                    b = options[a][nxt[a] - 1]
                    owner[b], mate[a] = a, b
                found = True
                break
            if dist[k] == dist[i] + 1:
                stack.append(k)
    return found
