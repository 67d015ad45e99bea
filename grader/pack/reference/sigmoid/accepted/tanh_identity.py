# Through tanh, which never overflows: sigma(z) = (1 + tanh(z / 2)) / 2. Returns a 0-d array
# for a scalar (a numpy scalar or 0-d array counts as a scalar).
import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
