"""Reference solution and case generators for ``softmax_backward``.

dL/dx = J^T g = s * (g - <g, s>) with s = softmax(x): O(n) time and memory, where forming the
n x n Jacobian would take O(n^2).
"""

import numpy as np


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
