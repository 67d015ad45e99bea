"""A submission's run: import it in a worker, feed it each case's inputs, collect outcomes.

The worker (``grader/worker.py``, started by ``launch`` or forked by ``prefork``, spoken to
through ``channel``) is a fresh process in its own session and temporary working directory,
isolated as ``launch`` describes. It receives only inputs, never an expected value; what it sends
back is validated strictly by ``channel``: anything malformed or oversized is ``crashed``, never
a pass.

Examples are sent one at a time; hidden cases are sent together and answered in order. A case's
time is the wall time from the previous answer (or the sending) to its own, measured here. When
a case ends the process (time limit, crash) a fresh one is started for the next case; after two
such cases in a row, or when the total time is spent, the remaining cases are ``not_run``.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.model import CaseInput, ErrorKind, Limits, Outcome, Run, SubmissionError, Verdict
from grader.run import launch
from grader.run.channel import (
    CASE_REPLIES,
    FINISH_REPLIES,
    MAX_DIMS,
    MAX_MESSAGE,
    SETUP_REPLIES,
    Capture,
    Stop,
    Worker,
    clean_text,
)

if TYPE_CHECKING:
    from grader.run.prefork import ForkServer

IMPORT_TIME = 5.0  # seconds for the interpreter to start and the submission to be imported
FINISH_TIME = 2.0  # seconds for the child to acknowledge the end of the run
STOPS_IN_A_ROW = 2  # cases in a row that end the process before the rest are not run
FILE_SIZE = 16 << 20  # bytes the child may write to any one file
OPEN_FILES = 64


class Sandbox:
    """Owns the working directory and the worker process of one submission's run.

    The first worker starts booting when the Sandbox is created, so that its interpreter and
    numpy load while the grader reads the problem; ``run`` then feeds it the cases.
    """

    def __init__(
        self,
        sandbox: str = "auto",
        output_limit: int = Limits().output,
        server: ForkServer | None = None,
    ) -> None:
        """``sandbox`` is ``auto|on|off``; ``on`` raises UsageError where bubblewrap cannot run.

        With a ``server`` (batch grading), workers are forked by it, in its isolation mode.
        """
        self.server = server
        self.mode = server.mode if server else launch.resolve(sandbox)
        self.landlock: str | None = "not started"  # None once the worker confirms Landlock
        launch.become_subreaper()
        if server is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="grader-run-"))
            self.work = launch.inside(self.mode, self.workdir)
        else:
            self.workdir, self.work = server.workdir()
        self.capture = Capture(output_limit)
        self.child: Worker | None = self._worker()

    def _worker(self) -> Worker:
        self.finish_sent = False  # whether this worker was told to finish after its cases
        server, mode, workdir = self.server, self.mode, self.workdir
        if server is None:
            return Worker(lambda *fds: launch.Spawned(mode, workdir, *fds), self.capture)
        return Worker(lambda *fds: server.fork(self.work, *fds), self.capture)

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
        """Kill the worker and all it started, and remove the working directory."""
        if self.child is not None:
            self.child.kill()
            self.child = None
        if self.server is not None:
            self.server.settle()  # the server has killed and reaped everything of this run
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
            "landlock": launch.fence(self.mode, self.work),
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
                tuple(Outcome.not_run(c) for c in cases),
                import_output,
                self.capture.dropped,
                self.mode,
                self.isolation,
            )
        outcomes: list[Outcome] = []
        stops = 0
        sent = 0  # cases before this index were sent to the current child
        started = time.monotonic()
        for position, case in enumerate(cases):
            if self.child is None or time.monotonic() >= total_deadline:
                reason = (
                    "the total time limit was reached"
                    if self.child is not None
                    else "the process stopped on two cases in a row"
                )
                outcomes += [Outcome.not_run(c, reason) for c in cases[position:]]
                if self.child is not None and sent > position:  # answers still on their way:
                    self.child.kill()  # the run ends here, not with a ``done`` record
                    self.child = None
                break
            if sent == position:
                sent = self._send_ahead(cases, position)
                started = time.monotonic()
            more = sent > position + 1 or self.finish_sent
            outcome = self._case(case, started, total_deadline, limits, more=more)
            started = time.monotonic()  # the next case, already sent, runs from now on
            outcomes.append(outcome)
            if self.child.alive:
                stops = 0
                continue
            stops += 1
            self.child.kill()
            more = position + 1 < len(cases)
            self.child = None
            sent = position + 1  # what the dead child was sent ahead goes to the next one
            if more and stops < STOPS_IN_A_ROW and time.monotonic() < total_deadline:
                self.child = self._worker()
                if self._start(setup, total_deadline, limits) is not None:
                    self.child.kill()
                    self.child = None
                self.capture.take()
        failure = self._finish(total_deadline)
        if failure is not None:
            outcomes = [Outcome.not_run(c) for c in cases]
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
        deadline = min(
            total_deadline, time.monotonic() + max(IMPORT_TIME, limits.time_per_case or 0)
        )
        try:
            header, _ = child.receive(deadline, SETUP_REPLIES)
        except Stop as stop:
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

    def _send_ahead(self, cases: Sequence[CaseInput], position: int) -> int:
        """Send the run of cases of one group that starts at ``position``; returns its end.

        The worker answers them in order without waiting for us: one round trip per run, not
        per case. Runs never cross groups and examples go alone, so the code never holds a
        hidden case's input while an example runs, and an example's output is exactly its own.
        """
        child = self.child
        assert child is not None
        group = cases[position].group
        end = position
        while end < len(cases) and (
            end == position or (group is not None and cases[end].group == group)
        ):
            case = cases[end]
            child.send_line(f'{{"op":"case","index":{case.index},"args":{case.args_json}}}')
            end += 1
        if end == len(cases):  # the worker says ``done`` right after its last answer
            child.send({"op": "finish"})
            self.finish_sent = True
        return end

    def _case(
        self,
        case: CaseInput,
        started: float,
        total_deadline: float,
        limits: Limits,
        more: bool,
    ) -> Outcome:
        """Receive the answer to ``case``, which started at ``started``; ``more`` answers to
        cases sent ahead may follow it."""
        child = self.child
        assert child is not None
        deadline = min(total_deadline, started + case.time_limit)
        try:
            header, value = child.receive(
                deadline, CASE_REPLIES, limits.memory, case.index, more=more
            )
        except Stop as stop:
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
        if not self.finish_sent:
            child.send({"op": "finish"})
        try:
            header, _ = child.receive(time.monotonic() + FINISH_TIME, FINISH_REPLIES)
        except Stop as stop:
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
