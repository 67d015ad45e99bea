"""How a worker process is started: the isolation mode, its command line, and what is left behind.

Two modes (``--sandbox auto|on|off``):

* ``bubblewrap``: the worker runs under ``bwrap`` in new user, PID, network, IPC and UTS
  namespaces, as uid 65534, dying with its parent, seeing read-only only what it needs (the
  interpreter, its libraries and site-packages, and the worker script) plus its own working
  directory; no problems, no reference, no home directory, no network.
* ``process``: a plain child process in its own session, with the same limits and environment but
  the file system of the user running the grader.

``auto`` picks bubblewrap where it works (probed once per process), else process; ``on`` insists.
The grader process is a child subreaper, so that a process that escapes the worker's session
(``start_new_session=True``) is re-parented to the grader and killed when the run ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import site
import subprocess
import sys
from pathlib import Path

from grader.errors import UsageError

WORKER = Path(__file__).resolve().parent / "child" / "worker.py"
FORKSERVER = WORKER.with_name("forkserver.py")
PACK = Path(__file__).resolve().parent.parent / "pack"  # the shipped problems and references
NOBODY = 65534
PR_SET_CHILD_SUBREAPER = 36
INSIDE = "/grader"
# new user, PID, network, IPC, UTS and cgroup namespaces; uid/gid nobody; killed with its parent
ISOLATE = [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--uid",
    str(NOBODY),
    "--gid",
    str(NOBODY),
]  # where the working directory and the worker appear inside bubblewrap


class BwrapProbe:
    """Whether bubblewrap works here: probed at most once, or told the answer (``assume``:
    ``cache.probe_sandbox`` remembers it between processes)."""

    def __init__(self) -> None:
        self.known = False
        self.problem: str | None = None  # None: it works; else why not

    def answer(self) -> str | None:
        if not self.known:
            self.problem, self.known = _probe_bwrap(), True
        return self.problem

    def assume(self, problem: str | None) -> None:
        self.problem, self.known = problem, True


@functools.cache
def bwrap_probe() -> BwrapProbe:
    """This process's probe: the machine does not change under a running grader."""
    return BwrapProbe()


def bwrap_problem() -> str | None:
    """None when bubblewrap works on this machine; else the reason it does not (probed once
    per process, unless ``assume`` was told the answer: ``cache.probe_sandbox`` remembers it)."""
    return bwrap_probe().answer()


