# Forgets the momentum / eps parameters: TypeError on cases that pass them by name.
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var):
    mu, var = x.mean(axis=0), x.var(axis=0)
    return {
        "out": gamma * (x - mu) / np.sqrt(var + 1e-5) + beta,
        "running_mean": 0.9 * running_mean + 0.1 * mu,
        "running_var": 0.9 * running_var + 0.1 * x.var(axis=0, ddof=1),
    }
