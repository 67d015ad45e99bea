"""The grader's side of a fork server (``child/server.py``): start it, have it fork workers.

Every worker of the Linux modes is forked by a fork server: a batch job and ``grader watch`` keep
one for all their submissions; a single ``grader grade`` starts one for its run (its ``Sandbox``
owns it). The server is the only process that starts and kills the submission's processes: it is
their child subreaper, confines each worker before it reads anything (``confine.py``), and ends
every process a worker left. This process only ever starts and ends the server itself, so the
library never changes its caller's process attributes nor touches a process it did not start.

The server runs under the same isolation as a worker would (``launch``), in a directory of its
own that holds one working directory per run. It is trusted no more than a worker: every answer
is checked, and a server that dies, hangs or answers nonsense is killed and started again (the
case that was running gets ``crashed``), unless it was winding down or closing: then what it
owed is abandoned and nothing is started. Requests are pipelined: a fork is asked for at once and
its answer read when first needed, so that the server boots while the grader loads the problem.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.run import capabilities, container, launch
from grader.run.channel import clean_text
from grader.run.control import Socket, receive, send, socketpair
from grader.run.forked import Forked, Pending, ServerGone

__all__ = ["ForkServer", "Forked", "Pending", "ServerGone"]

REPLY_TIME = 5.0  # seconds for the server to answer a request
BOOT_TIME = 30.0  # seconds for the server to import numpy, on a busy machine
END_TIME = 5.0  # more seconds for ending a worker: the server waits that long for it to die
EXIT_TIME = 2.0  # seconds for the server to end its workers and exit once told to
WORKDIR_SIZE = 64 << 20  # bytes of a worker's tmpfs working directory


class ForkServer:
    """One fork server process, restarted when it goes wrong; close it when done."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.root = Path(tempfile.mkdtemp(prefix="grader-job-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.control: Socket | None = None
        self.queue: deque[Pending] = deque()  # posted, reply not read yet, in order
        self.generation = 0  # starts of the server: a worker dies with the server it came from
        self.forks = itertools.count(1)
        self.slot: container.UidSlot | None = None
        self.container: container.Container | None = None
        self.uncontained = ""  # why the server has no container, if it has none
        self.closing = False  # about to close: its workers need not be ended one by one
        self.tmpfs_each_run = False  # the server said it mounts a fresh tmpfs for every run
        self.errors: int | None = None  # where the server's own output goes (``_booted_not``)
        self.boot_failure: str | None = None  # why the server died before its first answer
        try:
            made = container.make()
            self.container = made if isinstance(made, container.Container) else None
            self.uncontained = made if isinstance(made, str) else ""
            self.plan = self._plan()
            self._start()
        except BaseException:  # SIGTERM while starting, too: leave nothing behind
            self.close()
            raise

    def _plan(self) -> dict[str, Any]:
        """How the server confines each worker (``confine.py``): a dedicated uid when it runs as
        root in process mode (bubblewrap's namespaces hold no capability to switch with)."""
        plan: dict[str, Any] = {"tmpfs": WORKDIR_SIZE, "path": launch.search_path()}
        # what a run's tmpfs must not cover: an interpreter or a venv may live under /tmp
        plan["keep"] = launch.readable_paths()
        # inside bubblewrap, only each group's cgroup.procs (for the server to enter it): its
        # limits stay out of reach of a worker that is root outside bubblewrap's namespaces
        self.binds: list[tuple[str, str]] = []
        if self.container is not None:
            procs = []
            for number, folder in enumerate(self.container.distinct()):
                procs.append(str(folder / "cgroup.procs"))
                if self.mode == "bubblewrap":
                    self.binds.append((procs[-1], f"{launch.INSIDE}/cgroup.{number}.procs"))
                    procs[-1] = self.binds[-1][1]
            plan["cgroup"] = procs  # the server moves itself in as it boots
        if self.mode == "process" and capabilities.can_switch_uid(
            container.UID_BASE, container.UID_SLOTS
        ):
            self.slot = container.UidSlot()
            plan.update(uid=self.slot.uid, gid=self.slot.uid)
            plan["reach"] = [*launch.readable_paths(), str(launch.WORKER.parent), str(self.root)]
            self.root.chmod(0o711)  # the dedicated uid passes through to its working directory
        return plan

    def _start(self) -> None:
        ours, theirs = socketpair()
        self._close_errors()
        self.errors = _unnamed_file(self.root)  # what the server prints: read if it fails to boot
        try:
            fds = {"ctl-fd": theirs.fileno()}
            options = ["--plan", json.dumps(self.plan)]
            self.proc = launch.start(
                self.mode, self.root, launch.FORKSERVER, fds, output=self.errors,
                options=options, binds=self.binds,
            )  # fmt: skip
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.control = ours
        self.booting = True
        self.boot_failure = None
        self.generation += 1

    def _close_errors(self) -> None:
        if self.errors is not None:
            os.close(self.errors)
            self.errors = None

    def _gone(self, why: str) -> ServerGone:
        """The server is gone (``why``); one that died before its first answer, where no
        submission ran yet, left its last words (a traceback's last line: numpy could not be
        imported, say), which ``boot_failure`` keeps for the run's message."""
        said = ""
        if self.booting and self.errors is not None:
            with contextlib.suppress(OSError):
                size = os.fstat(self.errors).st_size
                tail = os.pread(self.errors, 2048, max(0, size - 2048)).decode(errors="replace")
                said = next((ln for ln in reversed(tail.splitlines()) if ln.strip()), "")
                said = clean_text(said.strip(), 300)
        if said:
            self.boot_failure = f"the fork server could not start ({said})"
        return ServerGone(self.boot_failure or why)

    def workdir(self) -> tuple[Path, str]:
        """A new, empty working directory: its path here, and as a worker sees it.

        Where the server mounts a fresh tmpfs on the working directory for every run, one
        folder serves them all (each run finds it new and empty); elsewhere each run gets a new
        folder with a random name, so that no submission can prepare the next one's.
        """
        if self.tmpfs_each_run:
            path = self.root / "run"
            path.mkdir(exist_ok=True)
        else:
            path = Path(tempfile.mkdtemp(prefix="run-", dir=self.root))
            path.chmod(0o777)  # bubblewrap's uid nobody writes here (where it has no tmpfs)
        return path, f"{launch.inside(self.mode, self.root)}/{path.name}"

    def keeps(self, path: Path) -> bool:
        """Whether ``path`` is the working directory the server mounts each run's tmpfs on
        (which stays, empty, between runs)."""
        return path == self.root / "run"

    def fork(self, work: str, cmd_fd: int, rec_fd: int, out_fd: int) -> Forked:
        """A worker forked in ``work`` on the given pipe ends (a ``channel.Process``); the
        request is sent now, its answer read when the worker is first needed. ServerGone if
        no server can be started (a fault of the grader's, not of a submission); a server that
        dies at once, twice (bubblewrap that no longer works), refuses the worker."""
        number = next(self.forks)
        request = {"op": "fork", "id": number, "workdir": work}
        fds = (cmd_fd, rec_fd, out_fd)
        try:
            pending = self.post(request, fds)
        except ServerGone:
            self.restart()
            try:
                pending = self.post(request, fds)
            except ServerGone:
                if self.control is None:  # none could be started
                    raise
                pending = Pending(done=True)  # refused when first needed: the run says why
        return Forked(self, number, pending)

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one request and read its reply; ServerGone if none comes in time."""
        pending = self.post(message, extra_time=float(message.get("timeout", 0.0)))
        return self.answer(pending)

    def post(
        self,
        message: dict[str, Any],
        fds: tuple[int, ...] = (),
        extra_time: float = 0.0,
        then: Callable[[dict[str, Any] | None], None] | None = None,
    ) -> Pending:
        """Send a request whose reply ``answer``, ``settle`` or a later request will read;
        ``then`` runs with the reply (None if the server went away first)."""
        if self.control is None:
            raise ServerGone("the fork server is not running")
        try:
            send(self.control, json.dumps(message).encode(), fds)
        except OSError as exc:
            raise self._gone(f"the fork server is gone ({exc.strerror})") from None
        pending = Pending(extra_time, then)
        self.queue.append(pending)
        return pending

    def answer(self, pending: Pending) -> dict[str, Any]:
        """The reply to ``pending``, reading the replies before it; ServerGone if it never
        comes (every request still pending is then answered with None)."""
        while not pending.done:
            self._read_one()
        if pending.reply is None:
            raise ServerGone("the fork server went away")
        return pending.reply

    def settle(self) -> None:
        """Read the replies to every posted request; a server that does not answer is replaced."""
        if not self._drain():
            self.restart()

    def _drain(self) -> bool:
        """Read the replies to every posted request; False if the server went away (what it
        still owed is then abandoned)."""
        try:
            while self.queue:
                self._read_one()
        except ServerGone:
            return False
        return True

    def _read_one(self) -> None:
        pending = self.queue[0]
        try:
            reply, fds = self._reply(pending.extra_time)
        except ServerGone:
            self._abandon()
            raise
        self.queue.popleft()
        pending.reply, pending.fds, pending.done = reply, fds, True
        if pending.dropped:  # nobody will read it: e.g. a fork whose worker was ended unused
            pending.close_fds()
        if pending.then is not None:
            pending.then(reply)

    def _abandon(self) -> None:
        """The server is gone: what it owed will never come."""
        while self.queue:
            pending = self.queue.popleft()
            pending.done = True
            if pending.then is not None:
                pending.then(None)

    def _reply(self, extra_time: float) -> tuple[dict[str, Any], list[int]]:
        control = self.control
        if control is None:
            raise ServerGone("the fork server is not running")
        wait = (BOOT_TIME if self.booting else REPLY_TIME) + extra_time
        try:
            ready, _, _ = select.select([control], [], [], wait)
            raw, fds = receive(control) if ready else (b"", [])
        except OSError as exc:
            raise self._gone(f"the fork server is gone ({exc.strerror})") from None
        if not raw:
            raise self._gone("the fork server did not answer")
        self.booting = False
        try:
            reply = json.loads(raw)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            for fd in fds:
                os.close(fd)
            raise ServerGone("the fork server answered nonsense")
        return reply, fds

    def restart(self) -> None:
        """Replace a server that went wrong (what it owed is abandoned); never raises: if no
        new one can start, requests fail with ServerGone and the next fork tries again."""
        self._abandon()
        self._stop()
        if self.container is not None:
            self.container.empty()  # what the dead server's last run left, if anything
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self._start()

    def _stop(self, patient: bool = False) -> None:
        self.wind_down()
        if self.proc is not None:
            if patient:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(EXIT_TIME)
            launch.stop(self.proc)
            self.proc = None

    def wind_down(self) -> None:
        """Tell the server to end everything it started and exit (``close`` waits for that).
        What it owes is read first; a server gone by then is not replaced (it was to exit)."""
        self._drain()
        if self.control is not None:
            self.control.close()  # the server ends its workers and exits at the end of input
            self.control = None

    def close(self) -> None:
        """End the server (waiting a little for it to exit by itself) and all it started;
        nothing new is started, whatever state the server is in."""
        self._stop(patient=True)
        if self.container is not None:
            self.container.close()
            self.container = None
        if self.slot is not None:
            self.slot.release()
            self.slot = None
        self._close_errors()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unnamed_file(folder: Path) -> int | None:
    """A file with no name in ``folder`` (``O_TMPFILE``: nothing else can open it), open for
    reading and writing; None where the file system cannot make one."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    try:
        return os.open(folder, flag | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
