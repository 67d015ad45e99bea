# Returns softmax(x) and forgets the one-hot term.
import numpy as np


def cross_entropy_logits_grad(x, target):
    z = np.asarray(x, dtype=float)
    p = np.exp(z - z.max())
    return p / p.sum()
