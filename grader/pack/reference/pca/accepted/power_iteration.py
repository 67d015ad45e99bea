# Loops: power iteration with deflation (slow but fine for small d).
import numpy as np


def pca(X, k):
    Xc = X - X.mean(axis=0)
    S = Xc.T @ Xc / (len(X) - 1)
    d = S.shape[0]
    comps, vals = [], []
    for i in range(k):
        v = np.ones(d) / np.sqrt(d) + 0.01 * np.arange(d)
        for _ in range(5000):
            w = S @ v
            w /= np.linalg.norm(w)
            if np.linalg.norm(w - v) < 1e-13:
                v = w
                break
            v = w
        lam = v @ S @ v
        comps.append(v)
        vals.append(lam)
        S = S - lam * np.outer(v, v)
    return np.array(comps).T, np.array(vals)
