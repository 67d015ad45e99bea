# threat: sleeps instead of computing
# expect: time_limit, time_limit, not_run
import time


def double(x):
    time.sleep(60)
