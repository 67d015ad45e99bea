"""Reference solution and case generators for ``attention`` (scaled dot-product attention).

scores  = Q @ K^T / sqrt(d_k)  (+ mask, an additive float mask, when given)
weights = softmax(scores) along the keys (last axis), computed stably
out     = weights @ V
Returns (out (n_q, d_v), weights (n_q, n_k)).
"""

import numpy as np

HINTS = {
    "nonfinite": (
        "exp() of large scores (or of a -1e9 mask on every key) overflows or gives 0 / 0: "
        "subtract the row maximum of the scores before exp"
    ),
}


def attention(Q, K, V, mask=None):
    Q = np.asarray(Q, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    scores = Q @ K.T / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores + np.asarray(mask, dtype=np.float64)
    scores = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(scores)
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ V, w


# ---------------------------------------------------------------- generators


def random_qkv(rng, n_q, n_k, d_k, d_v, scale=1.0, mask=None):
    """Random Q, K, V; mask None (argument omitted), "causal" (needs n_q == n_k) or "random"
    (some keys hidden per query, never all)."""
    args = {"Q": rng.standard_normal((n_q, d_k)) * scale,
            "K": rng.standard_normal((n_k, d_k)) * scale,
            "V": rng.standard_normal((n_k, d_v))}
    if mask == "causal":
        args["mask"] = np.where(np.tril(np.ones((n_q, n_k))) > 0, 0.0, -1e9)
    elif mask == "random":
        hide = rng.random((n_q, n_k)) < 0.4
        hide[np.arange(n_q), rng.integers(0, n_k, size=n_q)] = False
        args["mask"] = np.where(hide, -1e9, 0.0)
    return args


# ---------------------------------------------------------------- known mistakes


def _softmax(s, axis=-1):
    s = s - s.max(axis=axis, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=axis, keepdims=True)


def _scores(Q, K, mask, scale):
    Q = np.asarray(Q, float)
    K = np.asarray(K, float)
    s = Q @ K.T * scale
    if mask is not None:
        s = s + np.asarray(mask, float)
    return s


def mistake_no_scaling(Q, K, V, mask=None):
    """The scores are divided by sqrt(d_k) (the key dimension); you did not scale them."""
    w = _softmax(_scores(Q, K, mask, 1.0))
    return w @ np.asarray(V, float), w


def mistake_scaled_by_d_k(Q, K, V, mask=None):
    """Divide the scores by sqrt(d_k), not by d_k."""
    w = _softmax(_scores(Q, K, mask, 1.0 / np.shape(Q)[-1]))
    return w @ np.asarray(V, float), w


def mistake_softmax_over_queries(Q, K, V, mask=None):
    """Your softmax runs down the columns (over queries): each query's weights over the keys
    must sum to 1, so normalise along the last axis."""
    w = _softmax(_scores(Q, K, mask, 1.0 / np.sqrt(np.shape(Q)[-1])), axis=0)
    return w @ np.asarray(V, float), w


def mistake_mask_multiplied(Q, K, V, mask=None):
    """The mask is ADDED to the scores (0 keeps a key, -1e9 hides it); you multiplied by it."""
    Q, K = np.asarray(Q, float), np.asarray(K, float)
    s = Q @ K.T / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = s * np.asarray(mask, float)
    w = _softmax(s)
    return w @ np.asarray(V, float), w


def mistake_mask_ignored(Q, K, V, mask=None):
    """The mask was not applied: add it to the scores before the softmax."""
    return attention(Q, K, V, None)


def mistake_unstable_softmax(Q, K, V, mask=None):
    """exp() of large scores overflows (inf / inf = NaN): subtract each row's maximum first."""
    s = _scores(Q, K, mask, 1.0 / np.sqrt(np.shape(Q)[-1]))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(s)
        w = e / e.sum(axis=-1, keepdims=True)
    return w @ np.asarray(V, float), w


# ---------------------------------------------------------------- properties


def property_weights_rows_sum_to_one(Q, K, V, mask, result):
    """Each query's attention weights (a row of the weights) must sum to 1; yours do not."""
    try:
        w = np.asarray(result[1], dtype=np.float64)
        return w.ndim != 2 or bool(np.allclose(w.sum(axis=1), 1.0, atol=1e-6))
    except Exception:
        return True
