# Returns the boolean mask z > 0 instead of the values. On the {0, 1} hidden case its values
# even coincide with max(z, 0) as numbers: a bool array where floats are expected must be
# rejected (verdict invalid_output, "a bool array where floats are expected").
import numpy as np


def relu(z):
    return np.asarray(z) > 0
