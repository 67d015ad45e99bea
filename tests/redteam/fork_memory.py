# threat: forks 8 children that each hold 100 MiB at once (800 MiB, against a 512 MiB limit meant
# for the whole submission); each child alone stays under the per-process address-space limit
# held: fewer than 8 children ever hold their memory at the same time (or the run is a memory_limit)
import os
import select
import time

CHILDREN, SIZE = 8, 100 << 20

ready_r, ready_w = os.pipe()
pids = []
for _ in range(CHILDREN):
    pid = os.fork()
    if pid == 0:
        try:
            block = b"\1" * SIZE  # written: resident, not just reserved
            os.write(ready_w, b"+")
            select.select([], [], [], 20)  # hold it until the grader ends the run
            del block
        finally:
            os._exit(0)
    pids.append(pid)
os.close(ready_w)
holding, died, deadline = 0, set(), time.monotonic() + 4  # within the import's 5 s
while holding + len(died) < CHILDREN and time.monotonic() < deadline:
    ready, _, _ = select.select([ready_r], [], [], 0.05)
    if ready:
        holding += len(os.read(ready_r, 64))
    for pid in pids:  # a child that died trying (the OOM killer) is not holding
        if pid not in died and os.waitpid(pid, os.WNOHANG)[0]:
            died.add(pid)
time.sleep(0.1)  # a child the OOM killer took as the last one came in is gone by now
died |= {pid for pid in pids if pid not in died and os.waitpid(pid, os.WNOHANG)[0]}
verdict = "BROKEN" if holding == CHILDREN and not died else "held"
print(f"redteam fork_memory: {verdict}: {holding} of {CHILDREN} children held 100 MiB")


def double(x):
    return [2 * v for v in x]
