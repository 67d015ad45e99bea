# threat: returns None
# expect: invalid_output, invalid_output, invalid_output
def double(x):
    return None
