"""Reference solution and case generators for ``relu``.

relu(z) = max(z, 0) element-wise, returned as a float64 array of z's shape.
"""

import numpy as np

HINTS = {
    "nonfinite": "relu never creates NaN or inf from finite input: check for divisions or exp",
}


def relu(z):
    a = np.asarray(z, dtype=np.float64)
    return np.maximum(a, 0.0)


# ---------------------------------------------------------------- generators


def array(rng, shape, scale):
    """A float64 array of the given shape with N(0, scale^2) entries."""
    return {"z": rng.standard_normal(tuple(shape)) * scale}


def with_zeros(rng, n):
    """A 1-D array where about a third of the entries are exactly 0.0 (and some are -0.0)."""
    z = rng.standard_normal(n)
    z[rng.random(n) < 0.33] = 0.0
    z[rng.random(n) < 0.1] = -0.0
    return {"z": z}


def ones_and_zeros(rng, n):
    """Entries drawn from {0.0, 1.0} only: a mask `z > 0` has the right *values* here, so only
    the dtype tells it apart (booleans where floats are expected)."""
    return {"z": rng.integers(0, 2, size=n).astype(np.float64)}


# ---------------------------------------------------------------- known mistakes


def mistake_returns_mask(z):
    """You returned the mask z > 0 (the derivative of ReLU, as booleans): return the values
    max(z, 0) as floats."""
    return np.asarray(z, dtype=np.float64) > 0


def mistake_leaky(z):
    """Negative entries must become exactly 0; you kept a small slope (a leaky ReLU)."""
    a = np.asarray(z, dtype=np.float64)
    return np.where(a > 0, a, 0.01 * a)


def mistake_minimum(z):
    """You kept the negative part, min(z, 0): ReLU keeps the positive part, max(z, 0)."""
    return np.minimum(np.asarray(z, dtype=np.float64), 0.0)


def mistake_abs(z):
    """Negative entries became positive: ReLU sets them to 0, it does not take |z|."""
    return np.abs(np.asarray(z, dtype=np.float64))


def mistake_np_max_reduction(z):
    """np.max(z, 0) is a reduction over axis 0 (the 0 is read as an axis), not an element-wise
    maximum: use np.maximum(z, 0)."""
    return np.max(np.asarray(z, dtype=np.float64), 0)


# ---------------------------------------------------------------- properties


def property_non_negative(z, result):
    """ReLU is never negative; some of your values are."""
    r = np.asarray(result)
    return r.dtype.kind == "b" or bool(np.all(r >= 0))


def property_keeps_positive_entries(z, result):
    """Positive entries pass through ReLU unchanged; some of yours changed."""
    a = np.asarray(z, dtype=np.float64)
    r = np.asarray(result)
    if r.shape != a.shape or r.dtype.kind == "b":
        return True
    pos = a > 0
    return bool(np.allclose(r[pos], a[pos], atol=1e-9))
