import math


def softmax(x):
    m = max(x)
    e = [math.exp(v - m) for v in x]
    t = sum(e)
    return [v / t for v in e]


def softmax_jacobian(x):
    s = softmax(x)
    return tuple(tuple(si * ((i == j) - sj) for j, sj in enumerate(s)) for i, si in enumerate(s))
