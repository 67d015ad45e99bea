# threat: prints hundreds of MB to stdout and stderr, and the right answer
# expect: passed, passed, passed
import sys

CHUNK = "x" * (1 << 20)


def double(x):
    for _ in range(100):
        sys.stdout.write(CHUNK)
        sys.stderr.write(CHUNK)
    return [2 * v for v in x]
