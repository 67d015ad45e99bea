"""The worker process and its pipes, from the grader's side: start it, talk to it, read it strictly.

``Worker`` owns one child process (started by ``launch``, ``portable`` or forked by ``prefork``)
and three pipes (moved by ``pipes``): commands to it (JSON lines), records from it (a JSON header
line, then for a value the raw bytes of its arrays, read back by ``codec``), and its printed
output. ``receive`` accepts a record only if it is well formed, of a kind expected at that point,
for the case asked, within size limits, and the last thing the child sent; otherwise it raises
``Stop`` with the verdict to give (``crashed``, or ``time_limit`` at the deadline).
"""

from __future__ import annotations

import json
import math
import os
import signal
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from grader.model import CHILD_VERDICTS, Verdict
from grader.run import capabilities
from grader.run.pipes import Pipes, PipesFactory, SelectorPipes

if TYPE_CHECKING:
    import numpy as np

MAX_HEADER = 512 * 1024  # bytes of one JSON header line from the child, newline included
MAX_MESSAGE = 2000  # characters of one message from the child
MAX_DIMS = 8  # dimensions of an array in a result (``codec.MAX_DIMS``, kept without numpy)
_MALFORMED = "the process sent malformed data on the result channel"
SETUP_REPLIES = frozenset({"ready", "failed"})
CASE_REPLIES = frozenset({"value", "error"})
FINISH_REPLIES = frozenset({"done"})


class Stop(Exception):
    """The child cannot go on: it timed out, died, or broke the protocol."""

    def __init__(self, verdict: Verdict, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.message = message


def clean_text(text: str, limit: int = MAX_MESSAGE) -> str:
    """Text from the child made safe to show: no control characters, bounded length."""
    out = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else "\N{REPLACEMENT CHARACTER}"
        for ch in text[: limit + 1]
    )
    return out if len(out) <= limit else out[: limit - 1] + "…"


class Process(Protocol):
    """A started worker, however it was started (``portable.Portable``,
    ``forked.Forked``)."""

    def wait(self, timeout: float) -> int | None:
        """Its exit status (minus the signal that killed it), or None if still running."""

    def kill(self) -> None:
        """Kill it and every process it started, and reap them; safe to call twice."""

    def exit_signal(self, code: int) -> int | None:
        """The signal that ended it, from the status ``wait`` gave."""

    def limit_memory(self, nbytes: int) -> bool:
        """Cap the memory of it and all it starts, where its launcher can (a Windows Job
        Object); False where the worker's own RLIMIT_AS is the cap."""


Spawn = Callable[[int, int, int], Process]


