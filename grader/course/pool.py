"""The job processes of a batch: ``Pool`` feeds ``--jobs`` of them from one queue, ``Job`` is one.

Each job (``grader.course.job``) grades one submission at a time, in a fork server of its own. A
job that dies or hangs is replaced and what it was grading is graded again, ``RETRIES`` times at
most. A job that cannot be started (the machine is out of processes or threads, as when one
submission's processes took them all) is tried again, for ``START_PATIENCE`` seconds while no job
runs; then every task left is answered ``failed`` with the reason: a batch always ends with every
task answered, and its CSV written.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from grader.errors import UsageError
from grader.run import portable

IN_FLIGHT = 2  # tasks handed to a job at once, so that it never waits for the next
RETRIES = 2  # a submission whose job died this many times is reported, not retried again
STOP_TIME = 3.0  # seconds a job gets to clean up after SIGTERM
START_PATIENCE = 30.0  # seconds without any job, none able to start, before the rest is given up


@dataclass
class Task:
    id: int
    learner: str
    path: Path
    sha256: str
    content: bytes
    tries: int = 0
    unrecorded: str = ""  # why the gradebook refused its result, if it did


class Pool:
    """``size`` job processes fed from one queue; a job that dies is replaced."""

    def __init__(self, size: int, spec: Path, sandbox: str, patience: float) -> None:
        """``patience``: seconds a job may take over one submission before it is killed."""
        self.size, self.spec, self.sandbox, self.patience = size, spec, sandbox, patience
        self.wakeup = threading.Event()  # set when a job has said something (or ended)
        self.jobs: list[Job] = []
        self.unstartable = ""  # why the last job could not be started
        self.failing_since: float | None = None  # since when no job could be started
        self.empty_since: float | None = None  # since when no job has run
        while len(self.jobs) < size and self._start():
            pass

    def _start(self) -> bool:
        """Start one more job; False if the machine refused (no process or thread left)."""
        try:
            self.jobs.append(Job(self.spec, self.sandbox, self.wakeup))
        except (OSError, RuntimeError) as exc:  # RuntimeError: "can't start new thread"
            self.unstartable = str(exc) or type(exc).__name__
            if self.failing_since is None:
                self.failing_since = time.monotonic()
            return False
        self.failing_since = None
        return True

    def grade(
        self, tasks: Sequence[Task], progress: Callable[[int], None]
    ) -> Iterable[tuple[Task, dict[str, Any]]]:
        """Yield (task, reply) as jobs answer; every task is answered exactly once."""
        queue = deque(tasks)
        done = 0
        progress(0)
        while done < len(tasks):
            self._feed(queue)
            self.wakeup.wait(timeout=1.0)
            self.wakeup.clear()
            for job in list(self.jobs):
                for task, reply in self._answers(job, queue):
                    done += 1
                    progress(done)
                    yield task, reply
            while queue and len(self.jobs) < self.size and self._start():
                pass
            for task, reply in self._given_up(queue):
                done += 1
                progress(done)
                yield task, reply

    def _feed(self, queue: deque[Task]) -> None:
        """Hand each job what it can hold; a job that took too long over its task is hung."""
        for job in self.jobs:
            while job.alive and queue and len(job.pending) < IN_FLIGHT:
                job.send(queue.popleft())
        now = time.monotonic()
        for job in self.jobs:
            if job.pending and now - job.progressed > self.patience:
                job.alive = False  # hung (or stopped by what it runs): replaced

    def _answers(self, job: Job, queue: deque[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """What ``job`` answered since the last look; once it is dead, its tasks: queued again,
        or answered ``failed`` when graded ``RETRIES`` times already."""
        for reply in job.read() if job.alive else []:
            if reply.get("kind") == "ready":
                continue
            if reply.get("kind") == "failed":
                raise UsageError(f"a batch job could not start: {reply.get('message')}")
            task = job.pending.pop(reply["id"])
            job.progressed = time.monotonic()
            yield task, reply
        if job.alive:
            return
        self.jobs.remove(job)
        job.stop(now=True)
        for position, task in enumerate(job.pending.values()):
            if position == 0:  # only the one it was grading is suspect
                task.tries += 1
            if task.tries >= RETRIES:
                yield task, {"kind": "failed"}
            else:
                queue.appendleft(task)

    def _given_up(self, queue: deque[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """Every task left, answered ``failed``, once no job has run nor could be started for
        ``START_PATIENCE`` seconds; nothing while a job runs or may yet start."""
        if self.jobs:
            self.empty_since = None
            return
        now = time.monotonic()
        self.empty_since = self.empty_since or now
        if self.failing_since is None or now - max(self.empty_since, self.failing_since) < (
            START_PATIENCE
        ):
            return
        why = (
            f"no grading process could be started ({self.unstartable}): the machine ran out of "
            "processes or threads, perhaps because of what a submission started; run the batch "
            "again"
        )
        while queue:
            yield queue.popleft(), {"kind": "failed", "message": why}

    def close(self, now: bool = False) -> None:
        for job in self.jobs:
            job.stop(now)


class Job:
    """One ``grader.course.job`` process and the tasks it holds.

    A thread reads what it answers (any system: Windows cannot ``select`` on a pipe) and sets
    ``wakeup``; ``read`` takes the answers in the batch's thread.
    """

    def __init__(self, spec: Path, sandbox: str, wakeup: threading.Event) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.course.job", str(spec), sandbox],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
            **portable.own_group(),  # Ctrl-C reaches the batch, which stops the jobs in order
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()  # b"": the job's output ended
        self.wakeup = wakeup
        try:
            threading.Thread(target=self._listen, daemon=True).start()
        except RuntimeError:  # no thread can be started now: nor can this job be read
            self.proc.kill()
            self.proc.wait()
            raise
        self.pending: dict[int, Task] = {}
        self.buf = b""
        self.alive = True
        self.progressed = time.monotonic()  # when it started, or last answered

    def _listen(self) -> None:
        while True:
            try:
                chunk = os.read(self.stdout.fileno(), 1 << 20)
            except (OSError, ValueError):
                chunk = b""
            self.inbox.put(chunk)
            self.wakeup.set()
            if not chunk:
                return

    def send(self, task: Task) -> None:
        if not self.pending:  # idle until now: its patience starts with this task
            self.progressed = time.monotonic()
        message = {"id": task.id, "path": str(task.path), "sha256": task.sha256}
        try:
            self.stdin.write(json.dumps(message).encode() + b"\n")
            self.stdin.flush()
        except OSError:
            self.alive = False
        self.pending[task.id] = task

    def read(self) -> list[dict[str, Any]]:
        """The answers that came in full since the last call (never blocks)."""
        while not self.inbox.empty():
            chunk = self.inbox.get()
            if not chunk:
                self.alive = False
            self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def stop(self, now: bool = False) -> None:
        """End the job: at the end of its input when idle, by SIGTERM when ``now`` (either way
        it kills its workers and removes its directories), by SIGKILL if it takes too long."""
        with contextlib.suppress(OSError):
            self.stdin.close()
        for sig in [signal.SIGTERM] if now else [None, signal.SIGTERM]:
            if sig is not None and self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIME)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            portable.end_group(self.proc)
