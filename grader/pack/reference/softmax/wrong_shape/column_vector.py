# Returns a column (n x 1) instead of a vector of length n.
import numpy as np


def softmax(x):
    z = np.asarray(x, dtype=float).reshape(-1, 1)
    e = np.exp(z - z.max())
    return e / e.sum()
