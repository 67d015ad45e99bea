# threat: four processes, each in a session of its own, fork as fast as they can (every process
# forks again, so each one killed is replaced at once): a fork server that kills one process at a
# time never catches up, gives up, and the swarm, re-parented past it, outlives the grader (a
# normal user in process mode). Self-limited: at most 150 processes of its user (RLIMIT_NPROC,
# or the grader's lower limit) and 20 seconds; not started where that limit does not hold (root,
# inside bubblewrap too when the grader runs as root: a fork beyond a limit of 1 succeeds)
# held: nothing of the swarm is running once the run has ended (the test looks for it)
import os
import resource
import time

END = time.time() + 20


def swarm():
    while time.time() < END:
        try:
            if os.fork() == 0:
                continue
        except OSError:
            time.sleep(0.001)
    os._exit(0)


def limited():
    """Whether RLIMIT_NPROC holds for this process: a fork beyond a limit of 1 fails."""
    _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    resource.setrlimit(resource.RLIMIT_NPROC, (1, hard))
    try:
        pid = os.fork()
    except OSError:
        cap = 150 if hard == resource.RLIM_INFINITY else min(150, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (cap, hard))
        return True
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return False


started = 0
if limited():
    for _ in range(4):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            os.setsid()
            swarm()
        started += 1
    time.sleep(0.5)  # growing
print(f"redteam swarm_outlives_the_run: held: {started} swarms started; none may outlive the run")


def double(x):
    return [2 * v for v in x]
