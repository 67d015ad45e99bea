# threat: segfaults through ctypes
# expect: crashed, crashed, not_run
import ctypes


def double(x):
    ctypes.string_at(0)
