"""Reference solution and case generators for ``softmax_backward``.

dL/dx = J^T g = s * (g - <g, s>) with s = softmax(x): O(n) time and memory, where forming the
n x n Jacobian would take O(n^2).
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


def softmax_backward(g, x):
    g = np.asarray(g, dtype=np.float64)
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())
    s = e / e.sum()
    return s * (g - g @ s)


def gradient_and_logits(rng, n, scale):
    """An upstream gradient and logits of the same random length in n = [low, high]."""
    low, high = n
    size = int(rng.integers(low, high + 1))
    return {"g": rng.standard_normal(size).tolist(),
            "x": (rng.standard_normal(size) * scale).tolist()}


# Known mistakes (docstring = the hint shown when a wrong result matches).


def _s(x):
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def mistake_diagonal_only(g, x):
    """You multiplied g by the diagonal s * (1 - s) only: the off-diagonal -s_i * s_j terms
    matter too; the result is s * (g - <g, s>)."""
    s = _s(x)
    return s * (1 - s) * np.asarray(g, dtype=np.float64)


def mistake_forgot_the_dot_product(g, x):
    """You returned s * g: subtract the dot product <g, s> from g first, s * (g - <g, s>)."""
    return _s(x) * np.asarray(g, dtype=np.float64)
