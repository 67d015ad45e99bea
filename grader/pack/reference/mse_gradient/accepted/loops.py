# Per-sample loops in plain Python; returns a list for dW and floats for the rest.


def mse_gradient(X, y, W, b):
    n, d = len(X), len(W)
    loss, dW, db = 0.0, [0.0] * d, 0.0
    for i in range(n):
        pred = b + sum(X[i][j] * W[j] for j in range(d))
        r = pred - y[i]
        loss += r * r
        db += 2 * r
        for j in range(d):
            dW[j] += 2 * r * X[i][j]
    return loss / n, [g / n for g in dW], db / n
