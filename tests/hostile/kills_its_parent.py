# threat: kills its parent process (the grader, or the fork server of a batch job), then answers
# expect: passed, passed, passed
import os
import signal


def double(x):
    try:
        os.kill(os.getppid(), signal.SIGKILL)
    except OSError:
        pass
    return [2 * v for v in x]
