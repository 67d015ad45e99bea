# threat: mutates its argument in place
# expect: passed, passed, passed
def double(x):
    for i in range(len(x)):
        x[i] *= 2
    out = list(x)
    x.clear()
    return out
