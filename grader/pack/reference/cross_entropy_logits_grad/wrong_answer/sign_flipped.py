# onehot(target) - softmax(x): the gradient of the likelihood, not of the loss.
import numpy as np


def cross_entropy_logits_grad(x, target):
    z = np.asarray(x, dtype=float)
    p = np.exp(z - z.max())
    p /= p.sum()
    onehot = np.zeros_like(p)
    onehot[target] = 1.0
    return onehot - p
