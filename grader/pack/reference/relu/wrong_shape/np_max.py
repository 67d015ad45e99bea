# np.max(z, 0) reduces over axis 0 (the 0 is the axis argument): a vector becomes a scalar,
# a matrix becomes a row.
import numpy as np


def relu(z):
    return np.max(z, 0)
