# Four nested Python loops over all (M*Q)^2 entries, recomputing softmax values per entry.
import math


def softmax_jacobian_full(z):
    m, q = len(z), len(z[0])

    def s(p, a):
        top = max(z[p])
        return math.exp(z[p][a] - top) / sum(math.exp(v - top) for v in z[p])

    out = [[[[0.0] * q for _ in range(m)] for _ in range(q)] for _ in range(m)]
    for p in range(m):
        for a in range(q):
            for i in range(m):
                for j in range(q):
                    same = 1.0 if p == i else 0.0
                    out[p][a][i][j] = same * s(p, a) * ((1.0 if a == j else 0.0) - s(i, j))
    return out
