"""What this system offers for isolating a run, and the one door to each Linux-only facility.

The grader runs on Linux, macOS and Windows. The strong isolation modes lean on Linux: a child
subreaper (``prctl``), the process table under ``/proc``, ``fork`` for the batch fork server,
resource limits in the worker, bubblewrap's namespaces. Each facility of the grader's side is
reached through a function here, after a check, and nothing else in the package imports
``fcntl`` or calls ``prctl``; where one is missing the grader falls back to the portable mode
(``portable.py``) and says so in the result's isolation field. (The worker's side, a separate
program, checks its own: ``child/worker.py`` applies the resource limits it can and reports the
rest; the fork server runs only where ``linux_processes`` said yes.)
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PR_SET_DUMPABLE, PR_GET_CHILD_SUBREAPER = 4, 37
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
F_SETPIPE_SZ = 1031  # Linux's fcntl command, when the fcntl module does not name it
PIPE_SIZE = 1 << 20
# new user, PID, network, IPC, UTS and cgroup namespaces; uid/gid nobody; killed with its parent
NOBODY = 65534
BWRAP_ISOLATE = (
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--uid",
    str(NOBODY),
    "--gid",
    str(NOBODY),
)

WINDOWS = sys.platform == "win32"


@functools.cache
def linux_processes() -> str | None:
    """None when the process and bubblewrap modes can run here; else what is missing.

    They need Linux's ``prctl`` (subreaper, death signal), ``/proc`` (to find what a submission
    left behind), ``fork`` (the batch fork server), and ``resource`` and ``fcntl``.
    """
    if not sys.platform.startswith("linux"):
        return f"the process isolation needs Linux (this is {sys.platform})"
    if not hasattr(os, "fork"):
        return "os.fork is not available"
    for module in ("resource", "fcntl"):
        try:
            importlib.import_module(module)
        except ImportError:
            return f"the {module} module is not available"
    pid = os.getpid()
    if not Path(f"/proc/{pid}/task/{pid}/children").is_file():  # e.g. WSL 1
        return "/proc does not list child processes"
    libc = _libc()
    if libc is None:
        return "the C library cannot be loaded through ctypes"
    import ctypes

    if libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(ctypes.c_int()), 0, 0, 0) != 0:
        return "prctl cannot make the grader a child subreaper"
    return None


def can_switch_uid(first: int, count: int) -> bool:
    """Whether this process (and so a fork server it starts) may switch to any uid and gid of
    ``first`` .. ``first + count - 1``: root with CAP_SETUID and CAP_SETGID (a container may have
    dropped them) in a user namespace that maps all of them (a rootless container maps few: the
    switch would fail in every worker). False whenever it cannot be told."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    try:
        status = Path("/proc/self/status").read_text()
        uids = Path("/proc/self/uid_map").read_text()
        gids = Path("/proc/self/gid_map").read_text()
    except OSError:
        return False
    # the same CapEff field ``child/confine.capable`` reads in the server (stdlib only, apart)
    effective = next(
        (line.split()[1] for line in status.splitlines() if line.startswith("CapEff:")), "0"
    )
    setid = int(effective, 16) >> 6 & 0b11 == 0b11  # CAP_SETGID (6) and CAP_SETUID (7)
    return setid and maps(uids, first, count) and maps(gids, first, count)


def maps(id_map: str, first: int, count: int) -> bool:
    """Whether an id map (the text of ``/proc/self/uid_map`` or ``gid_map``: lines of ``inside
    outside length``) maps every id of ``first`` .. ``first + count - 1``; False for a malformed
    one."""
    ranges = []
    for line in id_map.splitlines():
        fields = line.split()
        if len(fields) != 3 or not all(f.isdigit() for f in fields):
            return False
        ranges.append((int(fields[0]), int(fields[0]) + int(fields[2])))
    wanted, end = first, first + count
    for start, stop in sorted(ranges):  # contiguous ranges may cover it together
        if start <= wanted < stop:
            wanted = stop
    return wanted >= end


