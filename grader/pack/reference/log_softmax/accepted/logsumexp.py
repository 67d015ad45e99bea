# x - logsumexp(x), with the max shift inside the log-sum-exp.
import numpy as np


def log_softmax(x):
    z = np.asarray(x, dtype=float)
    m = z.max()
    return z - m - np.log(np.sum(np.exp(z - m)))
