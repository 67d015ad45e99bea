# Fills the lower triangle and mirrors it: the matrix is symmetric.
import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    p = np.exp(z - z.max())
    p = p / p.sum()
    n = len(p)
    jac = np.empty((n, n))
    for i in range(n):
        jac[i, i] = p[i] * (1.0 - p[i])
        for k in range(i):
            jac[k, i] = jac[i, k] = -p[i] * p[k]
    return jac
