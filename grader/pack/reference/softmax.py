"""Reference solution and case generators for ``softmax``.

Every expected value is computed from ``softmax`` below, so it shifts by max(x) before exp: the
result is unchanged and exp never overflows.
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


def softmax(x):
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def random_logits(rng, n, scale):
    """Normal logits, standard deviation ``scale``, of a random length in n = [low, high]."""
    low, high = n
    return {"x": (rng.standard_normal(int(rng.integers(low, high + 1))) * scale).tolist()}


def spread_logits(rng, n, low, high):
    """``n`` logits uniform in [low, high]."""
    return {"x": rng.uniform(low, high, size=n).tolist()}


# Known mistakes (docstring = the hint shown when a wrong result matches).


def _e(x):
    z = np.asarray(x, dtype=np.float64)
    return np.exp(z - z.max())


def mistake_not_normalised(x):
    """Your values are exp(x - max(x)) but do not sum to 1: divide by their sum."""
    return _e(x)


def mistake_normalised_logits(x):
    """You divided the logits by their sum; softmax divides their exponentials:
    exp(x_i) / sum exp(x_k)."""
    z = np.asarray(x, dtype=np.float64)
    return z / z.sum()
