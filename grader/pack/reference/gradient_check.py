"""Reference solution, case generators and checker for ``gradient_check``.

Loss of a logistic-regression model with labels y in {-1, +1}:
    L(w) = mean_i log(1 + exp(-y_i * (x_i . w)))      computed as np.logaddexp(0, -margin)
Numeric gradient by centred differences, one coordinate at a time:
    num_j = (L(w + h e_j) - L(w - h e_j)) / (2 h)
Relative error between the given analytic gradient dw and num:
    rel = ||dw - num|| / (||dw|| + ||num||)   (Euclidean norms; 0 when both are zero)
Returns (num, rel).
"""

import numpy as np

HINTS = {
    "nonfinite": (
        "log(1 + exp(-margin)) overflows for large negative margins: compute it as "
        "np.logaddexp(0, -margin)"
    ),
}


def _loss(X, y, w):
    return float(np.mean(np.logaddexp(0.0, -y * (X @ w))))


def gradient_check(X, y, w, dw, h=1e-5):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    dw = np.asarray(dw, dtype=np.float64)
    num = np.empty_like(w)
    for j in range(w.size):
        e = np.zeros_like(w)
        e[j] = h
        num[j] = (_loss(X, y, w + e) - _loss(X, y, w - e)) / (2.0 * h)
    den = np.linalg.norm(dw) + np.linalg.norm(num)
    rel = 0.0 if den == 0.0 else float(np.linalg.norm(dw - num) / den)
    return num, rel


# ---------------------------------------------------------------- comparison


def rel_error_norm(got, expected):
    """||got - expected|| / (||got|| + ||expected||), 0 when both are zero."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    den = np.linalg.norm(g) + np.linalg.norm(e)
    return 0.0 if den == 0.0 else float(np.linalg.norm(g - e) / den)


def check_gradient_check(got, expected, args, tol_num=1e-6, atol_rel=1e-6):
    """Part 0 (numeric gradient): relative-error norm <= 1e-6 (entries near zero carry
    finite-difference noise, so no element-wise test). Part 1 (relative error): |got - exp| <=
    1e-6. Pure numpy on decoded values; returns (ok, message)."""
    try:
        num = np.asarray(got[0], dtype=np.float64)
        rel = np.asarray(got[1], dtype=np.float64)
    except Exception:
        return False, "the result must be (numeric_gradient, relative_error)"
    if num.shape != np.shape(expected[0]):
        return False, f"result[0] (numeric_gradient): shape {num.shape}, expected {np.shape(expected[0])}"
    if rel.shape != ():
        return False, f"result[1] (relative_error): one number expected, got shape {rel.shape}"
    if not (np.all(np.isfinite(num)) and np.isfinite(rel)):
        return False, "NaN or inf in the result"
    r = rel_error_norm(num, expected[0])
    if r > tol_num:
        return False, f"result[0] (numeric_gradient): relative error {r:.2e} > {tol_num:g}"
    if abs(float(rel) - float(expected[1])) > atol_rel:
        return False, f"result[1] (relative_error): off by {abs(float(rel) - float(expected[1])):.2e}"
    return True, ""


# ---------------------------------------------------------------- generators


def _analytic(X, y, w):
    m = y * (X @ w)
    s = np.exp(-np.logaddexp(0.0, m))        # sigmoid(-m), stable
    return X.T @ (-y * s) / len(y)


def logistic(rng, n, d, scale, bug="none", h=None):
    """Random logistic-regression data; dw is the true gradient, or a buggy one:
    bug = none | sum (forgot 1/n) | sign | noise (1% relative noise) | zero (dw all zeros)."""
    X = rng.standard_normal((n, d)) * scale
    y = rng.choice([-1.0, 1.0], size=n)
    w = rng.standard_normal(d)
    g = _analytic(X, y, w)
    dw = {"none": g, "sum": g * n, "sign": -g,
          "noise": g * (1 + 0.01 * rng.standard_normal(d)), "zero": np.zeros(d)}[bug]
    args = {"X": X, "y": y, "w": w, "dw": dw}
    if h is not None:
        args["h"] = float(h)
    return args


# ---------------------------------------------------------------- known mistakes


def _rel(dw, num):
    den = np.linalg.norm(dw) + np.linalg.norm(num)
    return 0.0 if den == 0 else float(np.linalg.norm(dw - num) / den)


def _arr(X, y, w, dw):
    return (np.asarray(X, float), np.asarray(y, float), np.asarray(w, float), np.asarray(dw, float))


def mistake_forward_difference(X, y, w, dw, h=1e-5):
    """You used a one-sided difference (L(w + h) - L(w)) / h: the centred one,
    (L(w + h) - L(w - h)) / (2h), is far more accurate and is the one asked for."""
    X, y, w, dw = _arr(X, y, w, dw)
    num = np.array([(_loss(X, y, w + h * e) - _loss(X, y, w)) / h for e in np.eye(w.size)])
    return num, _rel(dw, num)


def mistake_missing_two(X, y, w, dw, h=1e-5):
    """Your numeric gradient is twice too large: the centred difference divides by 2h."""
    X, y, w, dw = _arr(X, y, w, dw)
    num = np.array([(_loss(X, y, w + h * e) - _loss(X, y, w - h * e)) / h for e in np.eye(w.size)])
    return num, _rel(dw, num)


def mistake_denominator_numeric_only(X, y, w, dw, h=1e-5):
    """The relative error divides by ||analytic|| + ||numeric||; you divided by ||numeric|| only."""
    num, _ = gradient_check(X, y, w, dw, h)
    dw = np.asarray(dw, float)
    return num, float(np.linalg.norm(dw - num) / np.linalg.norm(num))


def mistake_elementwise_max(X, y, w, dw, h=1e-5):
    """You returned the largest element-wise relative error: the statement asks for the ratio
    of norms, ||dw - num|| / (||dw|| + ||num||)."""
    num, _ = gradient_check(X, y, w, dw, h)
    dw = np.asarray(dw, float)
    return num, float(np.max(np.abs(dw - num) / np.maximum(np.abs(dw) + np.abs(num), 1e-300)))


def mistake_naive_log_one_plus_exp(X, y, w, dw, h=1e-5):
    """log(1 + exp(-margin)) overflows for large negative margins: use np.logaddexp(0, -margin)."""
    X, y, w, dw = _arr(X, y, w, dw)

    def loss(v):
        with np.errstate(over="ignore"):
            return float(np.mean(np.log(1 + np.exp(-y * (X @ v)))))

    num = np.array([(loss(w + h * e) - loss(w - h * e)) / (2 * h) for e in np.eye(w.size)])
    with np.errstate(invalid="ignore"):
        return num, _rel(dw, num)


# ---------------------------------------------------------------- properties


def property_relative_error_in_unit_interval(X, y, w, dw, h, result):
    """A relative error ||a - n|| / (||a|| + ||n||) always lies between 0 and 1; yours does not."""
    try:
        r = float(result[1])
        return 0.0 <= r <= 1.0 + 1e-12
    except Exception:
        return True
