# Skips centring: X^T X / (n - 1) is not the covariance when the mean is not zero.
import numpy as np


def pca(X, k):
    vals, vecs = np.linalg.eigh(X.T @ X / (len(X) - 1))
    top = np.argsort(vals)[::-1][:k]
    return vecs[:, top], vals[top]
