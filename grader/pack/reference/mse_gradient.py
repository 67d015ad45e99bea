"""Reference solution and case generators for ``mse_gradient``.

Linear model y_hat = X @ W + b, residual r = y_hat - y (length n),
loss = mean(r^2), dW = (2/n) X^T r, db = (2/n) sum(r).  Returns (loss, dW, db):
loss a float, dW an array of W's shape (d,), db a float.
"""

import numpy as np


def mse_gradient(X, y, W, b):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    n = X.shape[0]
    r = X @ W + float(b) - y
    loss = float(r @ r / n)
    dW = (2.0 / n) * (X.T @ r)
    db = float(2.0 * r.sum() / n)
    return loss, dW, db


# ---------------------------------------------------------------- generators


def linear(rng, n, d, scale, noise):
    """X (n x d) ~ N(0, scale^2); targets from a random true model plus noise; W, b a random guess.
    n and d are ints or [low, high] ranges."""
    n = _pick(rng, n)
    d = _pick(rng, d)
    X = rng.standard_normal((n, d)) * scale
    W_true = rng.standard_normal(d)
    y = X @ W_true + rng.standard_normal() + rng.standard_normal(n) * noise
    return {"X": X, "y": y, "W": rng.standard_normal(d), "b": float(rng.standard_normal())}


def perfect_fit(rng, n, d):
    """W, b are exactly the model that generated y: loss 0 and a zero gradient."""
    X = rng.integers(-5, 6, size=(n, d)).astype(np.float64)
    W = rng.integers(-3, 4, size=d).astype(np.float64)
    b = float(rng.integers(-3, 4))
    return {"X": X, "y": X @ W + b, "W": W, "b": b}


def _pick(rng, v):
    if isinstance(v, (list, tuple)):
        return int(rng.integers(v[0], v[1] + 1))
    return int(v)


# ---------------------------------------------------------------- known mistakes


def _r(X, y, W, b):
    X = np.asarray(X, dtype=np.float64)
    return X, np.asarray(X @ np.asarray(W, float) + float(b) - np.asarray(y, float))


def mistake_missing_factor_two(X, y, W, b):
    """Your gradient is half the right one: d/dW of mean(r^2) is (2/n) X^T r; the 2 comes from
    differentiating the square (your loss is fine)."""
    X, r = _r(X, y, W, b)
    n = len(r)
    return float(r @ r / n), X.T @ r / n, float(r.sum() / n)


def mistake_sum_not_mean(X, y, W, b):
    """You summed over the samples instead of averaging: divide the loss and the gradient by n."""
    X, r = _r(X, y, W, b)
    return float(r @ r), 2.0 * X.T @ r, float(2.0 * r.sum())


def mistake_sign_flipped(X, y, W, b):
    """Your gradient has the wrong sign: with r = X @ W + b - y the gradient is +(2/n) X^T r
    (it points uphill; the update subtracts it)."""
    X, r = _r(X, y, W, b)
    n = len(r)
    return float(r @ r / n), -2.0 * X.T @ r / n, float(-2.0 * r.sum() / n)


def mistake_db_not_summed(X, y, W, b):
    """db is one number, (2/n) * sum(r): you returned the per-sample vector (2/n) * r."""
    X, r = _r(X, y, W, b)
    n = len(r)
    return float(r @ r / n), 2.0 * X.T @ r / n, 2.0 * r / n


def mistake_rmse_loss(X, y, W, b):
    """Your loss is the root of the mean squared error: the loss is mean(r^2), without sqrt."""
    X, r = _r(X, y, W, b)
    n = len(r)
    return float(np.sqrt(r @ r / n)), 2.0 * X.T @ r / n, float(2.0 * r.sum() / n)


# ---------------------------------------------------------------- properties


def property_loss_non_negative(X, y, W, b, result):
    """A mean of squares is never negative; your loss is."""
    try:
        return float(result[0]) >= 0.0
    except Exception:
        return True
