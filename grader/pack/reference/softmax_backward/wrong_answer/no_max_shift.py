# Right formula, exp without the max shift: NaN on huge logits.
import numpy as np


def softmax_backward(g, x):
    g = np.asarray(g, dtype=float)
    e = np.exp(np.asarray(x, dtype=float))
    s = e / e.sum()
    return s * (g - g @ s)
