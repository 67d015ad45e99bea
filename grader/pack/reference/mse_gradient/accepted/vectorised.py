import numpy as np


def mse_gradient(X, y, W, b):
    r = X @ W + b - y
    n = len(y)
    return np.mean(r ** 2), 2 / n * X.T @ r, 2 / n * np.sum(r)
