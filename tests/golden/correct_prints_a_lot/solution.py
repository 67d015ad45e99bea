import numpy as np

print("importing my solution")


def softmax_jacobian(x):
    for _ in range(2000):
        print("debugging output " * 10)
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s /= s.sum()
    return np.diag(s) - np.outer(s, s)
