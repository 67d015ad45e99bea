# One example at a time with math.log; only the term of the true class is computed.
import math


def binary_cross_entropy(p, y, eps=1e-7):
    total = 0.0
    for pi, yi in zip(p, y):
        pi = min(max(float(pi), eps), 1.0 - eps)
        total += -math.log(pi) if yi == 1 else -math.log(1.0 - pi)
    return total / len(p)
