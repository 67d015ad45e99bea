"""Reference solution, case generators and a sign-invariant checker for ``pca``.

Centre the columns of X, form the sample covariance S = Xc^T Xc / (n - 1), and return its top-k
eigenvectors as the columns of a (d, k) array (unit length, ordered by decreasing eigenvalue)
together with those k eigenvalues (the explained variances). Each column is defined only up to
its sign; the reference makes the largest-magnitude entry of each column positive.
"""

import numpy as np


def pca(X, k):
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    n = X.shape[0]
    S = Xc.T @ Xc / (n - 1)
    vals, vecs = np.linalg.eigh(S)            # ascending
    order = np.argsort(vals)[::-1][:k]
    comps = vecs[:, order]
    # a deterministic sign: the largest-|.| entry of each column is positive
    idx = np.argmax(np.abs(comps), axis=0)
    signs = np.sign(comps[idx, np.arange(comps.shape[1])])
    signs[signs == 0] = 1.0
    return comps * signs, np.maximum(vals[order], 0.0)


# ---------------------------------------------------------------- checker (if a per-part
# "up to sign of each column" comparison is not available, this does the whole result)


def check_pca(got, expected, args, atol=1e-6, rtol=1e-6):
    """components equal up to the sign of each column; explained variances element-wise."""
    gc = np.asarray(got[0], dtype=np.float64)
    gv = np.asarray(got[1], dtype=np.float64)
    ec, ev = np.asarray(expected[0]), np.asarray(expected[1])
    if gc.shape != ec.shape:
        return False, f"result[0] (components): shape {gc.shape}, expected {ec.shape}"
    if gv.shape != ev.shape:
        return False, f"result[1] (explained_variance): shape {gv.shape}, expected {ev.shape}"
    if not (np.all(np.isfinite(gc)) and np.all(np.isfinite(gv))):
        return False, "NaN or inf in the result"
    s = np.sign(np.sum(gc * ec, axis=0))
    s[s == 0] = 1.0
    bad = np.abs(gc * s - ec) > atol + rtol * np.abs(ec)
    if np.any(bad):
        cols = np.flatnonzero(np.any(bad, axis=0)).tolist()
        return False, f"result[0] (components): columns {cols} differ even allowing a sign flip"
    badv = np.abs(gv - ev) > atol + rtol * np.abs(ev)
    if np.any(badv):
        return False, f"result[1] (explained_variance): {int(badv.sum())} of {ev.size} values differ"
    flipped = int(np.sum(s < 0))
    return True, "" if not flipped else f"correct; {flipped} component(s) with the opposite sign"


# ---------------------------------------------------------------- generators


def correlated(rng, n, d, k, gap=0.08):
    """n samples in d dimensions with distinct variances along random directions and an offset
    mean. Redraws (deterministically, from the same rng) until the top k+1 sample eigenvalues
    are separated by at least `gap` times the largest, so every component is well defined."""
    for _ in range(100):
        scales = np.sort(rng.uniform(0.3, 5.0, size=d))[::-1]
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        X = (rng.standard_normal((n, d)) * scales) @ Q.T + rng.uniform(-10, 10, size=d)
        vals = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
        top = vals[: min(k + 1, d)]
        if np.all(-np.diff(top) > gap * vals[0]):
            return {"X": X, "k": int(k)}
    raise RuntimeError("could not draw well-separated eigenvalues")


# ---------------------------------------------------------------- known mistakes


def _eig(S, k):
    vals, vecs = np.linalg.eigh(S)
    order = np.argsort(vals)[::-1][:k]
    return vecs[:, order], vals[order]


def mistake_not_centred(X, k):
    """The data were not centred: subtract the mean of each column before forming the
    covariance (otherwise the first component points at the mean)."""
    X = np.asarray(X, dtype=np.float64)
    return _eig(X.T @ X / (X.shape[0] - 1), k)


def mistake_divide_by_n(X, k):
    """Your variances are a factor (n - 1) / n too small: the sample covariance divides by n - 1."""
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    return _eig(Xc.T @ Xc / X.shape[0], k)


def mistake_smallest_components(X, k):
    """np.linalg.eigh returns eigenvalues in ascending order: you took the k smallest; sort them in
    decreasing order first."""
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    vals, vecs = np.linalg.eigh(Xc.T @ Xc / (X.shape[0] - 1))
    return vecs[:, :k], vals[:k]


def mistake_rows_not_columns(X, k):
    """The components must be the columns of a (d, k) array: you returned them as rows (k, d)."""
    c, v = pca(X, k)
    return c.T, v


def mistake_singular_values(X, k):
    """You returned singular values of the centred data: the explained variance is s**2 / (n - 1)."""
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:k].T, s[:k]


# ---------------------------------------------------------------- properties


def property_unit_columns(X, k, result):
    """Each principal component is a unit vector; some of your columns do not have length 1."""
    c = np.asarray(result[0], dtype=np.float64)
    return c.ndim != 2 or bool(np.allclose(np.linalg.norm(c, axis=0), 1.0, atol=1e-6))


def property_variances_decreasing(X, k, result):
    """Components come in decreasing order of explained variance; yours are not sorted."""
    v = np.asarray(result[1], dtype=np.float64).ravel()
    return bool(np.all(np.diff(v) <= 1e-9 * max(1.0, float(np.abs(v).max(initial=0)))))
