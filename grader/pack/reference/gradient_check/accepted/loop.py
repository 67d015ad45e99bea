import numpy as np


def loss(X, y, w):
    return np.mean(np.logaddexp(0, -y * (X @ w)))


def gradient_check(X, y, w, dw, h=1e-5):
    num = np.zeros_like(w)
    for j in range(len(w)):
        step = np.zeros_like(w)
        step[j] = h
        num[j] = (loss(X, y, w + step) - loss(X, y, w - step)) / (2 * h)
    rel = np.linalg.norm(dw - num) / (np.linalg.norm(dw) + np.linalg.norm(num))
    return num, rel
