# log(softmax(x)) literally: an underflowed probability becomes log(0) = -inf.
import numpy as np


def log_softmax(x):
    z = np.asarray(x, dtype=float)
    e = np.exp(z - z.max())
    return np.log(e / e.sum())
