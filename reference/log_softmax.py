"""Reference solution and case generators for ``log_softmax``.

log softmax(x) = x - logsumexp(x), and logsumexp(x) = m + log(sum(exp(x - m))) with m = max(x):
no exp overflows and no log of an underflowed 0 is ever taken.
"""

import numpy as np


def log_softmax(x):
    z = np.asarray(x, dtype=np.float64)
    m = z.max()
    return z - (m + np.log(np.exp(z - m).sum()))


def random_logits(rng, n, scale):
    """Normal logits, standard deviation ``scale``, of a random length in n = [low, high]."""
    low, high = n
    return {"x": (rng.standard_normal(int(rng.integers(low, high + 1))) * scale).tolist()}
