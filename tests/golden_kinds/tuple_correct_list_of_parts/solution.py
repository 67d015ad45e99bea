# Returns a list [loss, dW, db] rather than a tuple, and numpy scalars: both must be accepted.
import numpy as np


def mse_gradient(X, y, W, b):
    err = (X @ W + b) - y
    return [np.float64((err**2).mean()), (2.0 * err) @ X / len(err), np.float64(2.0 * err.mean())]
