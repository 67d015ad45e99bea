# threat: exhausts file descriptors
# expect: runtime_error, runtime_error, runtime_error
import os

held = []


def double(x):
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
