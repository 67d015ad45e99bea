# threat: returns a ragged nested list
# expect: invalid_output, invalid_output, invalid_output
def double(x):
    return [[2 * v] * (i + 1) for i, v in enumerate(x)] + [[1.0, 2.0]]
