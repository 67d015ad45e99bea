import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    n = len(x)
    return {
        "out": gamma * xhat + beta,
        "running_mean": (1 - momentum) * running_mean + momentum * mu,
        "running_var": (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1),
    }
