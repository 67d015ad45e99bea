# Returns the assignment as an (n, k) one-hot matrix instead of n integer labels.
import numpy as np


def kmeans_step(X, centroids):
    d2 = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    onehot = (d2 == d2.min(axis=1, keepdims=True)).astype(int)
    counts = onehot.sum(axis=0)
    new = centroids.copy()
    nz = counts > 0
    new[nz] = (onehot.T @ X)[nz] / counts[nz, None]
    return new, onehot
