"""The fork server: imports numpy and the worker once, then forks one worker per submission.

Every run of the Linux modes has one (a batch job's serves all its submissions; started as
``python -I -S forkserver.py --ctl-fd N --plan JSON``, which loads this module, isolated by
``launch`` exactly like a worker: same namespaces, uid, environment and read-only view). A fork
costs a few milliseconds where a new interpreter that imports numpy costs a few hundred. It never
computes anything with numpy (no BLAS call before a fork) and never receives an expected value,
a reference or a result: only requests to fork, each with the three pipe ends of the new worker.

Protocol on the control socket (AF_UNIX, SOCK_SEQPACKET, one JSON object per message; every
request gets one reply, in order):

* ``{"op": "fork", "id": N, "workdir": DIR}`` with three descriptors (commands, records,
  output): fork worker N, which runs in DIR and talks through them, confined as the server's
  plan says (``confine.py``: namespaces, a tmpfs working directory, a dedicated uid, no
  capabilities, seccomp) before it reads anything; reply ``{"kind": "forked", "pid": P,
  "confined": REPORT}`` with a pidfd of it (the grader learns its pid outside a PID namespace
  from that) once it has said how it was confined, or ``"refused": WHY`` when it could not be
  (it exits without running anything).
* ``{"op": "wait", "id": N, "timeout": T}``: reply ``{"kind": "status", "status": S}`` once N
  has ended (S as ``subprocess`` reports it: the exit code, or minus the signal), or ``null``
  after T seconds.
* ``{"op": "end", "id": N}``: kill N's process group and every other process left behind (the
  server is their child subreaper), reap them, reply ``{"kind": "status", "status": S}``.

The server dies with its parent (PDEATHSIG), and its workers die with it. ``--plan JSON`` is the
grader's confinement plan (``confine.py``), applied to every worker; as root, the server first
prepares a mount namespace of its own in which the workers' dedicated uid reaches the interpreter.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib.util
import json
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import numpy  # noqa: F401  (imported once here, inherited by every fork)

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KILL_TIME = 5.0  # seconds to kill what a submission left before giving up (and exiting)
CMD_FD, REC_FD = 3, 4  # where a worker finds its two channels


def _load(name: str) -> Any:
    """A module of this folder, loaded by path: the server runs as a script, not a package."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


worker = _load("worker")
confine = _load("confine")


def _status(raw: int) -> int:
    return -os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else os.WEXITSTATUS(raw)


