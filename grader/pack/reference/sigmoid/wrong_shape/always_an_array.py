# np.atleast_1d makes every result an array: a scalar z comes back with shape (1,), not ().
import numpy as np


def sigmoid(z):
    z = np.atleast_1d(np.asarray(z, dtype=float))
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
