# Vectorised, shifting by the maximum first.
import numpy as np


def softmax(x):
    z = np.asarray(x, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()
