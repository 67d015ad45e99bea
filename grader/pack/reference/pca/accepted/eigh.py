import numpy as np


def pca(X, k):
    Xc = X - X.mean(axis=0)
    cov = np.cov(Xc, rowvar=False).reshape(X.shape[1], X.shape[1])
    vals, vecs = np.linalg.eigh(cov)
    top = np.argsort(vals)[::-1][:k]
    return vecs[:, top], vals[top]
