# Perturbs w in place and restores it (w[j] += h; ... w[j] -= 2h; ... w[j] += h), the classic
# cs231n loop. The rounding differs slightly from building w + h e_j: a comparison by
# relative-error norm must accept it.
import math

import numpy as np


def gradient_check(X, y, w, dw, h=1e-5):
    w = w.copy()

    def f():
        m = -y * (X @ w)
        return float(np.mean(np.maximum(m, 0) + np.log1p(np.exp(-np.abs(m)))))

    num = np.zeros(len(w))
    for j in range(len(w)):
        w[j] += h
        up = f()
        w[j] -= 2 * h
        down = f()
        w[j] += h
        num[j] = (up - down) / (2 * h)
    a = math.sqrt(float(np.sum((dw - num) ** 2)))
    b = math.sqrt(float(np.sum(dw ** 2))) + math.sqrt(float(np.sum(num ** 2)))
    return num, (a / b if b else 0.0)
