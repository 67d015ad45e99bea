import numpy as np


def dropout(x, p, rng):
    mask = rng.random(x.shape) >= p
    return x * mask / (1 - p)