def _probe_bwrap() -> str | None:
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    try:
        done = subprocess.run(
            [exe, "--ro-bind", "/", "/", *ISOLATE, "true"],
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


def assume(problem: str | None) -> None:
    """Take ``problem`` as the probe's answer (None: bubblewrap works), found out earlier."""
    bwrap_probe().assume(problem)


_SYSCTLS = (
    "/proc/sys/kernel/unprivileged_userns_clone",
    "/proc/sys/user/max_user_namespaces",
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
)


def probe_key() -> str | None:
    """What decides the probe's answer, hashed: the bwrap binary, the kernel, the user and the
    sysctls that allow user namespaces; None when bwrap is not installed."""
    import hashlib

    exe = shutil.which("bwrap")
    if exe is None:
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


def resolve(requested: str) -> str:
    """``auto|on|off`` -> ``bubblewrap|process``; ``on`` without bubblewrap is a UsageError."""
    if requested == "off":
        return "process"
    problem = bwrap_problem()
    if problem is None:
        return "bubblewrap"
    if requested == "on":
        raise UsageError(
            f"--sandbox on: {problem}; use --sandbox auto to fall back to process isolation"
        )
    return "process"


def environment(home: str) -> dict[str, str]:
    """The whole environment of the worker: nothing of the grader's is passed on."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def readable_paths() -> list[str]:
    """What the worker must be able to read: the interpreter, its libraries, site-packages."""
    paths = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        str(Path(sys.executable).resolve().parent),
        *site.getsitepackages(),
    }
    for system in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/etc/ld.so.cache"):
        paths.add(system)
    return sorted(p for p in paths if os.path.exists(p))


def command(mode: str, workdir: Path, script: Path, fds: dict[str, int]) -> list[str]:
    """The argv that runs ``script`` (the worker or the fork server) in ``workdir``.

    ``fds`` become ``--name N`` options: the descriptors passed on to the script.
    """
    options = [str(x) for name, fd in fds.items() for x in (f"--{name}", fd)]
    python = [sys.executable, "-I"]
    if mode == "process":
        return [*python, str(script), *options]
    argv = [
        shutil.which("bwrap") or "bwrap",
        *ISOLATE,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
    ]
    for path in readable_paths():
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        else:
            argv += ["--ro-bind", path, path]
    if PACK.is_dir() and any(PACK.is_relative_to(p) for p in readable_paths()):
        argv += ["--tmpfs", str(PACK)]  # an installed grader's problems stay out of sight
    for code in (WORKER, FORKSERVER):
        argv += ["--ro-bind", str(code), f"{INSIDE}/{code.name}"]
    argv += ["--bind", str(workdir), f"{INSIDE}/work", "--chdir", f"{INSIDE}/work", "--"]
    return [*argv, *python, f"{INSIDE}/{script.name}", *options]


def inside(mode: str, workdir: Path) -> str:
    """``workdir`` as the isolated process sees it."""
    return f"{INSIDE}/work" if mode == "bubblewrap" else str(workdir)


def start(
    mode: str, workdir: Path, script: Path, fds: dict[str, int], output: int | None = None
) -> subprocess.Popen[bytes]:
    """Start ``script`` isolated in ``mode``, in its own session, passing it ``fds``; what it
    prints goes to ``output`` (default: nowhere). ``stop`` ends it."""
    children = reaper()
    children.adopt_orphans()
    out = subprocess.DEVNULL if output is None else output
    proc = subprocess.Popen(
        command(mode, workdir, script, fds),
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=out,
        pass_fds=tuple(fds.values()),
        cwd=workdir,
        env=environment(inside(mode, workdir)),
        start_new_session=True,
        close_fds=True,
    )
    children.live.add(proc.pid)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process ``start`` started, its session, and whatever it left (we reap orphans)."""
    if proc.poll() is None:  # once reaped, its group id may belong to someone else
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.kill()
    proc.wait()
    children = reaper()
    children.live.discard(proc.pid)
    children.kill_orphans()


class Spawned:
    """A worker started as a new interpreter, in its own session (a ``channel.Process``)."""

    def __init__(self, mode: str, workdir: Path, cmd_fd: int, rec_fd: int, out_fd: int) -> None:
        self.mode = mode
        self.proc = start(mode, workdir, WORKER, {"cmd-fd": cmd_fd, "rec-fd": rec_fd}, out_fd)
        self.killed = False

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if not self.killed:
            self.killed = True
            stop(self.proc)

    def exit_signal(self, code: int) -> int | None:
        """The signal that ended the worker (bwrap reports it as 128 + signal)."""
        if code < 0:
            return -code
        if self.mode == "bubblewrap" and code > 128:
            return code - 128
        return None


def fence(mode: str, work: str) -> dict[str, list[str]]:
    """What Landlock lets the worker touch: read the interpreter, write ``work`` (as it sees it)."""
    code = [f"{INSIDE}/{WORKER.name}"] if mode == "bubblewrap" else [str(WORKER)]
    return {"read": [*_without(readable_paths(), PACK), *code], "write": [work, "/dev/null"]}


def _without(paths: list[str], hidden: Path) -> list[str]:
    """``paths`` with ``hidden`` carved out: a path holding it is replaced by its entries (down
    to ``hidden``'s parent), since Landlock can allow a tree but not deny part of it. Paths are
    compared resolved: a venv's ``lib64 -> lib`` would otherwise open the whole tree."""
    out: list[str] = []
    for path in paths:
        root = Path(path).resolve()
        if root.is_relative_to(hidden):
            continue
        if not hidden.is_relative_to(root):
            out.append(path)
            continue
        try:
            entries = sorted(root.iterdir())
        except OSError:
            continue
        out += _without([str(e) for e in entries], hidden)
    return out


def describe(mode: str, landlock: str | None) -> str:
    """The isolation in words, for reports."""
    fenced = (
        (
            "Landlock: reads limited to the interpreter and its libraries, writes to the "
            "working directory, no TCP"
        )
        if landlock is None
        else f"no Landlock ({landlock})"
    )
    if mode == "bubblewrap":
        return f"bubblewrap (namespaces, uid {NOBODY}, no network); {fenced}"
    return f"process (own session, limits, scrubbed environment); {fenced}"


# ---------------------------------------------------------------------------------------------
# Processes that outlive the worker.


class Reaper:
    """This process as the child subreaper of what it starts (Linux).

    A process that escapes a worker's session (``start_new_session=True``) is re-parented to
    us once its parent dies; any child of ours that is not one we started and have not reaped
    yet (``live``) is such a leftover, and ``kill_orphans`` ends it. The subreaper attribute
    belongs to the whole process, and so does this record: there is one Reaper per process
    (``reaper()``), shared by every Sandbox and fork server in it, so that none takes another's
    live worker for an orphan.
    """

    def __init__(self) -> None:
        self.live: set[int] = set()  # processes started by ``start`` and not yet reaped
        self.adopting = False

    def adopt_orphans(self) -> None:
        """Make orphaned descendants re-parent to this process (Linux); harmless elsewhere."""
        if self.adopting:
            return
        self.adopting = True
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def kill_orphans(self) -> int:
        """Kill and reap every child of this process that is not live; returns how many."""
        killed = 0
        for _ in range(50):  # each round may re-parent the killed processes' children to us
            orphans = [pid for pid in _children() if pid not in self.live]
            if not orphans:
                break
            for pid in orphans:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                killed += 1
        return killed


@functools.cache
def reaper() -> Reaper:
    """The one Reaper of this process."""
    return Reaper()


def _children() -> list[int]:
    pids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{os.getpid()}/task")
    except OSError:
        return pids
    for task in tasks:
        with contextlib.suppress(OSError, ValueError):
            text = Path(f"/proc/{os.getpid()}/task/{task}/children").read_text()
            pids += [int(p) for p in text.split()]
    return pids
