# Correct but different: renumbers the clusters so the new centroids are sorted by their first
# coordinate (labels renumbered to match). Graded up to a permutation of the cluster numbers,
# this must be accepted.
import numpy as np


def kmeans_step(X, centroids):
    d2 = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    labels = d2.argmin(axis=1)
    k = len(centroids)
    new = np.array(
        [X[labels == j].mean(axis=0) if np.any(labels == j) else centroids[j] for j in range(k)]
    )
    order = np.argsort(new[:, 0], kind="stable")  # new cluster i is old cluster order[i]
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    return new[order], rank[labels]
