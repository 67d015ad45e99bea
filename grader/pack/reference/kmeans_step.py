"""Reference solution, case generators and the custom checker for ``kmeans_step``.

One Lloyd iteration. Assignment: each point goes to its nearest centroid in Euclidean distance
(ties to the lowest index). Update: each centroid becomes the mean of its points; a centroid
with no points keeps its old position. Returns (new_centroids (k, d) float, labels (n,) int).
The answer is graded up to a renumbering of the clusters (check_kmeans_step).
"""

import numpy as np

HINTS = {
    "nonfinite": (
        "a cluster that receives no points has an empty mean (NaN): keep that centroid where it "
        "was"
    ),
}


def kmeans_step(X, centroids):
    X = np.asarray(X, dtype=np.float64)
    C = np.asarray(centroids, dtype=np.float64)
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)  # (n, k) squared distances
    labels = np.argmin(d2, axis=1)                            # first index on ties
    k = C.shape[0]
    counts = np.bincount(labels, minlength=k)
    sums = np.zeros_like(C)
    np.add.at(sums, labels, X)
    new = C.copy()
    nz = counts > 0
    new[nz] = sums[nz] / counts[nz, None]
    return new, labels.astype(np.int64)


# ---------------------------------------------------------------- custom checker


def check_kmeans_step(got, expected, args, atol=1e-6, rtol=1e-6):
    """Equal up to one renumbering of the clusters, applied to both parts at once: there must be
    a permutation pi of 0..k-1 with labels_got = pi(labels_expected) and
    centroids_got[pi(j)] == centroids_expected[j] (within atol + rtol * |expected|).
    Runs on decoded values (numpy arrays); returns (ok, message)."""
    try:
        gc = np.asarray(got[0], dtype=np.float64)
        gl = np.asarray(got[1])
    except Exception:
        return False, "the result must be (new_centroids, labels)"
    ec = np.asarray(expected[0], dtype=np.float64)
    el = np.asarray(expected[1])
    if gc.shape != ec.shape:
        return False, f"result[0] (centroids): shape {gc.shape}, expected {ec.shape}"
    if gl.shape != el.shape:
        return False, f"result[1] (labels): shape {gl.shape}, expected {el.shape}"
    if gl.dtype.kind not in "iu" and not (gl.dtype.kind == "f" and np.all(gl == np.round(gl))):
        return False, "result[1] (labels): labels must be integers"
    if not np.all(np.isfinite(gc)):
        return False, "result[0] (centroids): NaN or inf (an empty cluster?)"
    k = ec.shape[0]
    gl = gl.astype(np.int64)
    if gl.size and (gl.min() < 0 or gl.max() >= k):
        return False, f"result[1] (labels): labels must be cluster indices 0..{k - 1}"
    pi = {}
    for j in np.unique(el):
        vals = np.unique(gl[el == j])
        if vals.size != 1:
            return False, ("result[1] (labels): points that belong to one cluster got different "
                           "labels (not a renumbering of the right clusters)")
        pi[int(j)] = int(vals[0])
    if len(set(pi.values())) != len(pi):
        return False, "result[1] (labels): two different clusters got the same label"
    tol = atol + rtol * np.abs(ec)
    # clusters nobody was assigned to: pair them with the remaining centroids greedily
    free = [i for i in range(k) if i not in pi.values()]
    for j in range(k):
        if j in pi:
            continue
        hit = next((i for i in free if np.all(np.abs(gc[i] - ec[j]) <= tol[j])), None)
        if hit is None:
            return False, "result[0] (centroids): an empty cluster's centroid moved or is missing"
        pi[j] = hit
        free.remove(hit)
    perm = np.array([pi[j] for j in range(k)])
    bad = np.abs(gc[perm] - ec) > tol
    if np.any(bad):
        rows = int(np.any(bad, axis=1).sum())
        return False, (f"result[0] (centroids): {rows} of {k} centroids differ (after matching "
                       f"clusters by their labels), max abs diff {np.max(np.abs(gc[perm] - ec)):.3g}")
    same = np.array_equal(perm, np.arange(k))
    return True, "" if same else "correct, with the clusters numbered differently"


# ---------------------------------------------------------------- generators


def blobs(rng, n, k, d, spread):
    """n points around k random centres in d dimensions; starting centroids are k of the points
    moved a little (so no point is equidistant from two centroids)."""
    centres = rng.uniform(-10.0, 10.0, size=(k, d))
    which = rng.integers(0, k, size=n)
    X = centres[which] + rng.standard_normal((n, d)) * spread
    start = X[rng.choice(n, size=k, replace=False)] + rng.standard_normal((k, d)) * 0.1
    return {"X": X, "centroids": start}


def with_empty_cluster(rng, n, k, d):
    """Like blobs, but the last starting centroid is far from every point: its cluster is empty."""
    args = blobs(rng, n, k - 1, d, 1.0)
    far = np.full((1, d), 1000.0) + rng.standard_normal((1, d))
    args["centroids"] = np.vstack([args["centroids"], far])
    return args


# ---------------------------------------------------------------- known mistakes


def _d2(X, C):
    X = np.asarray(X, dtype=np.float64)
    C = np.asarray(C, dtype=np.float64)
    return X, C, ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


def _update(X, C, labels, empty="keep"):
    new = C.copy()
    for j in range(C.shape[0]):
        pts = X[labels == j]
        if len(pts):
            new[j] = pts.mean(axis=0)
        elif empty == "nan":
            new[j] = np.nan
    return new


def mistake_empty_cluster_nan(X, centroids):
    """A cluster with no points got a NaN centroid (the mean of nothing): keep its old centroid."""
    X, C, d2 = _d2(X, centroids)
    labels = np.argmin(d2, axis=1)
    return _update(X, C, labels, empty="nan"), labels


def mistake_farthest_centroid(X, centroids):
    """Points went to the farthest centroid (argmax): assign each to the nearest one (argmin)."""
    X, C, d2 = _d2(X, centroids)
    labels = np.argmax(d2, axis=1)
    return _update(X, C, labels), labels


def mistake_centroids_not_updated(X, centroids):
    """Your labels are right but the centroids did not move: each becomes the mean of its points."""
    X, C, d2 = _d2(X, centroids)
    return C.copy(), np.argmin(d2, axis=1)


def mistake_manhattan_distance(X, centroids):
    """You assigned points by Manhattan (L1) distance: k-means uses Euclidean distance."""
    X = np.asarray(X, dtype=np.float64)
    C = np.asarray(centroids, dtype=np.float64)
    labels = np.argmin(np.abs(X[:, None, :] - C[None, :, :]).sum(axis=2), axis=1)
    return _update(X, C, labels), labels


def mistake_one_based_labels(X, centroids):
    """Labels are indices into the centroids, counted from 0: yours go from 1 to k."""
    new, labels = kmeans_step(X, centroids)
    return new, labels + 1


def mistake_one_hot_labels(X, centroids):
    """labels is one integer per point, shape (n,): you returned an (n, k) one-hot matrix."""
    new, labels = kmeans_step(X, centroids)
    return new, np.eye(new.shape[0], dtype=np.int64)[labels]


# ---------------------------------------------------------------- a correct-but-different answer
# grader check's self-test of the custom comparison: this answer must pass check_kmeans_step.


def variant_kmeans_step(expected, args):
    """The expected answer with the clusters numbered in reverse order (centroids and labels)."""
    centroids, labels = np.asarray(expected[0]), np.asarray(expected[1])
    k = centroids.shape[0]
    return centroids[::-1].copy(), (k - 1 - labels).astype(np.int64)
