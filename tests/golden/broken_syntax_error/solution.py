import numpy as np


def softmax_jacobian(x)
    s = np.exp(x) / np.sum(np.exp(x))
    return np.diag(s) - np.outer(s, s)
