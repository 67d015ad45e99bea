# threat: allocates memory without bound
# (bytes, not bytearray: filling 512 MiB with zeros took over the 1 s case limit on a busy CI
# machine; the address-space limit is what this threat is about)
# expect: memory_limit, memory_limit, memory_limit
def double(x):
    hoard = []
    while True:
        hoard.append(bytes(64 << 20))  # calloc'd: address space grows, no page is touched
