"""The grader's side of a fork server (``forkserver.py``): start it, have it fork workers.

A batch job keeps one ``ForkServer``; each submission's ``Sandbox`` asks it for workers instead of
starting interpreters. The server runs under the same isolation as a worker would (``launch``),
in a directory of the job's that holds one working directory per submission. It is trusted no
more than a worker: every answer is checked, and a server that dies, hangs or answers nonsense is
killed and started again (the case that was running gets ``crashed``).
"""

from __future__ import annotations

import json
import select
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from grader.run import launch

REPLY_TIME = 5.0  # seconds for the server to answer a request
BOOT_TIME = 30.0  # seconds for the server to import numpy, on a busy machine
END_TIME = 5.0  # more seconds for ending a worker: the server waits that long for it to die


class ServerGone(Exception):
    """The fork server died, hung or broke the protocol."""


class ForkServer:
    """One fork server process, restarted when it goes wrong; close it when done."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.root = Path(tempfile.mkdtemp(prefix="grader-job-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None
        self.unanswered = 0  # requests posted whose replies are not read yet
        try:
            self._start()
        except BaseException:  # SIGTERM while starting, too: leave nothing behind
            self.close()
            raise

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            fds = {"ctl-fd": theirs.fileno()}
            self.proc = launch.start(self.mode, self.root, launch.FORKSERVER, fds)
        finally:
            theirs.close()
        self.control = ours
        self.booting = True

    def workdir(self) -> tuple[Path, str]:
        """A new, empty working directory: its path here, and as a worker sees it.

        Its name is random, so that no submission can prepare the next one's in advance.
        """
        path = Path(tempfile.mkdtemp(prefix="run-", dir=self.root))
        path.chmod(0o777)  # bubblewrap's uid nobody writes here
        return path, f"{launch.inside(self.mode, self.root)}/{path.name}"

    def fork(self, work: str, cmd_fd: int, rec_fd: int, out_fd: int) -> Forked:
        """A worker forked in ``work`` on the given pipe ends (a ``channel.Process``)."""
        for attempt in (1, 2):
            try:
                reply = self.request({"op": "fork", "workdir": work}, (cmd_fd, rec_fd, out_fd))
                pid = reply.get("pid")
                if reply.get("kind") != "forked" or type(pid) is not int or pid <= 0:
                    raise ServerGone("the fork server answered nonsense")
                return Forked(self, pid)
            except ServerGone:
                self.restart()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def request(self, message: dict[str, Any], fds: tuple[int, ...] = ()) -> dict[str, Any]:
        """Send one request and read its reply; ServerGone if none comes in time."""
        self.settle()
        self.post(message, fds)
        self.unanswered -= 1
        return self._reply(float(message.get("timeout", 0.0)))

    def post(self, message: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
        """Send a request whose reply ``settle`` (or the next request) will read."""
        if self.control is None:
            raise ServerGone("the fork server is not running")
        try:
            socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
        except OSError as exc:
            raise ServerGone(f"the fork server is gone ({exc.strerror})") from None
        self.unanswered += 1

    def settle(self) -> None:
        """Wait for the replies to posted requests; a server that does not answer is replaced."""
        try:
            while self.unanswered:
                self.unanswered -= 1
                self._reply(END_TIME)
        except ServerGone:
            self.restart()

    def _reply(self, extra_time: float) -> dict[str, Any]:
        control = self.control
        if control is None:
            raise ServerGone("the fork server is not running")
        wait = (BOOT_TIME if self.booting else REPLY_TIME) + extra_time
        try:
            ready, _, _ = select.select([control], [], [], wait)
            raw = control.recv(1 << 16) if ready else b""
        except OSError as exc:
            raise ServerGone(f"the fork server is gone ({exc.strerror})") from None
        if not raw:
            raise ServerGone("the fork server did not answer")
        self.booting = False
        try:
            reply = json.loads(raw)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise ServerGone("the fork server answered nonsense")
        return reply

    def restart(self) -> None:
        self._stop()
        self._start()
        self.unanswered = 0

    def _stop(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc is not None:
            launch.stop(self.proc)
            self.proc = None

    def close(self) -> None:
        self._stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Forked:
    """A worker forked by a ``ForkServer``; its pid is the server's to use, not ours.

    Under bubblewrap the pid is one of the server's PID namespace, so this never signals it
    directly: the server kills and reaps it.
    """

    def __init__(self, server: ForkServer, pid: int) -> None:
        self.server = server
        self.pid = pid
        self.status: int | None = None
        self.ended = False

    def wait(self, timeout: float) -> int | None:
        if self.status is None:
            try:
                request = {"op": "wait", "pid": self.pid, "timeout": timeout}
                self.status = _status(self.server.request(request))
            except ServerGone:
                self.server.restart()  # its workers died with it
                self.ended = True
                return -signal.SIGKILL
        return self.status

    def kill(self) -> None:
        """Have the server kill it and everything it started; ``ForkServer.settle`` (or the
        next request) waits until that is done, so grading overlaps the cleanup."""
        if self.ended:
            return
        self.ended = True
        try:
            self.server.post({"op": "end", "pid": self.pid})
        except ServerGone:
            self.server.restart()

    def limit_memory(self, nbytes: int) -> bool:
        return False  # the worker's RLIMIT_AS does

    def exit_signal(self, code: int) -> int | None:
        return -code if code < 0 else None


def _status(reply: dict[str, Any]) -> int | None:
    status = reply.get("status")
    if reply.get("kind") != "status" or not (status is None or type(status) is int):
        raise ServerGone("the fork server answered nonsense")
    return status
