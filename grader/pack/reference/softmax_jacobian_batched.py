"""Reference solution and case generators for ``softmax_jacobian_batched``.

Each row gets its own max shift (a batch-wide one underflows rows far below the maximum), then
J[b, i, j] = s[b, i] * (delta_ij - s[b, j]) for all rows at once.
"""

import numpy as np

# The judge's words for this problem, by key (see docs/authoring.md, "Hints"): they replace the
# core's generic ones.
HINTS = {
    "nonfinite": (
        "exp() of large logits overflows to inf (and of very negative ones underflows to 0), so "
        "the division gives NaN: subtract max(x) from every logit before exp; softmax is unchanged"
    ),
}


def softmax_jacobian_batched(x):
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    s = e / e.sum(axis=1, keepdims=True)
    return s[:, :, None] * (np.eye(s.shape[1])[None, :, :] - s[:, None, :])


def random_batch(rng, rows, n, scale):
    """A (rows, n) batch, each drawn in its range [low, high], normal logits of std ``scale``."""
    r = int(rng.integers(rows[0], rows[1] + 1))
    k = int(rng.integers(n[0], n[1] + 1))
    return {"x": rng.standard_normal((r, k)) * scale}


# Known mistakes (docstring = the hint shown when a wrong result matches).


def mistake_softmax_over_columns(x):
    """Your softmax is taken down each column (axis 0); take it along each row (axis=1)."""
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    s = e / e.sum(axis=0, keepdims=True)
    return s[:, :, None] * (np.eye(s.shape[1])[None, :, :] - s[:, None, :])
