# Takes the mean of an empty cluster: NaN centroid (and a RuntimeWarning).
import numpy as np


def kmeans_step(X, centroids):
    d2 = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    labels = d2.argmin(axis=1)
    new = np.array([X[labels == j].mean(axis=0) for j in range(len(centroids))])
    return new, labels
