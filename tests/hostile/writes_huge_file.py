# threat: fills the disk: writes a file far larger than the file-size limit
# expect: runtime_error, runtime_error, runtime_error
def double(x):
    with open("huge.bin", "wb") as f:
        for _ in range(64):
            f.write(bytes(1 << 20))
    return [2 * v for v in x]
