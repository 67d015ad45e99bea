# threat: returns strings that look like the answer
# expect: invalid_output, invalid_output, invalid_output
def double(x):
    return [str(2 * v) for v in x]
