import numpy as np


def relu(z):
    return np.maximum(z, 0.0)
