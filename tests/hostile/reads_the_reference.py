# threat: finds the reference solution on disk and calls it
# expect: wrong_answer, wrong_answer, wrong_answer
import glob
import os

cheat = None
ROOTS = ["/proc/%d/cwd" % os.getppid(), "/tmp", os.path.expanduser("~")]
for root in ROOTS:
    try:
        for path in glob.glob(os.path.join(root, "**", "reference", "double.py"), recursive=True):
            try:
                namespace = {}
                exec(open(path).read(), namespace)
                cheat = namespace["double"]
                break
            except OSError:
                continue
    except OSError:
        pass
    if cheat:
        break


def double(x):
    if cheat is not None:
        return cheat(x)
    return [0.0] * len(x)
