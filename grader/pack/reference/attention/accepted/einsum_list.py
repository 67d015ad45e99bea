# einsum, and the two parts returned as a list.
import numpy as np


def attention(Q, K, V, mask=None):
    s = np.einsum("qd,kd->qk", Q, K) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = s + mask
    w = np.exp(s - s.max(-1, keepdims=True))
    w = w / w.sum(-1, keepdims=True)
    return [np.einsum("qk,kv->qv", w, V), w]
