"""The fork server: imports numpy and the worker once, then forks one worker per submission.

Batch grading runs one of these per job (``python -I forkserver.py --ctl-fd N``, isolated by
``launch`` exactly like a worker: same namespaces, uid, environment and read-only view). A fork
costs a few milliseconds where a new interpreter that imports numpy costs a few hundred. It never
computes anything with numpy (no BLAS call before a fork) and never receives an expected value,
a reference or a result: only requests to fork, each with the three pipe ends of the new worker.

Protocol on the control socket (AF_UNIX, SOCK_SEQPACKET, one JSON object per message):

* ``{"op": "fork", "workdir": DIR}`` with three descriptors (commands, records, output): fork a
  worker that runs in DIR and talks through them; reply ``{"kind": "forked", "pid": P}``.
* ``{"op": "wait", "pid": P, "timeout": T}``: reply ``{"kind": "status", "status": S}`` once P
  has ended (S as ``subprocess`` reports it: the exit code, or minus the signal), or ``null``
  after T seconds.
* ``{"op": "end", "pid": P}``: kill P's process group and every other process left behind (the
  server is their child subreaper), reap them, reply ``{"kind": "status", "status": S}``.

The server dies with its parent (PDEATHSIG), and its workers die with it.
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

_spec = importlib.util.spec_from_file_location("worker", Path(__file__).with_name("worker.py"))
assert _spec is not None and _spec.loader is not None
worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worker)


def _status(raw: int) -> int:
    return -os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else os.WEXITSTATUS(raw)


class Server:
    def __init__(self, control: socket.socket, libc: ctypes.CDLL) -> None:
        self.control = control
        self.libc = libc
        self.ended: dict[int, int] = {}  # pid -> status, for workers reaped before asked

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
            if op == "fork":
                reply: dict[str, Any] = {
                    "kind": "forked",
                    "pid": self.fork(fds, request["workdir"]),
                }
            elif op == "wait":
                reply = {"kind": "status", "status": self.wait(request["pid"], request["timeout"])}
            else:
                for fd in fds:
                    os.close(fd)
                reply = {"kind": "status", "status": self.end(request["pid"])}
            self.control.send(json.dumps(reply).encode())

    def fork(self, fds: list[int], workdir: str) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        server = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                _become_worker(fds, workdir, server, self.libc)
            finally:
                os._exit(70)
        for fd in fds:
            os.close(fd)
        return pid

    def wait(self, pid: int, timeout: float) -> int | None:
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
        if pid not in self.ended:  # not reaped yet, so its group id cannot have been reused
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        self.kill_all(keep=pid)
        status = self.wait(pid, 5.0)
        self.kill_all()
        self.ended.pop(pid, None)
        return status if status is not None else -signal.SIGKILL

    def kill_all(self, keep: int | None = None) -> None:
        """Kill and reap every child: workers, and whatever their processes left behind.

        A server that cannot empty itself in ``KILL_TIME`` (a fork bomb outrunning it) exits:
        the grader starts a fresh one, and its PID namespace or subreaper takes the rest.
        """
        deadline = time.monotonic() + KILL_TIME
        while True:  # killing one may re-parent its children to us
            children = [p for p in _children() if p != keep]
            if not children:
                return
            if time.monotonic() > deadline:
                os._exit(75)
            for pid in children:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            for pid in children:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)


def _children() -> list[int]:
    pids: list[int] = []
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError, ValueError):
            pids += [int(p) for p in Path(f"/proc/self/task/{task}/children").read_text().split()]
    return pids


def _become_worker(fds: list[int], workdir: str, server: int, libc: ctypes.CDLL) -> None:
    """In the forked child: a fresh session and working directory, its channels, then the worker."""
    import fcntl  # Linux, like everything here (the grader starts a fork server nowhere else)

    os.setsid()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != server:  # the server died before the line above: so do we
        os._exit(0)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    # first out of the way of the numbers they are going to, then into place
    cmd, rec, out = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in fds)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.dup2(cmd, CMD_FD)
    os.dup2(rec, REC_FD)
    os.closerange(REC_FD + 1, os.sysconf("SC_OPEN_MAX"))  # the control socket among them
    os.chdir(workdir)
    os.environ.update(HOME=workdir, TMPDIR=workdir)
    worker.main(["--cmd-fd", str(CMD_FD), "--rec-fd", str(REC_FD)])


def main(argv: list[str]) -> None:
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
    gc.freeze()  # what is loaded now stays shared with every fork (no copy-on-write by the GC)
    Server(control, libc).serve()


if __name__ == "__main__":
    main(sys.argv)
