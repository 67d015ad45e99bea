# The classic: without `else`, the off-diagonal formula overwrites the diagonal.
import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s = s / s.sum()
    jac = np.diag(s)
    for i in range(len(jac)):
        for j in range(len(jac)):
            if i == j:
                jac[i][j] = s[i] * (1 - s[i])
            jac[i][j] = -s[i] * s[j]
    return jac
