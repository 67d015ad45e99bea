# Recomputes the softmax normaliser inside the double loop: O(n^3), too slow for n = 1000.
import math


def softmax_jacobian(x):
    n = len(x)
    m = max(x)

    def s(i):
        return math.exp(x[i] - m) / sum(math.exp(v - m) for v in x)

    return [[s(i) * ((i == j) - s(j)) for j in range(n)] for i in range(n)]
