# Plain Python, O(n): the softmax, the dot product, then one pass.
import math


def softmax_backward(g, x):
    m = max(x)
    e = [math.exp(v - m) for v in x]
    t = sum(e)
    s = [v / t for v in e]
    dot = sum(gi * si for gi, si in zip(g, s))
    return [si * (gi - dot) for gi, si in zip(g, s)]
