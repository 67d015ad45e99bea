# Treats mean and variance as constants: dx = dout * gamma / std.
import numpy as np


def layernorm_backward(dout, x, gamma, eps=1e-5):
    mu = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    xhat = (x - mu) / std
    return dout * gamma / std, (dout * xhat).sum(axis=0), dout.sum(axis=0)
