# A result object that is not a list or ndarray but knows how to become one (__array__).
import numpy as np


class Matrix:
    def __init__(self, data):
        self._data = data

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._data, dtype=dtype)


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s /= s.sum()
    return Matrix(np.diag(s) - np.outer(s, s))
