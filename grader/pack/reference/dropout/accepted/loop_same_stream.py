# One draw per entry in C order: rng.random() called x.size times consumes the stream exactly as
# rng.random(x.shape) does, so the mask is the same.
import numpy as np


def dropout(x, p, rng):
    out = np.zeros_like(x, dtype=float)
    flat_in, flat_out = x.reshape(-1), out.reshape(-1)
    for i in range(flat_in.size):
        if rng.random() >= p:
            flat_out[i] = flat_in[i] / (1 - p)
    return out
