# Multiply by the mask: bool * float gives floats (and -0.0 for negative zeros, which is fine).
import numpy as np


def relu(z):
    z = np.asarray(z, dtype=float)
    return z * (z > 0)
