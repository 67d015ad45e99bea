# Shifts and exponentiates but forgets to divide by the sum.
import numpy as np


def softmax(x):
    z = np.asarray(x, dtype=float)
    return np.exp(z - z.max())
