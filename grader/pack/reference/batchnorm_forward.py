"""Reference solution and case generators for ``batchnorm_forward`` (training mode).

Per feature (column) of x (N x D): mu = mean over the batch, var = biased variance (divide by N),
out = gamma * (x - mu) / sqrt(var + eps) + beta.
Running statistics (PyTorch's convention): new = (1 - momentum) * old + momentum * batch stat,
where the batch variance used for running_var is the UNBIASED one (divide by N - 1).
Returns {"out": (N, D), "running_mean": (D,), "running_var": (D,)}.
"""

import numpy as np

HINTS = {
    "nonfinite": (
        "a feature that is constant over the batch has variance 0: add eps inside the square "
        "root, sqrt(var + eps)"
    ),
}


def batchnorm_forward(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    mu = x.mean(axis=0)
    var = x.var(axis=0)                      # biased, for normalising
    out = np.asarray(gamma) * (x - mu) / np.sqrt(var + eps) + np.asarray(beta)
    unbiased = var * n / (n - 1)
    rm = (1.0 - momentum) * np.asarray(running_mean, dtype=np.float64) + momentum * mu
    rv = (1.0 - momentum) * np.asarray(running_var, dtype=np.float64) + momentum * unbiased
    return {"out": out, "running_mean": rm, "running_var": rv}


# ---------------------------------------------------------------- generators


def batch(rng, n, d, momentum=None, eps=None, fresh=False):
    """A batch (n x d) with per-feature offsets and scales; gamma, beta and running statistics
    random (or fresh: zeros and ones); momentum / eps passed only when given."""
    x = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.uniform(-5, 5, size=d)
    args = {
        "x": x,
        "gamma": rng.uniform(0.5, 2.0, size=d),
        "beta": rng.uniform(-1.0, 1.0, size=d),
        "running_mean": np.zeros(d) if fresh else rng.standard_normal(d),
        "running_var": np.ones(d) if fresh else rng.uniform(0.5, 2.0, size=d),
    }
    if momentum is not None:
        args["momentum"] = float(momentum)
    if eps is not None:
        args["eps"] = float(eps)
    return args


def tiny_variance(rng, n, d):
    """One feature with a variance around 1e-6 and one constant feature: eps matters there."""
    args = batch(rng, n, d)
    args["x"][:, 0] = 3.0 + rng.standard_normal(n) * 1e-3
    args["x"][:, 1] = -2.0
    return args


# ---------------------------------------------------------------- known mistakes


def _stats(x):
    x = np.asarray(x, dtype=np.float64)
    return x, x.mean(axis=0), x.var(axis=0), x.shape[0]


def mistake_momentum_reversed(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    """Your running statistics weight the batch by (1 - momentum): here momentum is the weight of
    the NEW batch statistic, new = (1 - momentum) * old + momentum * batch."""
    r = batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)
    x, mu, var, n = _stats(x)
    r["running_mean"] = momentum * np.asarray(running_mean) + (1 - momentum) * mu
    r["running_var"] = momentum * np.asarray(running_var) + (1 - momentum) * var * n / (n - 1)
    return r


def mistake_biased_running_var(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    """running_var is updated with the unbiased batch variance (divide by N - 1); yours divides
    by N (normalising the batch itself does use the biased one)."""
    r = batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)
    x, mu, var, n = _stats(x)
    r["running_var"] = (1 - momentum) * np.asarray(running_var) + momentum * var
    return r


def mistake_unbiased_normalisation(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    """The batch is normalised with the biased variance (divide by N); you divided by N - 1."""
    r = batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)
    x, mu, var, n = _stats(x)
    r["out"] = np.asarray(gamma) * (x - mu) / np.sqrt(var * n / (n - 1) + eps) + np.asarray(beta)
    return r


def mistake_eps_outside_sqrt(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    """eps goes inside the square root, sqrt(var + eps), not sqrt(var) + eps."""
    r = batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)
    x, mu, var, n = _stats(x)
    r["out"] = np.asarray(gamma) * (x - mu) / (np.sqrt(var) + eps) + np.asarray(beta)
    return r


def mistake_wrong_axis(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    """You normalised each sample over its features (axis 1, that is layer norm): batch norm
    averages each feature over the batch (axis 0)."""
    r = batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    r["out"] = np.asarray(gamma) * (x - mu) / np.sqrt(var + eps) + np.asarray(beta)
    return r


def mistake_running_stats_not_updated(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5):
    """Your running statistics came back unchanged: in training mode they move towards the batch
    statistics by momentum."""
    r = batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)
    r["running_mean"] = np.asarray(running_mean, dtype=np.float64)
    r["running_var"] = np.asarray(running_var, dtype=np.float64)
    return r


# ---------------------------------------------------------------- properties


def property_normalised_when_gamma_one(x, gamma, beta, running_mean, running_var, momentum, eps, result):
    """(out - beta) / gamma should have mean 0 in every column; yours does not: subtract the
    mean of each feature over the batch."""
    try:
        out = np.asarray(result["out"], dtype=np.float64)
        z = (out - np.asarray(beta)) / np.asarray(gamma)
        return out.shape != np.shape(x) or bool(np.allclose(z.mean(axis=0), 0.0, atol=1e-6))
    except Exception:
        return True
