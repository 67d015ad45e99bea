# argmax where argmin is meant: every point goes to its farthest centroid.
import numpy as np


def kmeans_step(X, centroids):
    d2 = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    labels = d2.argmax(axis=1)
    new = centroids.copy()
    for j in range(len(centroids)):
        if np.any(labels == j):
            new[j] = X[labels == j].mean(axis=0)
    return new, labels
