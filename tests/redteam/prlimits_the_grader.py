# threat: sets the open-file limit of its parent (the grader, or the fork server) to 0, so that
# the grader can no longer write the report nor clean up
# held: the kernel refuses (the grader's limits are untouched)
import os
import resource

try:
    resource.prlimit(os.getppid(), resource.RLIMIT_NOFILE, (0, 0))
    print("redteam prlimits_the_grader: BROKEN: the parent's open-file limit is now 0")
except OSError as exc:
    print(f"redteam prlimits_the_grader: held: {type(exc).__name__} ({exc.strerror})")


def double(x):
    return [2 * v for v in x]
