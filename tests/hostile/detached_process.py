# threat: starts a detached process (its own session) meant to outlive the grader's run
# expect: passed, passed, passed
import subprocess

subprocess.Popen(
    ["sleep", "86.75309"],
    start_new_session=True,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)


def double(x):
    return [2 * v for v in x]
