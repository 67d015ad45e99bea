# Forgets to divide by sqrt(d_k).
import numpy as np


def attention(Q, K, V, mask=None):
    s = Q @ K.T
    if mask is not None:
        s = s + mask
    w = np.exp(s - s.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return w @ V, w
