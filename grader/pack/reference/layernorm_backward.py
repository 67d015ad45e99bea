"""Reference solution and case generators for ``layernorm_backward``.

Forward (per sample, over the D features of each row of x, N x D):
    mu = mean(x_i), var = mean((x_i - mu)^2), xhat = (x_i - mu) / sqrt(var + eps),
    out = gamma * xhat + beta
Backward, given dout = dL/dout (N x D):
    dbeta  = sum over rows of dout                  (D,)
    dgamma = sum over rows of dout * xhat           (D,)
    g = dout * gamma
    dx = (g - mean(g, row) - xhat * mean(g * xhat, row)) / sqrt(var + eps)
Returns (dx, dgamma, dbeta).
"""

import numpy as np


def layernorm_backward(dout, x, gamma, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    mu = x.mean(axis=1, keepdims=True)
    inv = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    xhat = (x - mu) * inv
    g = dout * gamma
    dx = inv * (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).mean(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


# ---------------------------------------------------------------- generators


def random_layer(rng, n, d, scale=1.0, eps=None):
    """x with per-row offsets and scales, random gamma and upstream gradient; eps only if given."""
    x = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, size=(n, 1)) * scale + rng.uniform(-3, 3, size=(n, 1))
    args = {"dout": rng.standard_normal((n, d)), "x": x, "gamma": rng.uniform(0.5, 2.0, size=d)}
    if eps is not None:
        args["eps"] = float(eps)
    return args


# ---------------------------------------------------------------- known mistakes


def _parts(dout, x, gamma, eps):
    x = np.asarray(x, float)
    dout = np.asarray(dout, float)
    gamma = np.asarray(gamma, float)
    mu = x.mean(axis=1, keepdims=True)
    inv = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    return dout, gamma, (x - mu) * inv, inv


def mistake_only_direct_term(dout, x, gamma, eps=1e-5):
    """dx ignores that the mean and the variance depend on x too: subtract the row means of
    g = dout * gamma and of g * xhat * xhat (the two extra paths through mu and var)."""
    dout, gamma, xhat, inv = _parts(dout, x, gamma, eps)
    return dout * gamma * inv, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def mistake_missing_gamma(dout, x, gamma, eps=1e-5):
    """dx flows back through gamma: use g = dout * gamma (you used dout itself)."""
    dout, _, xhat, inv = _parts(dout, x, gamma, eps)
    g = dout
    dx = inv * (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).mean(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def mistake_param_grads_per_sample(dout, x, gamma, eps=1e-5):
    """dgamma and dbeta have one entry per feature (shape (D,)): sum over the samples (axis 0),
    not over the features."""
    dx, _, _ = layernorm_backward(dout, x, gamma, eps)
    dout, _, xhat, _ = _parts(dout, x, gamma, eps)
    return dx, (dout * xhat).sum(axis=1), dout.sum(axis=1)


def mistake_batchnorm_axis(dout, x, gamma, eps=1e-5):
    """You normalised over the batch (axis 0, batch norm): layer norm normalises each sample over
    its features (axis 1)."""
    x = np.asarray(x, float)
    dout = np.asarray(dout, float)
    gamma = np.asarray(gamma, float)
    mu = x.mean(axis=0)
    inv = 1.0 / np.sqrt(x.var(axis=0) + eps)
    xhat = (x - mu) * inv
    g = dout * gamma
    dx = inv * (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def mistake_dgamma_without_xhat(dout, x, gamma, eps=1e-5):
    """dgamma = sum(dout * xhat) over the samples: you left out xhat."""
    dx, _, db = layernorm_backward(dout, x, gamma, eps)
    return dx, np.asarray(dout, float).sum(axis=0), db


# ---------------------------------------------------------------- properties


def property_dx_rows_sum_to_zero(dout, x, gamma, eps, result):
    """Each row of dx sums to zero (shifting a row of x does not change layer norm's output);
    yours does not: keep the term that subtracts the row mean."""
    try:
        dx = np.asarray(result[0], dtype=np.float64)
        return dx.ndim != 2 or bool(np.allclose(dx.sum(axis=1), 0.0, atol=1e-6))
    except Exception:
        return True
