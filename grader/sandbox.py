"""The parent side of a run: start the submission's process, feed it inputs, read its outputs.

The child (``grader/worker.py``) is a fresh interpreter in its own session and temporary working
directory, with a scrubbed environment and resource limits. It receives only the inputs of one
case at a time; it answers on its own pipe with a small JSON header plus raw float64 bytes, which
this module validates strictly: anything malformed or oversized is ``crashed``, never a pass.
Nothing from the child is unpickled or evaluated here.

Time is wall time, measured here. When a case ends the process (time limit, crash) a fresh one is
started for the next case; after two such cases in a row, or when the total time is spent, the
remaining cases are ``not_run``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import launch
from grader.model import ErrorKind, Limits, SubmissionError, Verdict

if TYPE_CHECKING:
    import numpy as np

MAX_HEADER = 64 * 1024  # bytes of one JSON header line from the child, newline included
MAX_MESSAGE = 2000  # characters of one message from the child
MAX_DIMS = 8  # dimensions of a result
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_SIZE = 1 << 20
IMPORT_TIME = 5.0  # seconds for the interpreter to start and the submission to be imported
FINISH_TIME = 2.0  # seconds for the child to acknowledge the end of the run
STOPS_IN_A_ROW = 2  # cases in a row that end the process before the rest are not run
FILE_SIZE = 16 << 20  # bytes the child may write to any one file
OPEN_FILES = 64
_MALFORMED = "the process sent malformed data on the result channel"
SETUP_REPLIES = frozenset({"ready", "failed"})
CASE_REPLIES = frozenset({"value", "error"})
FINISH_REPLIES = frozenset({"done"})
ERROR_VERDICTS = frozenset({"runtime_error", "invalid_output", "memory_limit"})


@dataclass(frozen=True)
class CaseInput:
    index: int
    args: Mapping[str, Any]
    time_limit: float


@dataclass(frozen=True)
class Outcome:
    """What one case produced: a value, or the verdict that explains why there is none."""

    index: int
    value: np.ndarray | None
    verdict: Verdict | None  # None when a value came back
    message: str
    line: int | None
    time_s: float
    output: str  # what the submission printed during this case


@dataclass(frozen=True)
class Run:
    failure: SubmissionError | None
    outcomes: tuple[Outcome, ...]
    output: str  # printed while importing (and anything not attributable to a case)
    output_dropped: int  # bytes of printed output beyond the limit, counted and dropped
    mode: str  # "bubblewrap" or "process"
    isolation: str  # the mode in words, with what it protects

    @classmethod
    def not_started(cls, failure: SubmissionError, cases: Sequence[CaseInput], mode: str) -> Run:
        return cls(failure, tuple(_not_run(c, "") for c in cases), "", 0, mode, mode)


class _Stop(Exception):
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


class _Child:
    """One worker process and the three pipes that connect it to us."""

    def __init__(self, mode: str, workdir: Path, capture: _Capture) -> None:
        cmd_r, self.cmd_w = os.pipe()
        self.rec_r, rec_w = os.pipe()
        with contextlib.suppress(OSError):  # Linux: 1 MiB pipes move big results in few wakeups
            fcntl.fcntl(rec_w, F_SETPIPE_SZ, PIPE_SIZE)
        self.out_r, out_w = os.pipe()
        try:
            argv, cwd = launch.command(mode, workdir, cmd_r, rec_w)
            home = f"{launch.INSIDE}/work" if mode == "bubblewrap" else str(workdir)
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(cmd_r, rec_w),
                cwd=cwd,
                env=launch.environment(home),
                start_new_session=True,
                close_fds=True,
            )
            launch.LIVE.add(self.proc.pid)
        finally:
            for fd in (cmd_r, rec_w, out_w):
                os.close(fd)
        for fd in (self.rec_r, self.out_r, self.cmd_w):
            os.set_blocking(fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.rec_r, selectors.EVENT_READ)
        self.selector.register(self.out_r, selectors.EVENT_READ)
        self.capture = capture
        self.buf = bytearray()
        self.outgoing = b""
        self.mode = mode
        self.alive = True
        self.closed = False
        self.started = time.monotonic()
        self.cpu_seconds = math.inf  # the CPU time limit, once the setup has set it
        self.out_open = True

    # -- talking -------------------------------------------------------------------------

    def send(self, message: Mapping[str, Any]) -> None:
        pending = bool(self.outgoing)
        self.outgoing += json.dumps(message, separators=(",", ":"), allow_nan=True).encode() + b"\n"
        if not pending:
            self.selector.register(self.cmd_w, selectors.EVENT_WRITE)

    def receive(
        self, deadline: float, expect: frozenset[str], max_payload: int = 0, index: int = -1
    ) -> tuple[dict[str, Any], np.ndarray | None]:
        """The record answering what we asked, or _Stop on timeout, death or any bad data.

        A record must be of a kind ``expect`` allows, for the case asked (``index``), and the
        last thing the child sent: the worker never sends ahead, so anything after it was forged.
        """
        header = self._header(deadline)
        kind = header.get("kind")
        if kind not in expect:
            raise _Stop(Verdict.CRASHED, _MALFORMED)
        if kind in {"value", "error"} and header.get("index") != index:
            raise _Stop(Verdict.CRASHED, "the process sent a result for a case it was not given")
        if kind == "error" and header.get("verdict") not in ERROR_VERDICTS:
            raise _Stop(Verdict.CRASHED, _MALFORMED)
        if kind != "value":
            self._nothing_more()
            return header, None
        shape = header.get("shape")
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_DIMS
            or not all(type(n) is int and n >= 0 for n in shape)
        ):
            raise _Stop(Verdict.CRASHED, "the process sent a malformed result header")
        nbytes = 8 * math.prod(shape)
        if header.get("nbytes") != nbytes:
            raise _Stop(Verdict.CRASHED, "the process sent a malformed result header")
        if nbytes > max_payload:
            raise _Stop(Verdict.CRASHED, f"the result is too large ({nbytes / 2**20:.0f} MiB)")
        data = self._payload(nbytes, deadline)
        self._nothing_more()
        import numpy as np  # not at module level: the worker must start before numpy loads here

        return header, np.frombuffer(data, dtype="<f8").reshape(shape)

    def _nothing_more(self) -> None:
        if self.buf:
            raise _Stop(Verdict.CRASHED, "the process sent data it was not asked for")

    def _header(self, deadline: float) -> dict[str, Any]:
        while (end := self.buf.find(b"\n")) < 0:
            if len(self.buf) > MAX_HEADER:
                raise _Stop(Verdict.CRASHED, _MALFORMED)
            self._pump(deadline)
        raw, self.buf = bytes(self.buf[:end]), self.buf[end + 1 :]
        try:
            header = json.loads(raw)
        except (ValueError, RecursionError):
            header = None
        if not isinstance(header, dict):
            raise _Stop(Verdict.CRASHED, _MALFORMED)
        return header

    def _payload(self, nbytes: int, deadline: float) -> bytearray:
        data = bytearray(nbytes)
        view = memoryview(data)
        have = min(len(self.buf), nbytes)
        view[:have] = self.buf[:have]
        del self.buf[:have]
        while have < nbytes:
            self._pump(deadline, into=view[have:])
            have += self._last_read
        return data

    _last_read = 0

    def _pump(self, deadline: float, into: memoryview | None = None) -> None:
        """Wait for one event before ``deadline``: move bytes between us and the child."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Stop(Verdict.TIME_LIMIT, "")
        self._last_read = 0
        for key, _ in self.selector.select(remaining):
            fd = key.fd
            if fd == self.out_r:
                self.drain_output()
            elif fd == self.cmd_w:
                self._write_pending()
            elif into is not None:
                try:
                    self._last_read = os.readv(fd, [into])
                except BlockingIOError:
                    continue
                if self._last_read == 0:
                    raise self._death()
            else:
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise self._death()
                self.buf += chunk

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
        """Read what the child printed so far (never blocks; stops for good at end of file)."""
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

    def _death(self) -> _Stop:
        """The child closed its result pipe: wait for it and say how it ended."""
        try:
            code = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return _Stop(Verdict.CRASHED, "the process closed its result channel")
        self.alive = False
        # The CPU limit's SIGKILL needs at least this long on every core; earlier, it was not it.
        lived = (time.monotonic() - self.started) * (os.cpu_count() or 1)
        cpu_spent = lived >= self.cpu_seconds
        return _Stop(*describe_exit(launch.exit_signal(self.mode, code), code, cpu_spent))

    # -- ending --------------------------------------------------------------------------

    def kill(self) -> None:
        """Kill the child's whole process group and release the pipes; safe to call twice."""
        if self.closed:
            return
        self.closed = True
        if self.alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.kill()
        self.proc.wait()
        launch.LIVE.discard(self.proc.pid)
        launch.kill_orphans()
        self.alive = False
        self.drain_output()
        self.selector.close()
        for fd in (self.cmd_w, self.rec_r, self.out_r):
            with contextlib.suppress(OSError):
                os.close(fd)


