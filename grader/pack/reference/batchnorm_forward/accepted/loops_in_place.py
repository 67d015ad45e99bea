# Column by column with plain loops; updates the running arrays in place and returns them.
import math

import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    n, d = x.shape
    out = np.empty_like(x, dtype=float)
    for j in range(d):
        col = [float(v) for v in x[:, j]]
        mu = sum(col) / n
        ss = sum((v - mu) ** 2 for v in col)
        inv = 1.0 / math.sqrt(ss / n + eps)
        for i in range(n):
            out[i, j] = gamma[j] * (col[i] - mu) * inv + beta[j]
        running_mean[j] = (1 - momentum) * running_mean[j] + momentum * mu
        running_var[j] = (1 - momentum) * running_var[j] + momentum * ss / (n - 1)
    return {"running_var": running_var, "out": out, "running_mean": running_mean}
