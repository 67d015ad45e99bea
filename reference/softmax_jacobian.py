"""Reference solution and case generators for ``softmax_jacobian``.

The grader computes every expected value from ``softmax_jacobian`` below (unrounded), so it must
be exact where it matters: stable for huge logits, vectorised for the n = 1000 scale case.
"""

import numpy as np


def softmax_jacobian(x):
    """J[i, j] = s_i * (delta_ij - s_j) with s = softmax(x), computed without overflow."""
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())  # shifting by max(x) leaves softmax unchanged and keeps exp <= 1
    s = e / e.sum()
    return np.diag(s) - np.outer(s, s)


def random_logits(rng, n, scale):
    """Logits of a random length in ``n`` = [low, high], normal with standard deviation ``scale``."""
    low, high = n
    size = int(rng.integers(low, high + 1))
    return {"x": (rng.standard_normal(size) * scale).tolist()}


def spread_logits(rng, n, low, high):
    """``n`` logits drawn uniformly from [low, high]: wide ranges where tiny probabilities meet big ones."""
    return {"x": rng.uniform(low, high, size=n).tolist()}
