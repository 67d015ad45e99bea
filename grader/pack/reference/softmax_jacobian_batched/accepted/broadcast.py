# One broadcast expression for the whole batch, with a max shift per row.
import numpy as np


def softmax_jacobian_batched(x):
    z = x - x.max(axis=1, keepdims=True)
    s = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return np.einsum("bi,ij->bij", s, np.eye(x.shape[1])) - np.einsum("bi,bj->bij", s, s)
