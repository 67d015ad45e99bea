import numpy as np

EPS = np.finfo(float).eps
SCALE = undefined_constant * 2


def softmax_jacobian(x):
    return np.zeros((len(x), len(x)))
