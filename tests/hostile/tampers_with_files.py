# threat: writes into its working directory and tries to append to every problem spec it finds
# expect: passed, passed, passed
import glob
import os

open("scratch.txt", "w").write("mine")
ROOTS = ["/proc/%d/cwd" % os.getppid(), "/tmp", "/work", os.path.expanduser("~"), "/"]
for root in ROOTS:
    try:
        for spec in glob.glob(os.path.join(root, "**", "problems", "*.yaml"), recursive=True)[:20]:
            try:
                with open(spec, "a") as f:
                    f.write("\n# tampered\n")
            except OSError:
                pass
    except OSError:
        pass


def double(x):
    return [2 * v for v in x]
