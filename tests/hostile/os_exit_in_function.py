# threat: calls os._exit(0) in the function, skipping every handler
# expect: crashed, crashed, not_run
import os


def double(x):
    os._exit(0)