class Worker:
    """One worker process and the three pipes that connect it to us."""

    def __init__(
        self,
        spawn: Spawn,
        capture: Capture,
        clock: Callable[[], float] = time.monotonic,
        pipes: PipesFactory = SelectorPipes,
    ) -> None:
        """``spawn(commands, records, output)`` starts the child on the child's pipe ends;
        ``clock`` is what deadlines are measured on; ``pipes`` moves the bytes."""
        cmd_r, cmd_w = os.pipe()
        rec_r, rec_w = os.pipe()
        capabilities.enlarge_pipe(rec_w)
        out_r, out_w = os.pipe()
        try:
            self.proc = spawn(cmd_r, rec_w, out_w)
        except BaseException:
            for fd in (cmd_w, rec_r, out_r):
                os.close(fd)
            raise
        finally:
            for fd in (cmd_r, rec_w, out_w):
                os.close(fd)
        self.pipes: Pipes = pipes(cmd_w, rec_r, out_r, capture, clock)
        self.scratch = memoryview(bytearray(1 << 16))  # where header bytes are read into
        self.buf = bytearray()
        self.alive = True
        self.closed = False
        self.clock = clock
        self.started = clock()
        self.cpu_hard_limit = math.inf  # seconds of CPU, once ``setup`` has set the limit
        self.memory_capped = False  # by the launcher (see ``Process.limit_memory``)

    # -- talking -------------------------------------------------------------------------

    def setup(self, message: Mapping[str, Any]) -> None:
        """Send the ``setup`` command. Its ``limits.cpu`` is the soft CPU limit; the worker sets
        the hard one a second later, so a SIGKILL after that long may be the limit's."""
        self.cpu_hard_limit = message["limits"]["cpu"] + 1
        self.memory_capped = self.proc.limit_memory(message["limits"]["as"])
        self.send(message)

    def send(self, message: Mapping[str, Any]) -> None:
        self.send_line(json.dumps(message, separators=(",", ":"), allow_nan=True))

    def send_line(self, line: str) -> None:
        """Queue one JSON command (already encoded, without its newline)."""
        self.pipes.send(line.encode() + b"\n")

    def receive(
        self,
        deadline: float,
        expect: frozenset[str],
        max_payload: int = 0,
        index: int = -1,
        more: bool = False,
    ) -> tuple[dict[str, Any], Any]:
        """The record answering what we asked, or Stop on timeout, death or any bad data.

        A record must be of a kind ``expect`` allows, for the case asked (``index``), and,
        unless answers to cases sent ahead may follow (``more``), the last thing the child sent:
        the worker never answers what it was not asked, so anything after it was forged.
        """
        header = self._header(deadline)
        kind = header.get("kind")
        if kind not in expect:
            raise Stop(Verdict.CRASHED, _MALFORMED)
        if kind in {"value", "error"} and header.get("index") != index:
            raise Stop(Verdict.CRASHED, "the process sent a result for a case it was not given")
        if kind == "error" and header.get("verdict") not in CHILD_VERDICTS:
            raise Stop(Verdict.CRASHED, _MALFORMED)
        if kind != "value":
            self._nothing_more(more)
            return header, None
        from grader.run.child import codec  # here: numpy loads after the worker has started

        nbytes = header.get("nbytes")
        if type(nbytes) is not int or nbytes < 0:
            raise Stop(Verdict.CRASHED, "the process sent a malformed result header")
        if nbytes > max_payload:
            raise Stop(Verdict.CRASHED, f"the result is too large ({nbytes / 2**20:.0f} MiB)")
        try:
            unreadable = None
            if codec.measure(header.get("tree")) != nbytes:
                raise Stop(Verdict.CRASHED, "the process sent a malformed result header")
        except codec.Unreadable as exc:
            unreadable = str(exc)  # still read its bytes: the stream stays in step
        except Exception:  # defence in depth: a tree the codec failed to refuse is forged
            raise Stop(Verdict.CRASHED, "the process sent a malformed result header") from None
        data = self._payload(nbytes, deadline)
        self._nothing_more(more)
        try:
            if unreadable is None:
                return header, codec.build(header["tree"], data)
        except codec.Unreadable as exc:
            unreadable = str(exc)
        except Exception:  # defence in depth, as above
            raise Stop(Verdict.CRASHED, "the process sent a malformed result") from None
        return {
            "kind": "error",
            "index": index,
            "verdict": "invalid_output",
            "message": f"the result cannot be read: {unreadable}",
            "line": None,
        }, None

    def _nothing_more(self, more: bool) -> None:
        self.buf += self.pipes.pending()
        if self.buf and not more:
            raise Stop(Verdict.CRASHED, "the process sent data it was not asked for")

    def _header(self, deadline: float) -> dict[str, Any]:
        while (end := self.buf.find(b"\n")) < 0:
            if len(self.buf) > MAX_HEADER:
                raise Stop(Verdict.CRASHED, _MALFORMED)
            count = self._read(deadline, self.scratch)
            self.buf += self.scratch[:count]
        raw, self.buf = bytes(self.buf[:end]), self.buf[end + 1 :]
        try:
            header = json.loads(raw)
        except (ValueError, RecursionError):
            header = None
        if not isinstance(header, dict):
            raise Stop(Verdict.CRASHED, _MALFORMED)
        return header

    def _payload(self, nbytes: int, deadline: float) -> np.ndarray:
        import numpy as np  # not at module level: the worker must start before numpy loads here

        data = np.empty(nbytes, dtype=np.uint8)  # not zero-filled: every byte is read into it
        view = data.data  # a memoryview of its bytes
        have = min(len(self.buf), nbytes)
        view[:have] = self.buf[:have]
        del self.buf[:have]
        while have < nbytes:
            have += self._read(deadline, view[have:])
        return data

    def _read(self, deadline: float, into: memoryview) -> int:
        """Record bytes into ``into`` (at least one); Stop at the deadline or the pipe's end."""
        try:
            count = self.pipes.read(deadline, into)
        except TimeoutError:
            raise Stop(Verdict.TIME_LIMIT, "") from None
        if count == 0:
            raise self._death()
        return count

    def drain_output(self) -> None:
        """Capture what the child printed so far (never blocks for long)."""
        self.pipes.drain_output()

    def _death(self) -> Stop:
        """The child closed its result pipe: wait for it and say how it ended."""
        code = self.proc.wait(1.0)
        if code is None:
            return Stop(Verdict.CRASHED, "the process closed its result channel")
        self.alive = False
        # The CPU limit's SIGKILL needs at least this long on every core; earlier, it was not it.
        lived = (self.clock() - self.started) * (os.cpu_count() or 1)
        cpu_spent = lived >= self.cpu_hard_limit
        return Stop(*describe_exit(self.proc.exit_signal(code), code, cpu_spent))

    # -- ending --------------------------------------------------------------------------

    def kill(self) -> None:
        """Kill the child and every process it started, and release the pipes; safe to call
        twice."""
        if self.closed:
            return
        self.closed = True
        self.proc.kill()
        self.alive = False
        self.pipes.drain_output()
        self.pipes.close()


