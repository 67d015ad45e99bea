# threat: calls sys.exit(0) in the function
# expect: runtime_error, runtime_error, runtime_error
import sys


def double(x):
    sys.exit(0)
