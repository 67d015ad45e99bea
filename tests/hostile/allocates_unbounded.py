# threat: allocates memory without bound
# expect: memory_limit, memory_limit, memory_limit
def double(x):
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))
