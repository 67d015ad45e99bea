"""Reference solution and case generators for ``softmax_jacobian_full``.

For Z of shape (M, Q) with a row-wise softmax S, dS[p, q] / dZ[i, j] is zero unless p == i, and
the row's softmax Jacobian when it is: the (M, Q, M, Q) result is block diagonal.
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


def softmax_jacobian_full(z):
    z = np.asarray(z, dtype=np.float64)
    m, q = z.shape
    e = np.exp(z - z.max(axis=1, keepdims=True))
    s = e / e.sum(axis=1, keepdims=True)
    blocks = s[:, :, None] * (np.eye(q)[None, :, :] - s[:, None, :])  # (M, Q, Q)
    return np.einsum("pqj,pi->pqij", blocks, np.eye(m))


def random_matrix(rng, m, q, scale):
    """An (M, Q) matrix with M and Q drawn in their ranges [low, high]."""
    rows = int(rng.integers(m[0], m[1] + 1))
    cols = int(rng.integers(q[0], q[1] + 1))
    return {"z": rng.standard_normal((rows, cols)) * scale}


# Known mistakes (docstring = the hint shown when a wrong result matches).


def mistake_block_copied_everywhere(z):
    """Each row's Jacobian appears in every column block; row p of softmax depends on row p of z
    only, so D[p, :, i, :] must be zero when p != i."""
    z = np.asarray(z, dtype=np.float64)
    m, q = z.shape
    e = np.exp(z - z.max(axis=1, keepdims=True))
    s = e / e.sum(axis=1, keepdims=True)
    blocks = s[:, :, None] * (np.eye(q)[None, :, :] - s[:, None, :])
    return np.broadcast_to(blocks[:, :, None, :], (m, q, m, q))