class Server:
    def __init__(
        self, control: socket.socket, libc: ctypes.CDLL, plan: dict[str, Any], contained: bool
    ) -> None:
        self.control = control
        self.libc = libc
        self.plan = plan
        self.contained = contained  # it entered its container (``forkserver.py``)
        self.ended: dict[int, int] = {}  # pid -> status, for workers reaped before asked
        self.pids: dict[int, int] = {}  # the grader's number for a worker -> its pid
        self.mounts: dict[int, list[str]] = {}  # the grader's number for a run -> its tmpfs
        self.prepared = confine.prepare(plan)  # namespaces of its own, the uid's way in

    def serve(self) -> None:
        while True:
            try:
                raw, fds, _, _ = socket.recv_fds(self.control, 1 << 16, 3)
            except OSError:
                raw, fds = b"", []
            if not raw:  # the grader went away: take everything with us
                self.kill_all()
                os._exit(0)
            request: dict[str, Any] = json.loads(raw)
            op = request["op"]
            passed: list[int] = []
            if op == "fork":
                mounted, folder = (
                    confine.mount_run(self.plan, request["workdir"])
                    if self.prepared["namespaces"]
                    else ([], request["workdir"])
                )
                pid, confined = self.fork(fds, folder)
                self.pids[request["id"]] = pid
                self.mounts[request["id"]] = mounted
                if isinstance(confined.get("confined"), dict):
                    confined["confined"].update(
                        namespaces=self.prepared["namespaces"],
                        tmpfs=int(self.plan.get("tmpfs") or 0) if mounted else 0,
                        problems=self.prepared["problems"] + confined["confined"]["problems"],
                    )
                reply: dict[str, Any] = {"kind": "forked", "pid": pid, **confined}
                reply["contained"] = self.contained
                with contextlib.suppress(OSError):
                    passed.append(os.pidfd_open(pid))
            else:
                for fd in fds:
                    os.close(fd)
                pid = self.pids.get(request["id"], 0)
                if op == "wait":
                    reply = {"kind": "status", "status": self.wait(pid, request["timeout"])}
                else:
                    self.pids.pop(request["id"], None)
                    reply = {"kind": "status", "status": self.end(pid)}
                    confine.unmount_run(self.mounts.pop(request["id"], []))
            try:
                socket.send_fds(self.control, [json.dumps(reply).encode()], passed)
            except OSError:  # the grader went away: take everything with us
                self.kill_all()
                os._exit(0)
            for fd in passed:
                os.close(fd)

    def fork(self, fds: list[int], workdir: str) -> tuple[int, dict[str, Any]]:
        """A confined worker in ``workdir``: its pid, and ``{"confined": REPORT}`` or
        ``{"refused": WHY}`` (then it is gone without having run anything)."""
        sys.stdout.flush()
        sys.stderr.flush()
        server = os.getpid()
        said, say = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(said)
                _become_worker(fds, workdir, server, self.libc, self.plan, say)
            finally:
                os._exit(70)
        os.close(say)
        for fd in fds:
            os.close(fd)
        with os.fdopen(said, "rb") as pipe:
            raw = pipe.read(1 << 16)  # until the worker closes its end: confined, or gone
        try:
            report = json.loads(raw)
        except ValueError:
            report = {"refused": "the worker ended before it was confined"}
        return pid, report if isinstance(report, dict) else {"refused": "malformed report"}

    def wait(self, pid: int, timeout: float) -> int | None:
        if pid <= 0:
            return -signal.SIGKILL
        deadline = time.monotonic() + timeout
        try:
            ended = os.pidfd_open(pid)  # readable once the process has ended
        except OSError:
            ended = None
        try:
            while True:
                if pid in self.ended:
                    return self.ended[pid]
                try:
                    done, raw = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    return self.ended.get(pid, -signal.SIGKILL)
                if done:
                    self.ended[pid] = _status(raw)
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                select.select(
                    [] if ended is None else [ended],
                    [],
                    [],
                    min(left, 0.002 if ended is None else 0.05),
                )
        finally:
            if ended is not None:
                os.close(ended)

    def end(self, pid: int) -> int:
        if pid <= 0:  # not a worker of ours: there is nothing of it to end
            self.kill_all()
            return -signal.SIGKILL
        if pid not in self.ended:  # not reaped yet, so its group id cannot have been reused
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        self.kill_all(keep=pid)
        status = self.wait(pid, 5.0)
        self.kill_all()
        self.ended.pop(pid, None)
        return status if status is not None else -signal.SIGKILL

    def kill_all(self, keep: int | None = None) -> None:
        """Kill and reap every descendant but ``keep`` (a worker already killed, which ``wait``
        reaps): workers, and whatever their processes left, however fast they fork.

        Each round first stops them all (``_freeze``: a stopped process cannot fork, so a swarm
        that replaces every process killed is caught whole), then kills them, then reaps what
        comes back to us (the child subreaper of them all); the status of a worker reaped here
        is kept for ``wait``. A server that cannot empty itself in ``KILL_TIME`` (processes
        that do not stop: never seen) exits: the grader starts a fresh one.
        """
        deadline = time.monotonic() + KILL_TIME
        while True:
            self._reap(keep)
            found = _freeze(keep, deadline)
            if not found:
                return
            for pid in found:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if time.monotonic() > deadline:
                os._exit(75)
            time.sleep(0.001)  # dying takes them a moment

    def _reap(self, keep: int | None) -> None:
        """Reap every child that has ended; a worker's status is kept in ``ended``."""
        workers = {*self.pids.values(), keep}
        while True:
            try:
                pid, raw = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in workers:
                self.ended[pid] = _status(raw)


STILL = frozenset("TtZX")  # stopped, traced, dead: states in which a process cannot fork
GRACE = 0.02  # seconds after SIGSTOP by which a process that did not stop counts as still


