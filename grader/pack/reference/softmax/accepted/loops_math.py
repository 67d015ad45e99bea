# Plain Python with math.exp after the max shift, rounded to 4 decimals.
import math


def softmax(x):
    top = max(x)
    exps = [math.exp(v - top) for v in x]
    total = sum(exps)
    return [round(v / total, 4) for v in exps]
