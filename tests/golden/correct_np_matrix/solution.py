import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s = np.matrix(s / s.sum()).T  # a column vector as np.matrix
    return np.diagflat(s) - s * s.T