def _freeze(keep: int | None, deadline: float) -> list[int]:
    """Every descendant of this process but ``keep``, each stopped by SIGSTOP (or dead).

    Walks the tree again until a walk finds every process still before reading its children:
    what a process started before it stopped is then found, and nothing stopped forks. One that
    has not stopped ``GRACE`` after its SIGSTOP (a ``vfork`` parent waits for its stopped
    child; a sleep in the kernel) counts as still: ``kill_all``'s next round takes what it
    started meanwhile. Gives up at ``deadline`` with what it found.
    """
    stopped: dict[int, float] = {}  # pid -> when it was sent SIGSTOP
    groups = {os.getpgrp()}  # process groups stopped (never ours)
    while True:
        found, settled = [], True
        todo = _children_of("self")
        while todo:
            pid = todo.pop()
            if pid != keep:
                found.append(pid)
                if not _still(pid):
                    now = time.monotonic()
                    if pid not in stopped:
                        stopped[pid] = now
                        _stop(pid, groups)
                    settled = settled and now - stopped[pid] > GRACE
            todo += _children_of(str(pid))
        if settled or time.monotonic() > deadline:
            return found


def _stop(pid: int, groups: set[int]) -> None:
    """SIGSTOP ``pid``, and its whole process group the first time one of it is met: the kernel
    stops a group at once, a child being forked meanwhile included, so a swarm that stays in
    its groups is stopped in one walk, however little CPU time it leaves this server. (The
    group is of a session a worker started: only the run's processes can be in it.)"""
    with contextlib.suppress(OSError):
        group = os.getpgid(pid)
        if group not in groups and group > 1:
            groups.add(group)
            os.killpg(group, signal.SIGSTOP)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGSTOP)


def _still(pid: int) -> bool:
    """Whether every thread of ``pid`` is stopped or dead (gone: True)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return True
    for task in tasks:
        try:
            stat = Path(f"/proc/{pid}/task/{task}/stat").read_bytes()
        except OSError:
            continue
        state = stat[stat.rfind(b")") + 2 :][:1]  # b"": the thread ended as it was read
        if state and chr(state[0]) not in STILL:
            return False
    return True


def _children_of(pid: str) -> list[int]:
    """The children of every thread of process ``pid`` (``"self"``: this one); [] if gone."""
    pids: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError):
                children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                pids += [int(p) for p in children]
    return pids


def _become_worker(
    fds: list[int], workdir: str, server: int, libc: ctypes.CDLL, plan: dict[str, Any], say: int
) -> None:
    """In the forked child: a fresh session, confined (``confine.py``; what held is said on
    ``say``), in its working directory, with its channels; then the worker."""
    import fcntl  # loaded by ``main`` already: an import here only looks it up

    os.setsid()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != server:  # the server died before the line above: so do we
        os._exit(0)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    try:
        report = {"confined": confine.confine(plan, workdir)}
    except (confine.Refused, OSError) as exc:
        report = {"refused": str(exc)}
    os.write(say, json.dumps(report).encode())
    os.close(say)
    if "refused" in report:
        os._exit(71)
    # first out of the way of the numbers they are going to, then into place
    cmd, rec, out = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in fds)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.dup2(cmd, CMD_FD)
    os.dup2(rec, REC_FD)
    os.closerange(REC_FD + 1, os.sysconf("SC_OPEN_MAX"))  # the control socket among them
    os.environ.update(HOME=workdir, TMPDIR=workdir)
    worker.main(["--cmd-fd", str(CMD_FD), "--rec-fd", str(REC_FD)])


def main(argv: list[str], plan: dict[str, Any], contained: bool) -> None:
    """Serve the control socket given as ``--ctl-fd`` until the grader closes it."""
    # Linux, like everything here (the grader starts a fork server nowhere else). Every module
    # a worker imports late is loaded now: an extension module imported in each fork (fcntl,
    # resource) would cost every worker a millisecond and some 200 page faults.
    import fcntl  # noqa: F401
    import resource  # noqa: F401

    libc = ctypes.CDLL(None, use_errno=True)
    control = socket.socket(fileno=int(argv[argv.index("--ctl-fd") + 1]))
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no same-uid process may ptrace or read our memory
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the grader to handle
    # Results of a few MB (a 1000 x 1000 Jacobian) come from and go back to the heap instead of
    # fresh mmap'd pages that fault in and are zeroed again in every worker: a third less time.
    libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)
    libc.mallopt(M_TRIM_THRESHOLD, 256 << 20)
    libc.malloc_trim(0)  # free heap pages given back: a worker reusing them faults in zeroes,
    gc.freeze()  # not copies; what is loaded now stays shared with every fork, GC or not
    Server(control, libc, plan, contained).serve()