def describe_exit(sig: int | None, code: int, cpu_spent: bool = False) -> tuple[Verdict, str]:
    """A verdict and plain words for a process that ended mid-case by ``sig`` or with ``code``."""
    if sig is not None:
        name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
        if sig == signal.SIGXCPU:
            return Verdict.TIME_LIMIT, "the CPU time limit was reached"
        if sig == signal.SIGSEGV:
            return Verdict.CRASHED, "the process crashed (segmentation fault)"
        if sig == signal.SIGXFSZ:
            return Verdict.CRASHED, "the process wrote a file larger than allowed"
        if sig == signal.SIGKILL and cpu_spent:  # RLIMIT_CPU's hard limit, SIGXCPU ignored
            return Verdict.TIME_LIMIT, "killed (SIGKILL) at the CPU time limit"
        return Verdict.CRASHED, f"the process was killed by signal {name}"
    return Verdict.CRASHED, f"the process exited (status {code}) before returning a result"


class _Capture:
    """Printed output: kept up to ``limit`` bytes, then counted and dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0
        self.mark = 0

    def add(self, chunk: bytes) -> None:
        room = max(0, self.limit - len(self.kept))
        self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - room)

    def take(self) -> str:
        """Output since the last ``take``, as safe text."""
        piece = bytes(self.kept[self.mark :])
        self.mark = len(self.kept)
        return clean_text(piece.decode("utf-8", "replace"), self.limit)


class Sandbox:
    """Owns the working directory and the worker process of one submission's run.

    The first worker starts booting when the Sandbox is created, so that its interpreter and
    numpy load while the grader reads the problem; ``run`` then feeds it the cases.
    """

    def __init__(self, sandbox: str = "auto", output_limit: int = Limits().output) -> None:
        """``sandbox`` is ``auto|on|off``; ``on`` raises UsageError where bubblewrap cannot run."""
        self.mode = launch.resolve(sandbox)
        self.landlock: str | None = "not started"  # None once the worker confirms Landlock
        launch.become_subreaper()
        self.workdir = Path(tempfile.mkdtemp(prefix="grader-run-"))
        self.capture = _Capture(output_limit)
        self.child: _Child | None = _Child(self.mode, self.workdir, self.capture)

    @staticmethod
    def cpu_seconds(limits: Limits) -> int:
        """The soft CPU limit (SIGXCPU); the hard one, a second later, is SIGKILL."""
        return math.ceil(limits.time_total) + 1

    @property
    def isolation(self) -> str:
        return launch.describe(self.mode, self.landlock)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def run(
        self,
        source: str,
        filename: str,
        entry_point: str,
        arguments: Mapping[str, str],
        cases: Sequence[CaseInput],
        limits: Limits,
    ) -> Run:
        """Import the submission and run every case; never raises for anything the child does."""
        self.capture.limit = limits.output
        start = time.monotonic()
        total_deadline = start + limits.time_total
        setup = {
            "op": "setup",
            "source": source,
            "filename": filename,
            "entry_point": entry_point,
            "arguments": dict(arguments),
            "max_dims": MAX_DIMS,
            "max_message": MAX_MESSAGE,
            "landlock": launch.fence(self.mode, self.workdir),
            "limits": {
                "as": limits.memory,
                "cpu": self.cpu_seconds(limits),
                "fsize": FILE_SIZE,
                "nofile": OPEN_FILES,
                "core": 0,
            },
        }
        failure = self._start(setup, total_deadline, limits)
        import_output = self.capture.take()
        if failure is not None:
            return Run(
                failure,
                tuple(_not_run(c, "") for c in cases),
                import_output,
                self.capture.dropped,
                self.mode,
                self.isolation,
            )
        outcomes: list[Outcome] = []
        stops = 0
        for position, case in enumerate(cases):
            if self.child is None or time.monotonic() >= total_deadline:
                reason = (
                    "the total time limit was reached"
                    if self.child is not None
                    else "the process stopped on two cases in a row"
                )
                outcomes += [_not_run(c, reason) for c in cases[position:]]
                break
            outcome = self._case(case, total_deadline, limits)
            outcomes.append(outcome)
            if self.child.alive:
                stops = 0
                continue
            stops += 1
            self.child.kill()
            more = position + 1 < len(cases)
            self.child = None
            if more and stops < STOPS_IN_A_ROW and time.monotonic() < total_deadline:
                self.child = _Child(self.mode, self.workdir, self.capture)
                if self._start(setup, total_deadline, limits) is not None:
                    self.child.kill()
                    self.child = None
                self.capture.take()
        failure = self._finish(total_deadline)
        if failure is not None:
            outcomes = [_not_run(c, "") for c in cases]
        return Run(
            failure,
            tuple(outcomes),
            import_output + self.capture.take(),
            self.capture.dropped,
            self.mode,
            self.isolation,
        )

    def _start(
        self, setup: Mapping[str, Any], total_deadline: float, limits: Limits
    ) -> SubmissionError | None:
        child = self.child
        assert child is not None
        child.send(setup)
        child.cpu_seconds = self.cpu_seconds(limits) + 1
        deadline = min(total_deadline, time.monotonic() + max(IMPORT_TIME, limits.time_per_case))
        try:
            header, _ = child.receive(deadline, SETUP_REPLIES)
        except _Stop as stop:
            child.kill()
            if stop.verdict is Verdict.TIME_LIMIT:
                return SubmissionError(
                    ErrorKind.TIME_LIMIT,
                    "importing the file did not finish within the time limit",
                    None,
                )
            message = f"{stop.message} while the file was being imported"
            return SubmissionError(ErrorKind.CRASHED, message, None)
        if header["kind"] == "ready":
            refused = header.get("landlock")
            self.landlock = None if refused is None else clean_text(str(refused), 200)
            return None
        child.drain_output()
        try:
            kind = ErrorKind(str(header.get("error")))
        except ValueError:
            kind = ErrorKind.CRASHED
        if kind is ErrorKind.TIME_LIMIT:
            kind = ErrorKind.CRASHED
        line = header.get("line")
        return SubmissionError(
            kind, clean_text(str(header.get("message", ""))), line if type(line) is int else None
        )

    def _case(self, case: CaseInput, total_deadline: float, limits: Limits) -> Outcome:
        child = self.child
        assert child is not None
        started = time.monotonic()
        child.send({"op": "case", "index": case.index, "args": case.args})
        deadline = min(total_deadline, started + case.time_limit)
        try:
            header, value = child.receive(deadline, CASE_REPLIES, limits.memory, case.index)
        except _Stop as stop:
            elapsed = time.monotonic() - started
            child.kill()
            message = stop.message
            if stop.verdict is Verdict.TIME_LIMIT and not message:
                message = (
                    f"took longer than {case.time_limit:g} s"
                    if deadline < total_deadline
                    else f"the total time limit ({limits.time_total:g} s) was reached"
                )
            return Outcome(
                case.index, None, stop.verdict, message, None, elapsed, self.capture.take()
            )
        elapsed = time.monotonic() - started
        child.drain_output()
        output = self.capture.take()
        if header["kind"] == "value":
            return Outcome(case.index, value, None, "", None, elapsed, output)
        verdict = Verdict(header["verdict"])  # checked by receive
        line = header.get("line")
        return Outcome(
            case.index,
            None,
            verdict,
            clean_text(str(header.get("message", ""))),
            line if type(line) is int else None,
            elapsed,
            output,
        )

    def _finish(self, total_deadline: float) -> SubmissionError | None:
        """Ask a live child to finish; a run that ends without its ``done`` record crashed."""
        child = self.child
        if child is None or not child.alive:
            return None
        child.send({"op": "finish"})
        try:
            header, _ = child.receive(time.monotonic() + FINISH_TIME, FINISH_REPLIES)
        except _Stop as stop:
            return SubmissionError(
                ErrorKind.CRASHED,
                f"the process did not finish cleanly: {stop.message or 'it stopped answering'}",
                None,
            )
        finally:
            child.kill()
            self.child = None
        if header.get("kind") != "done":
            return SubmissionError(ErrorKind.CRASHED, "the process did not finish cleanly", None)
        return None


def _not_run(case: CaseInput, reason: str) -> Outcome:
    return Outcome(case.index, None, Verdict.NOT_RUN, reason, None, 0.0, "")
