import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s /= s.sum()
    jac = np.diag(s) - np.outer(s, s)
    return [[f"{v:.4f}" for v in row] for row in jac]
