# The expand mistake: each row's Jacobian is copied into every column block, not only p == i.
import numpy as np


def softmax_jacobian_full(z):
    m, q = z.shape
    e = np.exp(z - z.max(axis=1, keepdims=True))
    s = e / e.sum(axis=1, keepdims=True)
    blocks = s[:, :, None] * (np.eye(q) - s[:, None, :])  # (M, Q, Q)
    return np.broadcast_to(blocks[:, :, None, :], (m, q, m, q)).copy()
