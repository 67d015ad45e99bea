# Returns the "gradient" p * (1 - p): a vector, not the Jacobian matrix.
import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    p = np.exp(z - z.max())
    p /= p.sum()
    return p * (1 - p)
