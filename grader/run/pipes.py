"""How bytes move between the grader and one worker: commands out; records and printed output in.

Two ways, one interface (``Pipes``), and the same strict reading on top (``channel.Worker``):

* ``SelectorPipes`` (the process and bubblewrap modes, POSIX): non-blocking pipes and one
  ``selectors`` loop. Printed output is read whenever it comes, so a case's output is exactly
  what was in the pipe when its answer arrived.
* ``ThreadPipes`` (the portable mode, wherever pipes exist: Windows cannot ``select`` on a
  pipe): one thread per pipe with blocking reads and writes. Record bytes are held up to
  ``RECORD_BUFFER`` ahead of the reader, so a child that floods its record channel costs the
  grader no more memory than that; output goes straight into the size-limited ``Capture``.
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import selectors
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from grader.run import capabilities

if TYPE_CHECKING:
    from grader.run.channel import Capture

RECORD_BUFFER = 4 << 20  # record bytes a ThreadPipes reads ahead of the Worker
CHUNK = 1 << 20
SETTLE = 0.05  # seconds a ThreadPipes waits for output already in the pipe to be read


class Pipes(Protocol):
    """The grader's ends of one worker's three pipes."""

    def send(self, data: bytes) -> None:
        """Queue ``data`` for the command pipe; never blocks."""

    def read(self, deadline: float, into: memoryview) -> int:
        """Read record bytes ``into`` the view: at least one, or 0 at the end of the pipe.

        Raises TimeoutError at ``deadline``. Meanwhile commands are sent and output captured.
        """

    def pending(self) -> bytes:
        """Record bytes already taken from the pipe and not read yet (taken now)."""

    def drain_output(self) -> None:
        """Capture what the child printed before now (never blocks for long)."""

    def close(self) -> None:
        """Release the pipes (the child is dead by now); safe to call twice."""


PipesFactory = Callable[[int, int, int, "Capture", Callable[[], float]], Pipes]


class SelectorPipes:
    """Non-blocking pipes served by one ``selectors`` loop in the caller's thread (POSIX)."""

    def __init__(
        self, cmd_w: int, rec_r: int, out_r: int, capture: Capture, clock: Callable[[], float]
    ) -> None:
        self.cmd_w, self.rec_r, self.out_r = cmd_w, rec_r, out_r
        self.capture, self.clock = capture, clock
        for fd in (rec_r, out_r, cmd_w):
            os.set_blocking(fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(rec_r, selectors.EVENT_READ)
        self.selector.register(out_r, selectors.EVENT_READ)
        self.outgoing = b""
        self.out_open = True
        self.closed = False

    def send(self, data: bytes) -> None:
        pending = bool(self.outgoing)
        self.outgoing += data
        if not pending:
            self.selector.register(self.cmd_w, selectors.EVENT_WRITE)

    def read(self, deadline: float, into: memoryview) -> int:
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise TimeoutError
            for key, _ in self.selector.select(remaining):
                if key.fd == self.out_r:
                    self.drain_output()
                elif key.fd == self.cmd_w:
                    self._write_pending()
                else:
                    try:
                        return os.readv(self.rec_r, [into])
                    except BlockingIOError:
                        continue

    def pending(self) -> bytes:
        return b""  # every byte taken from the pipe was read

    def _write_pending(self) -> None:
        try:
            written = os.write(self.cmd_w, self.outgoing)
        except BlockingIOError:
            return
        except BrokenPipeError:
            self.outgoing = b""
            self.selector.unregister(self.cmd_w)
            return
        self.outgoing = self.outgoing[written:]
        if not self.outgoing:
            self.selector.unregister(self.cmd_w)

    def drain_output(self) -> None:
        while self.out_open:
            try:
                chunk = os.read(self.out_r, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.out_open = False
                self.selector.unregister(self.out_r)
                return
            self.capture.add(chunk)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.selector.close()
        for fd in (self.cmd_w, self.rec_r, self.out_r):
            with contextlib.suppress(OSError):
                os.close(fd)


class ThreadPipes:
    """Blocking pipes, one thread each: works on every system Python runs on.

    Each thread owns its descriptor and closes it when its pipe ends, never while blocked on
    it (a descriptor closed under a blocked read could be reused for another file).
    """

    def __init__(
        self, cmd_w: int, rec_r: int, out_r: int, capture: Capture, clock: Callable[[], float]
    ) -> None:
        self.capture, self.clock = capture, clock
        self.ready = threading.Condition()  # guards records, records_ended, closed
        self.records = bytearray()
        self.records_ended = False
        self.closed = False
        self.outgoing: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.out_lock = threading.Lock()  # guards out_fd against the thread closing it
        self.out_fd: int | None = out_r
        for target, fd in (
            (self._read_records, rec_r),
            (self._read_output, out_r),
            (self._write_commands, cmd_w),
        ):
            threading.Thread(target=target, args=(fd,), daemon=True).start()

    def send(self, data: bytes) -> None:
        self.outgoing.put(data)

    def read(self, deadline: float, into: memoryview) -> int:
        with self.ready:
            while not self.records and not self.records_ended:
                remaining = deadline - self.clock()
                if remaining <= 0:
                    raise TimeoutError
                self.ready.wait(remaining)
            count = min(len(into), len(self.records))
            into[:count] = self.records[:count]
            del self.records[:count]
            self.ready.notify_all()
            return count

    def pending(self) -> bytes:
        with self.ready:
            taken = bytes(self.records)
            self.records.clear()
            self.ready.notify_all()
            return taken

    def drain_output(self) -> None:
        """Wait (up to ``SETTLE``) until the output thread has read what is in the pipe.

        The child printed before it answered, so its output is in the pipe by now; the thread
        may just not have taken it yet. Best effort: a case's output may, rarely, be shown with
        the next case instead.
        """
        give_up = time.monotonic() + SETTLE
        while time.monotonic() < give_up:
            with self.out_lock:
                if self.out_fd is None or not capabilities.has_pending_data(self.out_fd):
                    return
            time.sleep(0.0005)

    def close(self) -> None:
        with self.ready:
            self.closed = True
            self.ready.notify_all()
        self.outgoing.put(None)

    # -- the threads ---------------------------------------------------------------------

    def _read_records(self, fd: int) -> None:
        scratch = bytearray(CHUNK)
        with io.FileIO(fd, "rb", closefd=True) as pipe:
            while True:
                with self.ready:
                    while len(self.records) >= RECORD_BUFFER and not self.closed:
                        self.ready.wait()
                    if self.closed:
                        return
                try:
                    count = pipe.readinto(scratch) or 0
                except OSError:
                    count = 0
                with self.ready:
                    if count == 0:
                        self.records_ended = True
                        self.ready.notify_all()
                        return
                    self.records += memoryview(scratch)[:count]
                    self.ready.notify_all()

    def _read_output(self, fd: int) -> None:
        pipe = io.FileIO(fd, "rb", closefd=False)
        try:
            while True:
                try:
                    chunk = pipe.read(1 << 16)
                except OSError:
                    chunk = b""
                if not chunk:
                    return
                self.capture.add(chunk)
        finally:
            with self.out_lock:
                self.out_fd = None
                os.close(fd)

    def _write_commands(self, fd: int) -> None:
        with io.FileIO(fd, "wb", closefd=True) as pipe:
            while (data := self.outgoing.get()) is not None:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[pipe.write(view) or 0 :]
                except OSError:  # the child is gone: later commands go nowhere
                    return
