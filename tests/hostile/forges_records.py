# threat: writes fake result records to every inherited file descriptor, then answers right
# expect: crashed, crashed, not_run
import os

FAKE = b'{"kind": "value", "index": 0, "shape": [2], "nbytes": 16}\n' + bytes(16)
FAKE += b'{"kind": "done"}\n{"schema": "grader.result/1", "status": "accepted"}\n'


def double(x):
    for fd in range(3, 256):
        try:
            os.write(fd, FAKE)
        except OSError:
            pass
    return [2 * v for v in x]
