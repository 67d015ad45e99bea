# Backprop through the computational graph node by node (cs231n style staged gradients).
import numpy as np


def layernorm_backward(dout, x, gamma, eps=1e-5):
    N, D = x.shape
    mu = x.mean(axis=1, keepdims=True)
    xc = x - mu
    var = (xc ** 2).mean(axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    istd = 1.0 / std
    xhat = xc * istd
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dxc = dxhat * istd
    distd = (dxhat * xc).sum(axis=1, keepdims=True)
    dstd = -distd / std ** 2
    dvar = dstd * 0.5 / std
    dxc += 2.0 * xc * dvar / D
    dmu = -dxc.sum(axis=1, keepdims=True)
    dx = dxc + dmu / D
    return dx, dgamma, dbeta
