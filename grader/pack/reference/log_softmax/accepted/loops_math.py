# Plain Python: the shifted log-sum-exp with math.
import math


def log_softmax(x):
    m = max(x)
    lse = m + math.log(sum(math.exp(v - m) for v in x))
    return [v - lse for v in x]
