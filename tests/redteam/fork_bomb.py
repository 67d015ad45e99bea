# threat: starts as many processes as it can (up to 200), each waiting, to load the machine
# held: the number of its processes is bounded (the container allows 64)
import os
import select

started = 0
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        select.select([], [], [], 20)  # wait until the grader ends the run
        os._exit(0)
    started += 1
verdict = "BROKEN" if started >= 200 else "held"
print(f"redteam fork_bomb: {verdict}: {started} processes started")


def double(x):
    return [2 * v for v in x]
