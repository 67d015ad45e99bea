# Forgets the 2 from d(r^2)/dr = 2r.
import numpy as np


def mse_gradient(X, y, W, b):
    r = X @ W + b - y
    return np.mean(r**2), X.T @ r / len(r), np.mean(r)
