# Returns only the relative error, a bare float, where a tuple (numeric_gradient, relative_error)
# is expected.
import numpy as np


def gradient_check(X, y, w, dw, h=1e-5):
    f = lambda v: np.mean(np.logaddexp(0, -y * (X @ v)))
    num = np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(len(w))])
    return float(np.linalg.norm(dw - num) / (np.linalg.norm(dw) + np.linalg.norm(num)))
