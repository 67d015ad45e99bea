# threat: forks 8 children that each hold 100 MiB at once (800 MiB, against a 512 MiB limit meant
# for the whole submission); each child alone stays under the per-process address-space limit
# held: fewer than 8 children ever hold their memory at the same time (or the run is a memory_limit)
import os
import select

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
holding = b""
while len(holding) < CHILDREN:  # until all hold their block, or none has for a second
    ready, _, _ = select.select([ready_r], [], [], 1.0)
    chunk = os.read(ready_r, 64) if ready else b""
    if not chunk:  # the others died trying (the OOM killer), or are still trying
        break
    holding += chunk
verdict = "BROKEN" if len(holding) == CHILDREN else "held"
print(f"redteam fork_memory: {verdict}: {len(holding)} of {CHILDREN} children held 100 MiB")


def double(x):
    return [2 * v for v in x]
