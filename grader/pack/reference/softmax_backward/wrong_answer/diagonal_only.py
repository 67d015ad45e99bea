# Multiplies by the diagonal s * (1 - s) only, as if J were diagonal.
import numpy as np


def softmax_backward(g, x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s /= s.sum()
    return s * (1 - s) * np.asarray(g, dtype=float)
