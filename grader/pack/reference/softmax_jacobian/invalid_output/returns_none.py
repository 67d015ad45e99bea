# Computes the matrix but never returns it.
import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s /= s.sum()
    jac = np.diag(s) - np.outer(s, s)  # computed, but never returned
