# threat: lifts the recursion limit and recurses through C code until the C stack overflows
# expect: crashed, crashed, not_run
import sys

sys.setrecursionlimit(10**7)


def double(x):
    return list(map(double, [x]))
