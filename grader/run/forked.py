"""A worker forked by a fork server (``prefork``), as the grader knows it, and the requests the
grader posts to a server: each reply, read when first needed, carries the descriptors it came
with, which the reader owns (a reply nobody will read any more has them closed on arrival).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grader.run import container
from grader.run.control import pid_of

if TYPE_CHECKING:
    from grader.run.prefork import ForkServer


class ServerGone(Exception):
    """The fork server died, hung or broke the protocol."""


@dataclass
class Pending:
    """A request posted to the server; ``reply`` once read (None: the server went away).

    ``fds`` came with the reply: its reader closes them; once ``dropped`` (nobody will read the
    reply), they are closed as soon as it comes.
    """

    extra_time: float = 0.0
    then: Callable[[dict[str, Any] | None], None] | None = None
    reply: dict[str, Any] | None = None
    fds: list[int] = field(default_factory=list)
    done: bool = False
    dropped: bool = False

    def close_fds(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []


class Forked:
    """A worker forked by a ``ForkServer``, known to it by a number of ours.

    The server kills and reaps it (its pid may be one of the server's PID namespace): this
    process never signals it. It is born in the server's container, where there is one: the
    container is made ready for the run before it is sent the submission (``limit_memory``:
    limits written where they do not read as written), and once the server has ended it the next
    run's start checks the container holds nothing of it.
    """

    def __init__(self, server: ForkServer, number: int, pending: Pending) -> None:
        self.server = server
        self.number = number
        self.pending = pending
        self.generation = server.generation
        self.status: int | None = None
        self.ended = False
        self.pid: int | None = None  # in this process's PID namespace, once known
        self.confined: dict[str, Any] = {}  # what the server's confinement held (``confine.py``)
        self.refused: str | None = None  # why the worker could not be confined (it is gone)
        self.container: container.Container | None = None  # the server's, once the run started
        self.contained = False  # whether the server is in its container (and so the worker)

    def _resolve(self) -> bool:
        """Read the server's answer to the fork; False if the worker never came to be."""
        if not self.pending.done:
            try:
                self.server.answer(self.pending)
            except ServerGone:
                self.refused = self.server.boot_failure  # why it could not start, if it said
                self.server.restart()
        reply = self.pending.reply
        if self.pid is None and self.pending.fds:
            self.pid = pid_of(self.pending.fds[0])
        self.pending.close_fds()
        if reply is None or self.generation != self.server.generation:
            self.refused = self.refused or self.server.boot_failure or "the fork server went away"
            return False
        if reply.get("kind") != "forked" or type(reply.get("pid")) is not int:
            self.refused = "the fork server answered nonsense"
            self.server.restart()
            return False
        if reply.get("refused"):
            self.refused = str(reply["refused"])[:500]
            return False
        confined = reply.get("confined")
        self.confined = confined if isinstance(confined, dict) else {}
        self.server.tmpfs_each_run = bool(self.confined.get("tmpfs"))
        self.contained = reply.get("contained") is True
        return True

    def limit_memory(self, nbytes: int) -> bool:
        """Make the container ready for this run before the worker is sent the submission;
        True where the container caps its memory (else, or if a limit could not be written, the
        worker's RLIMIT_AS does)."""
        if not self._resolve() or self.server.container is None or not self.contained:
            return False
        try:
            self.server.container.start_run(nbytes, self.pid)
        except OSError:  # not capped by the container: the next run writes its limits again
            return False
        self.container = self.server.container
        return True

    def out_of_memory(self) -> bool:
        return self.container is not None and self.container.out_of_memory()

    def wait(self, timeout: float) -> int | None:
        if self.status is None:
            if not self._resolve():
                self.ended = True
                return -signal.SIGKILL
            try:
                request = {"op": "wait", "id": self.number, "timeout": timeout}
                self.status = _status(self.server.request(request))
            except ServerGone:
                self.server.restart()  # its workers died with it
                self.ended = True
                return -signal.SIGKILL
        return self.status

    def kill(self) -> None:
        """Have the server kill it and everything it started; ``ForkServer.settle`` (or the
        next request) waits until that is done, then its container is removed: grading
        overlaps the cleanup."""
        if self.ended:
            return
        self.ended = True
        if self.generation != self.server.generation or self.server.closing:
            self._ended(None)
            return
        try:
            self.server.post({"op": "end", "id": self.number}, then=self._ended)
        except ServerGone:
            self.server.restart()
            self._ended(None)

    def _ended(self, reply: dict[str, Any] | None) -> None:
        """The server has ended the run (or is gone, or closing): the fork's answer, if it is
        still to come, is not needed."""
        self.pending.dropped = True
        self.pending.close_fds()
        self.container = None  # the next run's worker checks that nothing of this one is left

    def exit_signal(self, code: int) -> int | None:
        return -code if code < 0 else None


def _status(reply: dict[str, Any]) -> int | None:
    status = reply.get("status")
    if reply.get("kind") != "status" or not (status is None or type(status) is int):
        raise ServerGone("the fork server answered nonsense")
    return status
