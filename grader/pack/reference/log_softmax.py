"""Reference solution and case generators for ``log_softmax``.

log softmax(x) = x - logsumexp(x), and logsumexp(x) = m + log(sum(exp(x - m))) with m = max(x):
no exp overflows and no log of an underflowed 0 is ever taken.
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


def log_softmax(x):
    z = np.asarray(x, dtype=np.float64)
    m = z.max()
    return z - (m + np.log(np.exp(z - m).sum()))


def random_logits(rng, n, scale):
    """Normal logits, standard deviation ``scale``, of a random length in n = [low, high]."""
    low, high = n
    return {"x": (rng.standard_normal(int(rng.integers(low, high + 1))) * scale).tolist()}


# Known mistakes (docstring = the hint shown when a wrong result matches).


def mistake_returns_softmax(x):
    """You returned softmax(x); log_softmax is its logarithm, x - logsumexp(x)."""
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def mistake_only_the_max_shift(x):
    """You subtracted max(x) but not the log of the sum:
    log_softmax(x) = x - m - log(sum exp(x - m))."""
    z = np.asarray(x, dtype=np.float64)
    return z - z.max()
