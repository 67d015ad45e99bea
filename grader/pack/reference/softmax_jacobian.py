"""Reference solution and case generators for ``softmax_jacobian``.

The grader computes every expected value from ``softmax_jacobian`` below (unrounded), so it must
be exact where it matters: stable for huge logits, vectorised for the n = 1000 scale case.
"""

import numpy as np

# The judge's words for this problem, by key (see docs/authoring.md, "Hints"): they replace the
# core's generic ones.
HINTS = {
    "nonfinite": (
        "exp() of large logits overflows to inf (and of very negative ones underflows to 0), so "
        "the division gives NaN: subtract max(x) from every logit before exp; softmax is unchanged"
    ),
    "only_diagonal": "only diagonal entries differ",
    "only_off_diagonal": "only off-diagonal entries differ",
}


def softmax_jacobian(x):
    """J[i, j] = s_i * (delta_ij - s_j) with s = softmax(x), computed without overflow."""
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())  # shifting by max(x) leaves softmax unchanged and keeps exp <= 1
    s = e / e.sum()
    return np.diag(s) - np.outer(s, s)


def random_logits(rng, n, scale):
    """Logits of a random length in ``n`` = [low, high], normal, standard deviation ``scale``."""
    low, high = n
    size = int(rng.integers(low, high + 1))
    return {"x": (rng.standard_normal(size) * scale).tolist()}


def spread_logits(rng, n, low, high):
    """``n`` logits uniform in [low, high]: wide ranges, tiny probabilities beside big ones."""
    return {"x": rng.uniform(low, high, size=n).tolist()}


# Known mistakes: each reproduces a wrong implementation learners really write; its docstring is
# the hint shown when a submission's result matches it on a case it fails.


def _s(x):
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def mistake_missing_else(x):
    """Your diagonal equals -s_i^2, the off-diagonal formula: the i == j value is computed and
    then overwritten. Put the off-diagonal assignment in an `else` branch."""
    s = _s(x)
    return -np.outer(s, s)


def mistake_sign_flipped(x):
    """Every entry has the wrong sign: J = diag(s) - s s^T, not s s^T - diag(s)."""
    s = _s(x)
    return np.outer(s, s) - np.diag(s)


def mistake_gradient_vector(x):
    """You returned the vector s * (1 - s), the diagonal only: the Jacobian is the full n x n
    matrix, with -s_i * s_j off the diagonal."""
    s = _s(x)
    return s * (1 - s)


def mistake_softmax_itself(x):
    """You returned softmax(x) itself; the task is its Jacobian, an n x n matrix."""
    return _s(x)


def mistake_diagonal_only(x):
    """Only the diagonal is filled in: the off-diagonal entries are -s_i * s_j, not 0."""
    s = _s(x)
    return np.diag(s * (1 - s))


def mistake_one_formula_everywhere(x):
    """You used s_i * (1 - s_j) for every entry: that is the diagonal formula. Off the diagonal
    (i != j) the derivative is -s_i * s_j."""
    s = _s(x)
    return s[:, None] * (1 - s[None, :])


def mistake_rounded_to_2_decimals(x):
    """Your values are rounded to 2 decimals; the problem asks for 4 (or no rounding)."""
    s = _s(x)
    return np.round(np.diag(s) - np.outer(s, s), 2)


# Properties every right answer has; a failing result that breaks one gets its docstring as hint.


def property_symmetric(x, result):
    """The Jacobian of softmax is symmetric (J[i][j] = J[j][i] = -s_i * s_j); yours is not:
    check the indices of the off-diagonal entries."""
    return result.ndim != 2 or np.allclose(result, result.T, atol=1e-4)


def property_rows_sum_to_zero(x, result):
    """Each row of the softmax Jacobian sums to zero (the probabilities always sum to 1); yours
    do not: check the diagonal s_i * (1 - s_i) against the off-diagonal -s_i * s_j."""
    return result.ndim != 2 or np.allclose(result.sum(axis=1), 0.0, atol=1e-3)
