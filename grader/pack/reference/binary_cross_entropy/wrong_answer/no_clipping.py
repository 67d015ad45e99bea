# Forgets to clip: log(0) = -inf on the saturated hidden cases.
import numpy as np


def binary_cross_entropy(p, y, eps=1e-7):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
