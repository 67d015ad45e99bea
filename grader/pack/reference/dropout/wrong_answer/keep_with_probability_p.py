# Reads p as the keep probability.
import numpy as np


def dropout(x, p, rng):
    return np.where(rng.random(x.shape) < p, x / (1 - p), 0.0)
