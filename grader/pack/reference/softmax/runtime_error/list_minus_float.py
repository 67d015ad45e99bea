# Subtracts a float from a Python list: TypeError.
import math


def softmax(x):
    z = x - max(x)
    return [math.exp(v) for v in z]
