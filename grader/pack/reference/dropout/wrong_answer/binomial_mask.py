# Statistically valid inverted dropout, but it ignores the seed contract (rng.binomial draws a
# different mask from the same seed). Under the contract: wrong_answer. Under the seed-free
# distribution checker (check_dropout_distribution) it would be accepted.
import numpy as np


def dropout(x, p, rng):
    mask = rng.binomial(1, 1 - p, size=x.shape)
    return x * mask / (1 - p)