class BwrapProbe:
    """Whether bubblewrap works here: probed at most once, or told the answer (``assume``:
    ``cache.probe_sandbox`` remembers it between processes). A told answer can be wrong (the
    machine changed in a way its key does not see): ``recheck`` probes for real then."""

    def __init__(self) -> None:
        self.known = False
        self.problem: str | None = None  # None: it works; else why not
        self.told: Callable[[str | None], None] | None = None  # set while the answer is told

    def answer(self) -> str | None:
        if not self.known:
            self.problem, self.known = _probe_bwrap(), True
        return self.problem

    def assume(self, problem: str | None, correct: Callable[[str | None], None]) -> None:
        """Take ``problem`` as the answer; ``correct`` hears the real one if a recheck finds
        that it was wrong."""
        self.problem, self.known, self.told = problem, True, correct

    def recheck(self) -> str | None:
        """After bubblewrap failed to start: why it no longer works, when the answer was told
        (not probed in this process) and a probe now finds it broken; else None (the failure
        is not the probe's to explain). The answer is probed for real from then on."""
        correct, self.told = self.told, None
        if correct is None or self.problem is not None:
            return None
        self.problem = _probe_bwrap()
        correct(self.problem)
        return self.problem


@functools.cache
def bwrap_probe() -> BwrapProbe:
    """This process's probe: the machine does not change under a running grader."""
    return BwrapProbe()


def bwrap_problem() -> str | None:
    """None when bubblewrap works on this machine; else the reason it does not (probed once
    per process, unless the probe was told the answer: ``cache.probe_sandbox`` remembers it)."""
    return bwrap_probe().answer()


