import numpy as np


def kmeans_step(X, centroids):
    dist = np.linalg.norm(X[:, None, :] - centroids[None, :, :], axis=2)
    labels = dist.argmin(axis=1)
    new = centroids.astype(float).copy()
    for j in range(len(centroids)):
        members = X[labels == j]
        if len(members) > 0:
            new[j] = members.mean(axis=0)
    return new, labels
