# Plain (non-inverted) dropout: kept entries are not divided by 1 - p.
import numpy as np


def dropout(x, p, rng):
    return x * (rng.random(x.shape) >= p)
