# threat: returns an ndarray subclass whose comparisons always succeed
# expect: wrong_answer, wrong_answer, wrong_answer
import numpy as np


class Agreeable(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(other))

    def __array__(self, dtype=None, copy=None):
        return np.asarray(np.zeros(self.shape), dtype=dtype)


def double(x):
    return np.full(len(x), 123.0).view(Agreeable)
