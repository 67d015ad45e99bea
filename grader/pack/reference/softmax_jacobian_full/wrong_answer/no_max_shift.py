# Right structure, but exp without the max shift: NaN on huge logits.
import numpy as np


def softmax_jacobian_full(z):
    m, q = z.shape
    e = np.exp(z)
    s = e / e.sum(axis=1, keepdims=True)
    out = np.zeros((m, q, m, q))
    for p in range(m):
        out[p, :, p, :] = np.diag(s[p]) - np.outer(s[p], s[p])
    return out