# How Windows reports a process that crashed: the NTSTATUS code as its exit status.
WINDOWS_CRASHES = {
    0xC0000005: "access violation",
    0xC00000FD: "stack overflow",
    0xC0000409: "stack buffer overrun",
    0xC0000017: "out of memory",
    0xC000001D: "illegal instruction",
    0xC0000094: "integer division by zero",
}


def describe_exit(sig: int | None, code: int, cpu_spent: bool = False) -> tuple[Verdict, str]:
    """A verdict and plain words for a process that ended mid-case by ``sig`` or with ``code``."""
    if sig is not None:
        name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
        if sig == getattr(signal, "SIGXCPU", None):
            return Verdict.TIME_LIMIT, "the CPU time limit was reached"
        if sig == signal.SIGSEGV:
            return Verdict.CRASHED, "the process crashed (segmentation fault)"
        if sig == getattr(signal, "SIGXFSZ", None):
            return Verdict.CRASHED, "the process wrote a file larger than allowed"
        if sig == getattr(signal, "SIGKILL", None) and cpu_spent:  # RLIMIT_CPU's hard limit
            return Verdict.TIME_LIMIT, "killed (SIGKILL) at the CPU time limit"
        return Verdict.CRASHED, f"the process was killed by signal {name}"
    if (code & 0xFFFFFFFF) in WINDOWS_CRASHES:
        return Verdict.CRASHED, f"the process crashed ({WINDOWS_CRASHES[code & 0xFFFFFFFF]})"
    return Verdict.CRASHED, f"the process exited (status {code}) before returning a result"


class Capture:
    """Printed output: kept up to ``limit`` bytes, then counted and dropped (thread-safe: the
    portable mode's output thread adds while the run takes)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0
        self.mark = 0
        self.lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self.lock:
            room = max(0, self.limit - len(self.kept))
            self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - room)

    def take(self) -> str:
        """Output since the last ``take``, as safe text."""
        with self.lock:
            piece = bytes(self.kept[self.mark :])
            self.mark = len(self.kept)
        return clean_text(piece.decode("utf-8", "replace"), self.limit)
