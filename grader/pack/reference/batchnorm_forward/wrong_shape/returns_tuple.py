# Right values, wrong structure: a tuple where a dict with keys out / running_mean / running_var
# is expected.
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    mu, var = x.mean(axis=0), x.var(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    rm = (1 - momentum) * running_mean + momentum * mu
    rv = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)
    return out, rm, rv
