# One-sided difference: error of order h instead of h^2.
import numpy as np


def gradient_check(X, y, w, dw, h=1e-5):
    f = lambda v: np.mean(np.logaddexp(0, -y * (X @ v)))
    f0 = f(w)
    num = np.array([(f(w + h * e) - f0) / h for e in np.eye(len(w))])
    return num, np.linalg.norm(dw - num) / (np.linalg.norm(dw) + np.linalg.norm(num))
