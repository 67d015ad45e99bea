# The classic sign slip: exp(z) instead of exp(-z), which computes sigma(-z).
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.where(z <= 0, 1.0 / (1.0 + np.exp(np.minimum(z, 0))),
                   np.exp(-np.maximum(z, 0)) / (1.0 + np.exp(-np.maximum(z, 0))))
    return float(out) if out.ndim == 0 else out
