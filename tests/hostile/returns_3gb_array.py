# threat: returns a 3 GB array
# expect: memory_limit, memory_limit, memory_limit
import numpy as np


def double(x):
    return np.broadcast_to(np.float64(1.0), (20000, 20000))  # 3.2 GB once made contiguous
