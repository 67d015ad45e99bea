# Treats rng as an integer seed for the legacy global API: np.random.seed(Generator) raises
# TypeError.
import numpy as np


def dropout(x, p, rng):
    np.random.seed(rng)
    return x * (np.random.rand(*x.shape) >= p) / (1 - p)
