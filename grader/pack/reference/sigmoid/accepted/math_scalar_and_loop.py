# Plain math for a scalar, a loop for an array (np.vectorize keeps the shape).
import math

import numpy as np


def _one(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid(z):
    if np.ndim(z) == 0:
        return _one(float(z))
    return np.vectorize(_one, otypes=[float])(np.asarray(z, dtype=float))
