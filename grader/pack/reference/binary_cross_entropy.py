"""Reference solution and case generators for ``binary_cross_entropy``.

From probabilities: p is clipped to [eps, 1 - eps], then
loss = -mean(y * log(p) + (1 - y) * log(1 - p))   (natural log), returned as a float.
"""

import numpy as np

HINTS = {
    "nonfinite": (
        "log(0) is -inf: a probability of exactly 0 or 1 must be clipped to [eps, 1 - eps] "
        "before the log (np.clip(p, eps, 1 - eps))"
    ),
}


def binary_cross_entropy(p, y, eps=1e-7):
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


# ---------------------------------------------------------------- generators


def random_probs(rng, n):
    """n probabilities in (0, 1) and labels drawn so that predictions are mostly right."""
    n = int(n)
    y = rng.integers(0, 2, size=n)
    logits = rng.standard_normal(n) * 2.0 + np.where(y == 1, 1.0, -1.0)
    return {"p": 1.0 / (1.0 + np.exp(-logits)), "y": y}


def saturated(rng, n, eps=None):
    """Probabilities that include exact 0.0 and 1.0 (some confidently wrong); eps given or not."""
    n = int(n)
    y = rng.integers(0, 2, size=n)
    p = rng.uniform(0.0, 1.0, size=n)
    k = max(2, n // 3)
    idx = rng.permutation(n)[:k]
    p[idx] = rng.integers(0, 2, size=k).astype(np.float64)
    args = {"p": p, "y": y}
    if eps is not None:
        args["eps"] = float(eps)
    return args


# ---------------------------------------------------------------- known mistakes


def _clip(p, eps):
    return np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)


def mistake_no_clipping(p, y, eps=1e-7):
    """A probability of exactly 0 or 1 makes log() return -inf: clip p to [eps, 1 - eps] first."""
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def mistake_sum_not_mean(p, y, eps=1e-7):
    """You summed the per-example losses: the loss is their mean (divide by n)."""
    p = _clip(p, eps)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


def mistake_missing_minus(p, y, eps=1e-7):
    """Your loss is negative: the log of a probability is <= 0, so the loss carries a minus sign."""
    return -binary_cross_entropy(p, y, eps)


def mistake_log10(p, y, eps=1e-7):
    """You used log base 10: cross-entropy uses the natural logarithm (np.log)."""
    return binary_cross_entropy(p, y, eps) / np.log(10.0)


def mistake_terms_swapped(p, y, eps=1e-7):
    """The two terms are swapped: y multiplies log(p) and (1 - y) multiplies log(1 - p)."""
    p = _clip(p, eps)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(1 - p) + (1 - y) * np.log(p)))


def mistake_ignores_eps(p, y, eps=1e-7):
    """Clip with the eps you are given (it is an argument, 1e-7 by default), not a fixed value."""
    return binary_cross_entropy(p, y, 1e-12)


# ---------------------------------------------------------------- properties


def property_non_negative(p, y, eps, result):
    """Cross-entropy is never negative (each log(p) <= 0 and there is a minus sign); yours is."""
    try:
        return float(result) >= 0.0
    except Exception:
        return True
