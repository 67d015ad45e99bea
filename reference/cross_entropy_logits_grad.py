"""Reference solution and case generators for ``cross_entropy_logits_grad``.

d/dx [-log softmax(x)[target]] = softmax(x) - onehot(target); softmax is computed stably.
"""

import numpy as np


def cross_entropy_logits_grad(x, target):
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())
    grad = e / e.sum()
    grad[target] -= 1.0
    return grad


def logits_and_target(rng, n, scale):
    """Random logits of a length in n = [low, high] and a target index within range."""
    low, high = n
    size = int(rng.integers(low, high + 1))
    return {"x": (rng.standard_normal(size) * scale).tolist(), "target": int(rng.integers(size))}
