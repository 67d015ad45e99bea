# Uses the biased batch variance for running_var too.
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    mu, var = x.mean(axis=0), x.var(axis=0)
    return {
        "out": gamma * (x - mu) / np.sqrt(var + eps) + beta,
        "running_mean": (1 - momentum) * running_mean + momentum * mu,
        "running_var": (1 - momentum) * running_var + momentum * var,
    }
