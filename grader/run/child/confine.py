"""Giving up privileges and shared resources before a submission's code exists in the process.

Loaded by the fork server (``server.py``), standard library only (Linux, through ctypes).
``prepare`` runs once in the server, ``mount_run``/``unmount_run`` around each run, ``confine``
in every worker it forks, right after the fork and before the worker reads the submission. A
``plan`` comes from the grader:

* ``uid``/``gid``: a dedicated, unprivileged identity (the grader asks for one when the server
  runs as root): the worker switches to it, so it can neither signal nor ``prlimit`` the grader,
  the server or another learner's worker. ``reach``: the paths that identity must be able to
  reach (the interpreter, its libraries, the run folders); ``prepare`` makes a folder on the way
  that others may not enter (``/root``, mode 700) passable in the server's own mount namespace,
  by covering it with a small tmpfs that holds only the entries on the way.
* ``tmpfs``: bytes of each run's working directory, a fresh tmpfs of that size (0: the directory
  as it is), so that filling it costs only that run; it also covers ``/tmp``, ``/var/tmp`` and
  ``/dev/shm`` for the run (but not one that holds a path of ``keep``, such as a virtual
  environment under ``/tmp``: Landlock still keeps writes out of it), and is gone with
  everything in it when the run ends. Where a covered folder holds the working directory (the
  job's folder under ``/tmp``), the worker works in that folder: it is the same tmpfs.

The server takes, where the kernel allows it, IPC, network and mount namespaces of its own (as
root directly; otherwise inside a new user namespace that maps only its own uid): no network is
reachable from it, and the runs' mounts stay in it. Every worker then drops every capability
(bounding set, ambient, inheritable), sets no_new_privs, and installs a small seccomp filter
(x86-64, aarch64): no ``prlimit`` of another process, no ptrace or ``process_vm_*``, no System V
IPC or POSIX message queues and no keyrings (they outlive a process: nothing can carry data from
one run to the next), no Unix socket (a socket file of the host could be reached by its path;
``socketpair`` works), no new namespaces, no ``memfd_create`` or io_uring (memory and I/O
beyond the limits and the filter). What held is returned as a report, which the server sends to
the grader before any of the submission's code has run.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import platform
import stat
import struct
from typing import Any

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWNET = 0x20000, 0x08000000, 0x10000000, 0x40000000
MNT_DETACH = 2
CLONE_NAMESPACES = 0x7E020000  # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE, MS_SLAVE = 2, 4, 0x1000, 0x4000, 1 << 18, 1 << 19
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 22, 38, 47, 4
CAP_SYS_ADMIN, CAP_SETUID = 21, 7
SHARED_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # world-writable: covered by the working directory
INODES = 16384  # files in a working directory tmpfs
SIGKILL = 9

_libc = ctypes.CDLL(None, use_errno=True)


class Refused(Exception):
    """A step the plan requires could not be taken: the worker must not run."""


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    done = _libc.mount(_bytes(source), target.encode(), _bytes(fstype), flags, _bytes(data or None))
    _check(done, f"mount {target}")


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]  # fmt: skip


_CAP_HEADER = struct.pack("II", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process


def capable(cap: int) -> bool:
    """Whether this process holds ``cap`` in its effective set (``capget``: what
    ``/proc/self/status`` shows as CapEff, without opening and parsing a file in every worker)."""
    data = (_CapData * 2)()
    if _libc.capget(ctypes.c_char_p(_CAP_HEADER), data) != 0:
        return False
    return bool(data[cap // 32].effective >> (cap % 32) & 1)


# ---------------------------------------------------------------------------------------------
# The server, once.


def prepare(plan: dict[str, Any]) -> dict[str, Any]:
    """In the server: IPC, network and mount namespaces of its own, and, as root when its workers
    take a dedicated uid, every path of ``plan["reach"]`` reachable by any user. Returns what
    held (``namespaces``, and ``problems`` in words)."""
    report: dict[str, Any] = {"namespaces": [], "problems": []}
    _last_cap(), _compiled()  # once here rather than in every worker
    flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET
    try:
        if capable(CAP_SYS_ADMIN):
            _check(_libc.unshare(flags), "unshare")
        else:
            uid, gid = os.geteuid(), os.getegid()
            _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # else /proc/self is root's: no maps
            _check(_libc.unshare(CLONE_NEWUSER | flags), "unshare")
            maps = (
                ("setgroups", "deny"),
                ("uid_map", f"{uid} {uid} 1"),
                ("gid_map", f"{gid} {gid} 1"),
            )
            for name, text in maps:
                with open(f"/proc/self/{name}", "w") as f:
                    f.write(text)
            _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        _mount(None, "/", None, MS_REC | MS_SLAVE)  # the host's mounts reach us, ours not it
    except OSError as exc:
        report["problems"].append(f"no namespaces of its own ({exc.strerror or exc})")
        return report
    report["namespaces"] = ["ipc", "net", "mnt"]
    if plan.get("uid") is not None:
        _open_the_way([os.path.realpath(p) for p in plan.get("reach", ()) if os.path.exists(p)])
    return report


def mount_run(plan: dict[str, Any], workdir: str) -> tuple[list[str], str]:
    """In the server, before a run: a tmpfs of ``plan["tmpfs"]`` bytes on ``workdir``, also
    covering the world-writable folders (``_covered``). Returns what it mounted ([]: no tmpfs,
    the directory is used as it is) and where the worker finds the tmpfs: ``workdir``, or the
    shared folder it now covers when that folder held ``workdir`` (a job folder under /tmp)."""
    size = int(plan.get("tmpfs") or 0)
    if not size:
        return [], workdir
    uid, gid = plan.get("uid"), plan.get("gid")
    owner = f",uid={uid},gid={gid}" if uid is not None else ""
    options = f"size={size},nr_inodes={INODES},mode=0700{owner}"
    try:
        _mount("tmpfs", workdir, "tmpfs", MS_NOSUID | MS_NODEV, options)
    except OSError:
        return [], workdir
    real, mounted, folder = os.path.realpath(workdir), [workdir], workdir
    run = os.open(workdir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)  # reached once covered
    try:
        for shared in _covered(tuple(plan.get("keep", ()))):
            with contextlib.suppress(OSError):  # Landlock still keeps writes inside it
                _mount(f"/proc/self/fd/{run}", shared, None, MS_BIND)
                mounted.append(shared)
                folder = shared if _under(real, os.path.realpath(shared)) else folder
    finally:
        os.close(run)
    return mounted, folder


@functools.cache
def _covered(keep: tuple[str, ...]) -> list[str]:
    """The shared folders a run's tmpfs covers: all but one that holds a path of ``keep`` (a
    virtual environment under /tmp: the interpreter's code). The same for every run of a
    server: worked out once."""
    kept = [os.path.realpath(p) for p in keep]
    covered = []
    for shared in SHARED_DIRS:
        folder = os.path.realpath(shared)
        holds_code = any(_under(p, folder) or p == folder for p in kept)
        if os.path.isdir(shared) and not holds_code:
            covered.append(shared)
    return covered


def unmount_run(mounted: list[str]) -> None:
    """In the server, once a run's processes are all gone: what ``mount_run`` mounted, with
    every file in it."""
    for target in reversed(mounted):
        _libc.umount2(target.encode(), MNT_DETACH)


def _open_the_way(paths: list[str]) -> None:
    """Cover each folder on the way to ``paths`` that others cannot enter with a tmpfs holding
    only the entries on the way (bound to the originals), shallowest first, until none is left."""
    for _ in range(64):
        blocked = _first_blocked(paths)
        if blocked is None:
            return
        names = sorted(
            {p[len(blocked) :].lstrip("/").split("/")[0] for p in paths if _under(p, blocked)}
        )
        kept = [(n, os.open(os.path.join(blocked, n), os.O_PATH | os.O_CLOEXEC)) for n in names]
        try:
            _mount("tmpfs", blocked, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k")
            for name, fd in kept:
                target = os.path.join(blocked, name)
                if stat.S_ISDIR(os.fstat(fd).st_mode):
                    os.mkdir(target)
                else:
                    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
                _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
        finally:
            for _, fd in kept:
                os.close(fd)
    raise Refused("too many folders on the way to the interpreter are closed to other users")


def _under(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


def _first_blocked(paths: list[str]) -> str | None:
    """The shallowest folder strictly above one of ``paths`` that others may not enter."""
    found: list[str] = []
    for path in paths:
        parts = path.strip("/").split("/")
        for depth in range(len(parts) - 1):
            folder = "/" + "/".join(parts[: depth + 1])
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                found.append(folder)
                break
    return min(found, key=lambda f: (f.count("/"), f)) if found else None


# ---------------------------------------------------------------------------------------------
# Each worker.


def confine(plan: dict[str, Any], workdir: str) -> dict[str, Any]:
    """Confine this freshly forked worker as ``plan`` says and enter ``workdir``; returns what
    held. Raises Refused when the dedicated uid was asked for and cannot be taken."""
    uid, gid = plan.get("uid"), plan.get("gid")
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # its /proc files its own (the server's are not)
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as adj:
        adj.write("1000")  # out of memory in the container: the run's processes go first
    if uid is not None and not capable(CAP_SETUID):
        raise Refused("the server cannot switch to the dedicated uid (no CAP_SETUID)")
    os.chdir(workdir)
    _drop_privileges(uid, gid)
    seccomp = _seccomp()
    report: dict[str, Any] = {"uid": os.getuid(), "seccomp": seccomp, "problems": []}
    if seccomp is None:
        report["problems"].append(f"no seccomp filter for {platform.machine()}")
    return report


def _drop_privileges(uid: int | None, gid: int | None) -> None:
    """No capability in any set, the dedicated uid and gid if given, no_new_privs; still killed
    with the server (credential changes reset the death signal) and able to read its own
    ``/proc`` (they reset dumpability too)."""
    for cap in range(_last_cap() + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails only where already dropped
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if uid is not None and gid is not None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
            raise Refused("the dedicated uid did not hold")
    empty = ctypes.create_string_buffer(24)  # effective, permitted, inheritable: nothing, twice
    _check(_libc.capset(ctypes.c_char_p(_CAP_HEADER), empty), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if capable(CAP_SYS_ADMIN) or capable(CAP_SETUID):
        raise Refused("capabilities remained after they were dropped")
    _libc.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)


@functools.cache
def _last_cap() -> int:
    """The highest capability number this kernel knows (read once, in the server)."""
    with open("/proc/sys/kernel/cap_last_cap") as f:
        return int(f.read())


# ---------------------------------------------------------------------------------------------
# The seccomp filter: a classic BPF program over (arch, nr, args).

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_DENIED = {  # name: (x86-64, aarch64)
    "shmget": (29, 194),
    "semget": (64, 190),
    "msgget": (68, 186),
    "mq_open": (240, 180),
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "kcmp": (312, 272),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "keyctl": (250, 219),
    "unshare": (272, 97),
    "setns": (308, 268),
    "memfd_create": (319, 279),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
}
_PRLIMIT, _SOCKET, _CLONE, _CLONE3 = (302, 261), (41, 198), (56, 220), (435, 435)
AF_UNIX, EPERM, ENOSYS = 1, 1, 38
_LD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
ALLOW, ERRNO = 0x7FFF0000, 0x00050000


def filter_program(machine: str) -> list[tuple[int, int, int, int]] | None:
    """The filter as (code, jt, jf, k) instructions, or None for an architecture not known here."""
    if machine not in AUDIT_ARCH:
        return None
    at = 0 if machine == "x86_64" else 1
    prog: list[tuple[int, int, int, int]] = []
    deny = ERRNO | EPERM

    def arg0_low() -> tuple[int, int, int, int]:
        return (_LD, 0, 0, 16)  # seccomp_data.args[0], low 32 bits (little-endian)

    # the blocks at the end, each ending in a return; the checks jump to them
    blocks = {
        "prlimit": [arg0_low(), (_JEQ, 1, 0, 0), (_RET, 0, 0, deny), (_LD, 0, 0, 20),
                    (_JEQ, 0, 1, 0), (_RET, 0, 0, ALLOW), (_RET, 0, 0, deny)],
        "socket": [arg0_low(), (_JEQ, 0, 1, AF_UNIX), (_RET, 0, 0, deny), (_RET, 0, 0, ALLOW)],
        "clone": [arg0_low(), (_JSET, 0, 1, CLONE_NAMESPACES), (_RET, 0, 0, deny),
                  (_RET, 0, 0, ALLOW)],
        "deny": [(_RET, 0, 0, deny)],
        "enosys": [(_RET, 0, 0, ERRNO | ENOSYS)],
    }  # fmt: skip
    checks: list[tuple[int, str]] = [(_CLONE3[at], "enosys"), (_PRLIMIT[at], "prlimit")]
    checks += [(_SOCKET[at], "socket"), (_CLONE[at], "clone")]
    checks += [(numbers[at], "deny") for numbers in _DENIED.values()]
    head = [(_LD, 0, 0, 4), (_JEQ, 1, 0, AUDIT_ARCH[machine]), (_RET, 0, 0, deny), (_LD, 0, 0, 0)]
    if machine == "x86_64":  # the x32 ABI's numbers: none of ours
        head += [(_JGE, 0, 1, 0x40000000), (_RET, 0, 0, deny)]
    prog += head
    body_start = len(prog)
    after_checks = body_start + len(checks) + 1  # the checks, then "allow"
    offsets: dict[str, int] = {}
    position = after_checks
    for name, block in blocks.items():
        offsets[name] = position
        position += len(block)
    for i, (number, target) in enumerate(checks):
        here = body_start + i
        prog.append((_JEQ, offsets[target] - here - 1, 0, number))
    prog.append((_RET, 0, 0, ALLOW))
    for block in blocks.values():
        prog += block
    return prog


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


@functools.cache
def _compiled() -> tuple[_Fprog, Any] | None:
    """This machine's filter, ready for ``prctl``, or None: built once, in the server, and
    inherited by every worker (``prepare`` builds it), which then only installs it."""
    prog = filter_program(platform.machine())
    if prog is None:
        return None
    buffer = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *ins) for ins in prog))
    return _Fprog(len(prog), ctypes.addressof(buffer)), buffer  # the buffer stays alive with it


def _seccomp() -> str | None:
    """Install the filter (no_new_privs is set); returns what it blocks, or None."""
    compiled = _compiled()
    if compiled is None:
        return None
    if _libc.prctl(PR_SET_SECCOMP, 2, ctypes.byref(compiled[0]), 0, 0) != 0:
        return None
    return "seccomp"
