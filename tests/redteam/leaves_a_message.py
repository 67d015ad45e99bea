# threat: leaves data where the next submission can find it (a System V message queue and shared
# memory segment, a key in the user's keyring, files in /dev/shm and /tmp): the hidden inputs of
# one run carried to another learner's run, or memory held after the run (graded twice in a row)
# held: the second run finds nothing (and nothing of it remains on the machine afterwards)
import ctypes
import os

KEY = 0x6772_0001  # the test gives each run its own key
NAME = f"grader-redteam-{KEY:x}"
IPC_CREAT = 0o1000
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.shmat.restype = ctypes.c_void_p
found, left = [], []


class Message(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 64)]


queue = libc.msgget(KEY, 0)
if queue >= 0:
    message = Message()
    libc.msgrcv(queue, ctypes.byref(message), 64, 0, 0o4000)  # IPC_NOWAIT
    found.append(f"a message queue saying {message.mtext.decode(errors='replace')!r}")
elif (queue := libc.msgget(KEY, IPC_CREAT | 0o666)) >= 0:
    message = Message(1, b"hidden input: [3.0]")
    if libc.msgsnd(queue, ctypes.byref(message), 64, 0) == 0:
        left.append("message queue")
segment = libc.shmget(KEY + 1, 0, 0)
if segment >= 0:
    found.append("a shared memory segment")
elif (segment := libc.shmget(KEY + 1, 16 << 20, IPC_CREAT | 0o666)) >= 0:
    address = libc.shmat(segment, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        ctypes.memset(address, 1, 16 << 20)
        left.append("16 MiB shared memory segment")
KEYRING, SEARCH = -4, 10  # KEY_SPEC_USER_KEYRING, KEYCTL_SEARCH
keyctl = 250 if os.uname().machine == "x86_64" else 219
key = libc.syscall(keyctl, SEARCH, KEYRING, b"user", NAME.encode(), 0)
if key > 0:  # KEYCTL_SEARCH found it
    found.append("a key in the user's keyring")
else:
    add_key = 248 if os.uname().machine == "x86_64" else 217
    payload = b"hidden input: [3.0]"
    if libc.syscall(add_key, b"user", NAME.encode(), payload, len(payload), KEYRING) > 0:
        left.append("keyring key")
paths = [os.path.join(folder, NAME) for folder in ("/dev/shm", "/tmp")]
found += [f"the file {path}" for path in paths if os.path.exists(path)]  # before writing any
for path in paths:
    try:
        with open(path, "w") as f:
            f.write("hidden input: [3.0]")
        left.append(path)
    except OSError:
        pass
if found:
    print(f"redteam leaves_a_message: BROKEN: found {'; '.join(found)}")
else:
    print(f"redteam leaves_a_message: held: found nothing; left {', '.join(left) or 'nothing'}")


def double(x):
    return [2 * v for v in x]
