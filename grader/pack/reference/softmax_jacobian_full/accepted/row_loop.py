# A loop over rows filling the diagonal blocks of a zero array.
import numpy as np


def softmax_jacobian_full(z):
    m, q = z.shape
    out = np.zeros((m, q, m, q))
    for p in range(m):
        e = np.exp(z[p] - z[p].max())
        s = e / e.sum()
        out[p, :, p, :] = np.diag(s) - np.outer(s, s)
    return out
