# threat: recursion without end
# expect: runtime_error, runtime_error, runtime_error
def double(x):
    return double(x)
