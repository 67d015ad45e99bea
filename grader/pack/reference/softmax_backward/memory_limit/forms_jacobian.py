# Forms the n x n Jacobian and multiplies: right, but n = 10000 needs 800 MB.
import numpy as np


def softmax_backward(g, x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s /= s.sum()
    jac = np.diag(s) - np.outer(s, s)
    return jac.T @ np.asarray(g, dtype=float)
