"""A submission's run: import it in a worker, feed it each case's inputs, collect outcomes.

The worker (``child/worker.py``, forked by a fork server of ``prefork``, or started by
``portable``; spoken to through ``channel``) is a fresh process in its own session and temporary
working directory, isolated as ``launch`` describes, in a container of its own where the machine
allows (``container``). It receives only inputs, never an expected value; what it sends
back is validated strictly by ``channel``: anything malformed or oversized is ``crashed``, never
a pass.

Examples are sent one at a time; hidden cases are sent together and answered in order. A case's
time is the wall time from the previous answer (or the sending) to its own, measured here. When
a case ends the process (time limit, crash) a fresh one is started for the next case; after two
such cases in a row, or when the total time is spent, the remaining cases are ``not_run``.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from grader.model import CaseInput, ErrorKind, Limits, Outcome, Run, SubmissionError, Verdict
from grader.run import container, held, launch, portable
from grader.run.channel import (
    CASE_REPLIES,
    FINISH_REPLIES,
    MAX_DIMS,
    MAX_MESSAGE,
    SETUP_REPLIES,
    Capture,
    Process,
    Stop,
    Worker,
    clean_text,
)
from grader.run.pipes import SelectorPipes, ThreadPipes
from grader.run.prefork import ForkServer, ServerGone
from grader.run.sendahead import SendAhead

IMPORT_TIME = 5.0  # seconds for the interpreter to start and the submission to be imported
FINISH_TIME = 2.0  # seconds for the child to acknowledge the end of the run
STOPS_IN_A_ROW = 2  # cases in a row that end the process before the rest are not run
FILE_SIZE = 16 << 20  # bytes the child may write to any one file
OPEN_FILES = 64


class Sandbox:
    """Owns the working directory and the worker process of one submission's run.

    Without a ``server``, a Linux-mode Sandbox starts a fork server of its own for the run and
    asks it for the first worker at once, so that its interpreter and numpy load while the
    grader reads the problem; ``run`` then feeds it the cases.
    """

    def __init__(
        self,
        sandbox: str = "auto",
        output_limit: int = Limits().output,
        server: ForkServer | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        """``sandbox`` is ``auto|on|off``; ``on`` raises UsageError where bubblewrap cannot run.

        With a ``server`` (batch grading), workers are forked by it, in its isolation mode.
        Every limit is measured on ``clock``; ``on_outcome`` hears of each case as it ends.
        """
        self.requested = sandbox  # what was asked for (the server's mode, with a server)
        self.mode = server.mode if server else launch.resolve(sandbox)
        self.owned = server is None and self.mode != "portable"  # a server for this run alone
        self.server = ForkServer(self.mode) if self.owned else server
        self.clock = clock
        self.on_outcome = on_outcome
        self.landlock: str | None = "not started"  # None once the worker confirms Landlock
        self.abi = 0  # the Landlock ABI in force in the worker
        self.unenforced: frozenset[str] = frozenset()  # resource limits that do not hold
        self.confined: dict[str, Any] | None = None  # what the fork server's confinement held
        self.contained = False  # whether the worker is in a container (a cgroup)
        if self.server is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="grader-run-"))
            self.work = launch.inside(self.mode, self.workdir)
        else:
            self.workdir, self.work = self.server.workdir()
        self.capture = Capture(output_limit)
        self.child: Worker | None = self._worker()

    def _worker(self) -> Worker:
        pipes = ThreadPipes if self.mode == "portable" else SelectorPipes
        return Worker(self._spawn, self.capture, self.clock, pipes)

    def _spawn(self, cmd_fd: int, rec_fd: int, out_fd: int) -> Process:
        if self.server is not None:
            return self.server.fork(self.work, cmd_fd, rec_fd, out_fd)
        return portable.Portable(self.workdir, cmd_fd, rec_fd, out_fd)

    @staticmethod
    def cpu_seconds(limits: Limits) -> int:
        """The soft CPU limit (SIGXCPU); the hard one, a second later, is SIGKILL."""
        return math.ceil(limits.time_total) + 1

    @property
    def isolation(self) -> str:
        if self.mode == "portable":
            return portable.describe(self.unenforced)
        contained = container.describe(self._container())
        landlock, abi = self.landlock, self.abi
        return held.describe(self.mode, landlock, abi, self.unenforced, self.confined, contained)

    @property
    def per_process_only(self) -> tuple[str, ...]:
        if self.mode == "portable":
            return ("memory", "processes", "cpu time", "disk")
        return held.per_process_only(self.confined, self.contained, self.landlock)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the worker and all it started, and remove the working directory."""
        if self.server is not None and self.owned:
            self.server.closing = True  # closed below: it ends all it started as it exits
        self._end_worker()
        if self.server is not None and self.owned:
            self.server.close()  # it ends what is left of the run, then itself
        elif self.server is not None:
            self.server.settle()  # the server has killed and reaped everything of this run
        if self.server is None or not self.server.keeps(self.workdir):
            portable.remove_dir(self.workdir)

    def _end_worker(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None

    def run(
        self,
        source: str,
        filename: str,
        entry_point: str,
        result: Any,
        cases: Sequence[CaseInput],
        limits: Limits,
    ) -> Run:
        """Import the submission and run every case; never raises for anything the child does."""
        self.capture.limit = limits.output
        deadline = self.clock() + limits.time_total
        setup: dict[str, Any] = {
            "op": "setup",
            "source": source,
            "filename": filename,
            "entry_point": entry_point,
            "result": result,  # the layout of the result (``codec``)
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
        if self.server is not None and self.server.plan.get("uid") is not None:
            # a uid of the run's own: counting its processes bounds them, container or not
            setup["limits"]["nproc"] = container.PROCESSES
        failure = self._start(setup, deadline, limits)
        import_output = self.capture.take()
        if failure is not None:
            outcomes = [Outcome.not_run(c) for c in cases]
        else:
            outcomes = self._cases(setup, cases, deadline, limits)
            failure = self._finish()
            if failure is not None:
                outcomes = [Outcome.not_run(c) for c in cases]
        if self.owned and self.server is not None:  # a server for this run alone: it ends all
            self.server.closing = True  # it started and exits while the outcomes are judged
            self._end_worker()
            self.server.wind_down()
        return Run(
            failure,
            tuple(outcomes),
            import_output + self.capture.take(),
            self.capture.dropped,
            self.mode,
            self.isolation,
            self.per_process_only,
        )

    def _cases(
        self,
        setup: Mapping[str, Any],
        cases: Sequence[CaseInput],
        deadline: float,
        limits: Limits,
    ) -> list[Outcome]:
        """Run ``cases`` on the started worker, replacing it when a case ends it.

        After ``STOPS_IN_A_ROW`` such cases, or once the total time is spent, the rest are
        ``not_run``.
        """
        assert self.child is not None
        outcomes: list[Outcome] = []
        sent = SendAhead(self.child, cases, 0, self.clock)
        stops = 0
        for position, case in enumerate(cases):
            if self.child is None or self.clock() >= deadline:
                reason = (
                    "the process stopped on two cases in a row"
                    if self.child is None
                    else "the total time limit was reached"
                )
                outcomes += [Outcome.not_run(c, reason) for c in cases[position:]]
                if sent.owes(position):  # answers still on their way: the run ends here,
                    self._end_worker()  # not with a ``done`` record
                break
            sent.send_group_at(position)
            outcome = self._case(case, sent.started, deadline, limits, sent.more_after(position))
            sent.answered()
            outcomes.append(outcome)
            if self.on_outcome is not None:
                self.on_outcome(outcome)
            if self.child.alive:
                stops = 0
                continue
            stops += 1
            self._end_worker()
            if position + 1 < len(cases) and stops < STOPS_IN_A_ROW and self.clock() < deadline:
                self._restart(setup, deadline, limits)
            if self.child is not None:  # what the dead one was sent ahead goes to this one
                sent = SendAhead(self.child, cases, position + 1, self.clock)
        if self.child is not None:
            sent.send_finish()
        return outcomes

    def _restart(self, setup: Mapping[str, Any], deadline: float, limits: Limits) -> None:
        """A fresh worker for the cases after one that ended the last (None if it fails)."""
        try:
            self.child = self._worker()
        except ServerGone:  # no fork server can be started: the rest are not run
            return
        if self._start(setup, deadline, limits) is not None:
            self._end_worker()
        self.capture.take()  # what it printed while importing was shown already

    def _start(
        self, setup: Mapping[str, Any], deadline: float, limits: Limits
    ) -> SubmissionError | None:
        child = self.child
        assert child is not None
        child.setup(setup)
        self._confinement(child)
        import_deadline = min(deadline, self.clock() + max(IMPORT_TIME, limits.time_per_case or 0))
        try:
            header, _ = child.receive(import_deadline, SETUP_REPLIES)
        except Stop as stop:
            out_of_memory = _out_of_memory(child)
            child.kill()
            refused = getattr(child.proc, "refused", None)
            if refused:
                if self.mode == "bubblewrap":
                    launch.recheck()  # SandboxChanged: bubblewrap was remembered working
                message = f"the sandbox could not be set up for it: {refused}"
                return SubmissionError(ErrorKind.CRASHED, message, None)
            if stop.verdict is Verdict.TIME_LIMIT:
                return SubmissionError(
                    ErrorKind.TIME_LIMIT,
                    "importing the file did not finish within the time limit",
                    None,
                )
            if out_of_memory:
                return SubmissionError(
                    ErrorKind.MEMORY_LIMIT, _OOM + " while the file was being imported", None
                )
            message = f"{stop.message} while the file was being imported"
            return SubmissionError(ErrorKind.CRASHED, message, None)
        if header["kind"] == "ready":
            refused = header.get("landlock")
            self.landlock = None if refused is None else clean_text(str(refused), 200)
            abi = header.get("abi")
            self.abi = abi if type(abi) is int and 0 <= abi < 1000 and refused is None else 0
            self.unenforced = held.unenforced(header.get("unenforced"), child.memory_capped)
            child.drain_output()  # what it printed while importing is the import's, not a case's
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
            elapsed = self.clock() - started
            out_of_memory = _out_of_memory(child)
            child.kill()
            message = stop.message
            if stop.verdict is Verdict.CRASHED and out_of_memory:
                stop = Stop(Verdict.MEMORY_LIMIT, _OOM)
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
        elapsed = self.clock() - started
        child.drain_output()
        output = self.capture.take()
        if header["kind"] == "value":
            return Outcome(case.index, value, None, "", None, elapsed, output)
        verdict = Verdict(header["verdict"])  # checked by receive
        message, line = clean_text(str(header.get("message", ""))), header.get("line")
        line = line if type(line) is int else None
        return Outcome(case.index, None, verdict, message, line, elapsed, output)

    def _finish(self) -> SubmissionError | None:
        """Hear a live child finish (it was told to); a run that ends without its ``done``
        record crashed."""
        child = self.child
        if child is None or not child.alive:
            return None
        try:
            header, _ = child.receive(self.clock() + FINISH_TIME, FINISH_REPLIES)
        except Stop as stop:
            return SubmissionError(
                ErrorKind.CRASHED,
                f"the process did not finish cleanly: {stop.message or 'it stopped answering'}",
                None,
            )
        finally:
            self._end_worker()
        if header.get("kind") != "done":
            return SubmissionError(ErrorKind.CRASHED, "the process did not finish cleanly", None)
        return None

    def _container(self) -> container.Container | str:
        """The run's container, or why it has none."""
        held = self.server.container if self.server is not None else None
        if self.contained and held is not None:
            return held
        if self.server is not None and self.server.uncontained:
            return self.server.uncontained
        return "the fork server could not enter its group"

    def _confinement(self, child: Worker) -> None:
        """Note how the fork server confined the worker, and whether it is in a container."""
        confined = getattr(child.proc, "confined", None)
        if isinstance(confined, dict) and confined:
            self.confined = confined
        self.contained = getattr(child.proc, "container", None) is not None


_OOM = "the submission's processes together ran out of memory"


def _out_of_memory(child: Worker) -> bool:
    """Whether the kernel killed a process of the worker's container for want of memory."""
    check = getattr(child.proc, "out_of_memory", None)
    return bool(check()) if callable(check) else False
