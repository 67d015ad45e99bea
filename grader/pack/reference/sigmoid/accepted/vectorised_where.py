# Vectorised and stable: np.where picks the safe formula; a scalar comes back as a float.
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    pos = 1.0 / (1.0 + np.exp(-np.maximum(z, 0)))       # exact for z >= 0
    ez = np.exp(np.minimum(z, 0))
    neg = ez / (1.0 + ez)                                # exact for z < 0
    out = np.where(z >= 0, pos, neg)
    return out.item() if out.ndim == 0 else out