def _probe_bwrap() -> str | None:
    missing = linux_processes()
    if missing is not None:
        return f"bubblewrap needs Linux's process mechanisms ({missing})"
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    try:
        done = subprocess.run(
            [exe, "--ro-bind", "/", "/", *BWRAP_ISOLATE, "true"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run: {exc}"
    if done.returncode == 0:
        return None
    error = done.stderr.decode(errors="replace").strip().splitlines()
    return "bubblewrap cannot create namespaces here" + (f" ({error[-1]})" if error else "")


_SYSCTLS = (
    "/proc/sys/kernel/unprivileged_userns_clone",
    "/proc/sys/user/max_user_namespaces",
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
)


def bwrap_probe_key() -> str | None:
    """What decides the probe's answer, hashed: the bwrap binary, the kernel, the user and the
    sysctls that allow user namespaces; None when bwrap is not installed, or cannot be (not
    Linux: there is nothing to remember)."""
    import hashlib

    exe = shutil.which("bwrap")
    if exe is None or linux_processes() is not None:
        return None
    parts = [exe, str(os.getuid()), " ".join(os.uname())]
    with contextlib.suppress(OSError):
        stat = os.stat(exe)
        parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    for path in _SYSCTLS:
        try:
            parts.append(Path(path).read_text().strip())
        except OSError:
            parts.append("-")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@functools.cache
def _libc() -> Any:
    """The C library through ctypes (Linux, where the process modes use it), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError, ImportError):
        return None


def enlarge_pipe(fd: int) -> None:
    """Linux: a 1 MiB pipe moves big results in few wakeups. Elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import fcntl
    except ImportError:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", F_SETPIPE_SZ), PIPE_SIZE)


def private_memory() -> None:
    """For a process that holds expected values (a batch job): no process of the same user
    may ptrace it or read its memory (Linux), and results of a few MB reuse heap memory instead
    of faulting in fresh pages each time (glibc). Elsewhere, nothing."""
    libc = _libc()
    if libc is None:
        return
    with contextlib.suppress(AttributeError):
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(M_TRIM_THRESHOLD, 256 << 20)


def has_pending_data(fd: int) -> bool:
    """Whether a pipe we read holds bytes not read yet (or its end): POSIX ``select``, Windows
    ``PeekNamedPipe``. False when it cannot be told."""
    if sys.platform == "win32":
        import _winapi
        import msvcrt

        try:
            available, _ = _winapi.PeekNamedPipe(msvcrt.get_osfhandle(fd), 0)
        except OSError:
            return False
        return bool(available)
    try:
        readable, _, _ = select.select([fd], [], [], 0)
    except (OSError, ValueError):
        return False
    return bool(readable)


# ---------------------------------------------------------------------------------------------
# Control groups: where this process may make a container (a cgroup) for each run.

REQUIRED = ("memory", "pids")  # a container limits both, for all of a run's processes together
OPTIONAL = ("cpu", "cpuacct")  # a bandwidth of one CPU; CPU time accounted (v1: cpuacct)
NO_CGROUPS = "GRADER_CGROUPS"  # set to "off": no container, whatever the machine allows


@dataclass(frozen=True)
class CgroupBase:
    """Folders in which this process can make the cgroups of its runs: one per controller
    hierarchy (cgroup v1, as root), or one folder for all (cgroup v2: the root, or a subtree
    delegated to this user)."""

    version: int
    folders: dict[str, Path]  # controller -> the folder new groups go into

    @property
    def controllers(self) -> tuple[str, ...]:
        return tuple(sorted(self.folders))


@functools.cache
def cgroups() -> CgroupBase | str:
    """Where the runs' containers can be made here; else why not (said in every report)."""
    if os.environ.get(NO_CGROUPS, "").lower() in ("0", "off", "no"):
        return f"containers turned off ({NO_CGROUPS}=off)"
    if linux_processes() is not None:
        return "control groups are a Linux facility"
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text()
        membership = Path("/proc/self/cgroup").read_text()
    except OSError as exc:
        return f"cannot read /proc ({exc.strerror})"
    return find_cgroups(mountinfo, membership, os.geteuid(), os.environ.get("GRADER_CGROUP"))


def find_cgroups(
    mountinfo: str, membership: str, euid: int, delegated: str | None = None
) -> CgroupBase | str:
    """``cgroups`` from the texts of ``/proc/self/mountinfo`` and ``/proc/self/cgroup``.

    cgroup v1 hierarchies are used as root: a group under this process's own in each. cgroup v2:
    ``delegated`` (``$GRADER_CGROUP``, a folder with the controllers in its subtree and no process
    of its own), else, as root, the hierarchy's root, else the nearest ancestor of this process's
    group that this user may write and that passes the controllers on (a subtree systemd
    delegated to the user).
    """
    mounts: dict[str, tuple[Path, str]] = {}  # controller (v1) or "" (v2) -> (mount point, root)
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, kind = left.split(), right.split()
        if len(fields) < 5 or len(kind) < 3:
            continue
        point, root = Path(fields[4].replace("\\040", " ")), fields[3]
        if kind[0] == "cgroup2":
            mounts.setdefault("", (point, root))
        elif kind[0] == "cgroup":
            for option in kind[2].split(","):
                mounts.setdefault(option, (point, root))
    mine: dict[str, str] = {}  # controller (or "" for v2) -> this process's group
    for line in membership.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                mine[controller] = parts[2]
    v1 = {
        c: _inside(mounts[c], mine[c]) for c in (*REQUIRED, *OPTIONAL) if c in mounts and c in mine
    }
    if euid == 0 and all(c in v1 and os.access(v1[c], os.W_OK) for c in REQUIRED):
        return CgroupBase(1, {c: f for c, f in v1.items() if os.access(f, os.W_OK)})
    if "" not in mounts or "" not in mine:
        return "no writable cgroup hierarchy with the memory and pids controllers (needs root)"
    return _v2(_inside(mounts[""], mine[""]), mounts[""][0], euid, delegated)


def _inside(mount: tuple[Path, str], group: str) -> Path:
    point, root = mount
    relative = os.path.relpath(group, root) if group.startswith(root) else group.lstrip("/")
    return point if relative in (".", "") else point / relative.lstrip("/")


def _v2(own: Path, top: Path, euid: int, delegated: str | None) -> CgroupBase | str:
    candidates = [Path(delegated)] if delegated else []
    if euid == 0:
        candidates.append(top)
    candidates += [p for p in own.parents if p.is_relative_to(top)] if not delegated else []
    for folder in candidates:
        passed = _read_words(folder / "cgroup.subtree_control")
        if folder == top and euid == 0:
            available = _read_words(folder / "cgroup.controllers")
            missing = [c for c in REQUIRED if c not in passed and c in available]
            if missing:
                with contextlib.suppress(OSError):
                    (folder / "cgroup.subtree_control").write_text(
                        " ".join(f"+{c}" for c in missing)
                    )
                passed = _read_words(folder / "cgroup.subtree_control")
        usable = os.access(folder, os.W_OK) and os.access(folder / "cgroup.procs", os.W_OK)
        if usable and all(c in passed for c in REQUIRED):
            folders = {c: folder for c in (*REQUIRED, "cpu") if c in passed}
            return CgroupBase(2, folders)
    where = delegated or str(own)
    return (
        f"no cgroup v2 subtree with the memory and pids controllers that this user may write "
        f"(this process is in {where}; set GRADER_CGROUP to a delegated one)"
    )


def _read_words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []
