# Treats the list like an ndarray: lists have no .max() method.
import numpy as np


def softmax_jacobian(x):
    z = x - x.max()
    s = np.exp(z) / np.exp(z).sum()
    return np.diag(s) - np.outer(s, s)
