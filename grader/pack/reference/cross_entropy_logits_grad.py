"""Reference solution and case generators for ``cross_entropy_logits_grad``.

d/dx [-log softmax(x)[target]] = softmax(x) - onehot(target); softmax is computed stably.
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


# Known mistakes (docstring = the hint shown when a wrong result matches).


def _softmax(x):
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def mistake_sign_flipped(x, target):
    """Every entry has the wrong sign: the gradient of the loss is softmax(x) - onehot(target)."""
    grad = -_softmax(x)
    grad[target] += 1.0
    return grad


def mistake_softmax_only(x, target):
    """You returned softmax(x): subtract 1 at the target class."""
    return _softmax(x)


def mistake_one_based_target(x, target):
    """You subtracted 1 one place before the target: classes are counted from 0."""
    grad = _softmax(x)
    grad[target - 1] -= 1.0
    return grad
