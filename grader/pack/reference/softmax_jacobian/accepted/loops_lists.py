# Plain Python double loop over lists, with math.exp after a max shift.
import math


def softmax_jacobian(x):
    top = max(x)
    exps = [math.exp(v - top) for v in x]
    total = sum(exps)
    s = [v / total for v in exps]
    n = len(s)
    jac = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i == j:
                jac[i][j] = s[i] * (1 - s[i])
            else:
                jac[i][j] = -s[i] * s[j]
    return jac
