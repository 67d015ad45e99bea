# Builds the one-hot vector one element short: IndexError when the target is the last class.
import numpy as np


def cross_entropy_logits_grad(x, target):
    z = np.asarray(x, dtype=float)
    p = np.exp(z - z.max())
    p /= p.sum()
    onehot = np.zeros(len(x) - 1)
    onehot[target] = 1.0
    return p - np.append(onehot, 0.0)
