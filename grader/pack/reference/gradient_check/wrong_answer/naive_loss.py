# log(1 + exp(-m)) written out: overflows to inf for large negative margins, then inf - inf.
import numpy as np


def gradient_check(X, y, w, dw, h=1e-5):
    f = lambda v: np.mean(np.log(1 + np.exp(-y * (X @ v))))
    num = np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(len(w))])
    return num, np.linalg.norm(dw - num) / (np.linalg.norm(dw) + np.linalg.norm(num))
