"""Reference solution and case generators for ``sigmoid``.

sigma(z) = 1 / (1 + exp(-z)), computed without overflow: for z >= 0 use 1 / (1 + exp(-z)),
for z < 0 use exp(z) / (1 + exp(z)); both only ever exponentiate a non-positive number.
A Python or NumPy scalar gives a Python float; an array gives an array of the same shape.
"""

import numpy as np

HINTS = {
    "nonfinite": (
        "exp(z) overflows to inf for z above about 709, and inf / inf is NaN: for z >= 0 use "
        "1 / (1 + exp(-z)), for z < 0 use exp(z) / (1 + exp(z)), so exp only sees z <= 0"
    ),
}


def sigmoid(z):
    a = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(a))  # in (0, 1]: never overflows
    out = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if out.ndim == 0:
        return float(out)
    return out


# ---------------------------------------------------------------- generators


def scalar(rng, scale):
    """One float z ~ N(0, scale^2)."""
    return {"z": float(rng.standard_normal() * scale)}


def array(rng, shape, scale):
    """An ndarray of the given shape (a list of ints) with N(0, scale^2) entries."""
    return {"z": rng.standard_normal(tuple(shape)) * scale}


def extreme(rng, n):
    """A 1-D array mixing ordinary values with huge positive and negative ones (|z| up to 1e4)."""
    z = rng.standard_normal(n) * 5.0
    idx = rng.permutation(n)[: max(1, n // 3)]
    z[idx] = rng.choice([-1.0, 1.0], size=idx.size) * rng.uniform(700.0, 1e4, size=idx.size)
    return {"z": z}


# ---------------------------------------------------------------- known mistakes


def _s(z):
    return sigmoid(z)


def mistake_exp_ratio(z):
    """exp(z) / (1 + exp(z)) overflows for large z (inf / inf is NaN): use the form that only
    exponentiates a non-positive number, or 1 / (1 + exp(-z)) for z >= 0."""
    a = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.exp(a) / (1.0 + np.exp(a))
    return float(out) if out.ndim == 0 else out


def mistake_sign_flipped(z):
    """You computed 1 / (1 + exp(z)), which is sigma(-z): the exponent is -z."""
    out = np.asarray(_s(-np.asarray(z, dtype=np.float64)))
    return float(out) if out.ndim == 0 else out


def mistake_derivative(z):
    """You returned sigma(z) * (1 - sigma(z)), the derivative: the task is sigma(z) itself."""
    s = np.asarray(_s(z))
    out = s * (1 - s)
    return float(out) if out.ndim == 0 else out


def mistake_tanh(z):
    """You returned tanh(z), which lies in (-1, 1): sigma(z) = (1 + tanh(z / 2)) / 2."""
    out = np.tanh(np.asarray(z, dtype=np.float64))
    return float(out) if out.ndim == 0 else out


# ---------------------------------------------------------------- properties


def property_in_unit_interval(z, result):
    """sigma(z) lies between 0 and 1 for every z; some of your values do not."""
    r = np.asarray(result, dtype=np.float64)
    return bool(np.all((r >= 0.0) & (r <= 1.0)))


def property_increasing(z, result):
    """sigma is increasing: a larger z never gives a smaller value; yours does."""
    a = np.asarray(z, dtype=np.float64).ravel()
    r = np.asarray(result, dtype=np.float64).ravel()
    if a.size < 2 or r.size != a.size:
        return True
    order = np.argsort(a, kind="stable")
    return bool(np.all(np.diff(r[order]) >= -1e-12))
