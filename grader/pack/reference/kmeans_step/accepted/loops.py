# Plain loops: lists in, lists out.


def kmeans_step(X, centroids):
    X = X.tolist()
    C = centroids.tolist()
    labels = []
    for x in X:
        best, best_d = 0, None
        for j, c in enumerate(C):
            d = sum((a - b) ** 2 for a, b in zip(x, c))
            if best_d is None or d < best_d:
                best, best_d = j, d
        labels.append(best)
    new = []
    for j, c in enumerate(C):
        pts = [x for x, l in zip(X, labels) if l == j]
        if pts:
            new.append([sum(col) / len(pts) for col in zip(*pts)])
        else:
            new.append(list(c))
    return new, labels
