# threat: kills itself with a signal
# expect: crashed, crashed, not_run
import os
import signal


def double(x):
    os.kill(os.getpid(), signal.SIGKILL)
