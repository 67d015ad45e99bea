# Returns Vt[:k] (components as rows, shape (k, d)) instead of columns.
import numpy as np


def pca(X, k):
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (len(X) - 1)
