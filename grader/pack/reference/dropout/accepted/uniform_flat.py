# rng.uniform over a flat array, reshaped: the same numbers as rng.random(x.shape).
import numpy as np


def dropout(x, p, rng):
    u = rng.uniform(0.0, 1.0, size=x.size).reshape(x.shape)
    scale = 1.0 / (1.0 - p)
    return np.where(u < p, 0.0, x * scale)
