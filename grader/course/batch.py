"""Grading a class: one submission per learner in a folder, in parallel, into the gradebook.

``run`` finds each learner's submission (``roster``), skips those the gradebook already holds with
the same bytes for the same problem, hands the rest to ``--jobs`` job processes
(``grader.course.job``, each with its own fork server), and records every result in its own
transaction the moment it arrives. The CSV and the class report are then written from the gradebook,
never from memory, so a batch that was interrupted and run again ends exactly as if it had never
stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from grader import cache
from grader.course import gradebook
from grader.course.roster import read_plain, roster
from grader.errors import UsageError
from grader.files import shown
from grader.model import Entry, Summary
from grader.problem.cases import case_names
from grader.problem.spec import Problem
from grader.run import portable

IN_FLIGHT = 2  # tasks handed to a job at once, so that it never waits for the next
RETRIES = 2  # a submission whose job died this many times is reported, not retried again
RECORD_TRIES = 5  # attempts at recording a result, the last ones after every job has stopped
RECORD_PAUSE = 0.5  # seconds between the last attempts (a full disk may be freed meanwhile)
STOP_TIME = 3.0  # seconds a job gets to clean up after SIGTERM
PATIENCE = 60.0  # seconds beyond a submission's total limit before its job counts as hung


@dataclass
class Task:
    id: int
    learner: str
    path: Path
    sha256: str
    content: bytes
    tries: int = 0
    unrecorded: str = ""  # why the gradebook refused its result, if it did


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: every result received so far is recorded."""

    def __init__(self, summary: Summary) -> None:
        super().__init__("interrupted")
        self.summary = summary


def run(
    folder: Path,
    problem: Problem,
    db: Any,
    *,
    jobs: int,
    sandbox: str,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Summary:
    """Grade every learner in ``folder`` not already graded in ``db`` for these bytes and problem.

    ``sandbox`` is the resolved mode (``bubblewrap``, ``process`` or ``portable``). Raises
    Interrupted on Ctrl-C or SIGTERM, after recording what was received and stopping every job.
    """
    learners = roster(folder)
    digest = cache.digest(problem)
    kept = gradebook.latest_entries(db, problem.id)
    summary = Summary(len(learners), sandbox=sandbox)
    tasks: list[Task] = []
    current: dict[str, str] = {}  # learner -> sha256 of the file there now
    for found in learners:
        if found.path is None:
            summary.not_graded.append((found.learner, found.problem))
            continue
        try:
            content = read_plain(found.path)
        except OSError as exc:
            summary.not_graded.append(
                (found.learner, f"cannot read {shown(found.path)}: {exc.strerror}")
            )
            continue
        sha = hashlib.sha256(content).hexdigest()
        current[found.learner] = sha
        old = kept.get(found.learner)
        if old is not None and old.sha256 == sha and old.problem_digest == digest:
            summary.unchanged += 1
            continue
        tasks.append(Task(len(tasks), found.learner, found.path, sha, content))
    summary.jobs = min(jobs, len(tasks))
    started = time.monotonic()
    if tasks:
        patience = problem.limits.time_total + PATIENCE
        pool = Pool(summary.jobs, problem.path, sandbox, patience)
        unrecorded: list[tuple[Task, dict[str, Any]]] = []  # results the gradebook refused
        try:
            for task, reply in pool.grade(tasks, lambda done: progress(done, len(tasks))):
                unrecorded.append((task, reply))
                unrecorded = _record(db, unrecorded, digest, summary)
        except KeyboardInterrupt:
            pool.close(now=True)
            _record_or_report(db, unrecorded, digest, summary)
            summary.seconds = time.monotonic() - started
            raise Interrupted(summary) from None
        except BaseException:
            pool.close(now=True)
            raise
        pool.close()
        _record_or_report(db, unrecorded, digest, summary)
    summary.seconds = time.monotonic() - started
    latest = gradebook.latest_entries(db, problem.id)
    summary.entries = [  # a result counts only for the file there now and the problem as it is
        entry
        for learner, sha in current.items()
        if (entry := latest.get(learner)) is not None
        and entry.sha256 == sha
        and entry.problem_digest == digest
    ]
    return summary


def _record(
    db: Any, results: list[tuple[Task, dict[str, Any]]], digest: str, summary: Summary
) -> list[tuple[Task, dict[str, Any]]]:
    """Record every result it can; returns those the gradebook refused (a full disk,
    an I/O error), to try again later: one write that fails costs nothing already recorded, and
    the grading goes on (what filled the disk is often a submission's working directory, gone
    once its run ends)."""
    refused: list[tuple[Task, dict[str, Any]]] = []
    for task, reply in results:
        try:
            _take(db, task, reply, digest, summary)
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(sqlite3.Error):
                db.rollback()
            task.unrecorded, refused = str(exc), [*refused, (task, reply)]
    return refused


def _record_or_report(
    db: Any, results: list[tuple[Task, dict[str, Any]]], digest: str, summary: Summary
) -> None:
    """Try the refused results again, a few times, now that every job has stopped; a learner
    whose result still cannot be written is reported as not graded, with the reason."""
    for attempt in range(RECORD_TRIES):
        if results := _record(db, results, digest, summary):
            time.sleep(RECORD_PAUSE if attempt + 1 < RECORD_TRIES else 0)
    for task, _ in results:
        why = f"its result could not be recorded in the gradebook ({task.unrecorded})"
        summary.not_graded.append((task.learner, f"{why}; run the batch again"))


def _take(db: Any, task: Task, reply: dict[str, Any], digest: str, summary: Summary) -> None:
    """Record one job's answer about ``task``."""
    kind = reply.get("kind")
    if kind != "graded":
        why = reply.get("message") or (
            "the file changed while the batch ran; run the batch again"
            if kind == "changed"
            else "the grader failed on it (see the messages above)"
        )
        summary.not_graded.append((task.learner, str(why)))
        return
    entry = Entry(
        task.learner,
        shown(task.path),
        task.sha256,
        str(reply["normalised"]),
        digest,
        reply["document"],
        tuple(reply["diagnoses"]),
    )
    gradebook.record_entry(db, entry, task.content, str(reply["graded_at"]))
    summary.graded += 1


class Pool:
    """``size`` job processes fed from one queue; a job that dies is replaced."""

    def __init__(self, size: int, spec: Path, sandbox: str, patience: float) -> None:
        """``patience``: seconds a job may take over one submission before it is killed."""
        self.spec, self.sandbox, self.patience = spec, sandbox, patience
        self.wakeup = threading.Event()  # set when a job has said something (or ended)
        self.jobs: list[Job] = []
        for _ in range(size):
            self._start()

    def _start(self) -> Job:
        job = Job(self.spec, self.sandbox, self.wakeup)
        self.jobs.append(job)
        return job

    def grade(
        self, tasks: Sequence[Task], progress: Callable[[int], None]
    ) -> Iterable[tuple[Task, dict[str, Any]]]:
        """Yield (task, reply) as jobs answer; every task is answered exactly once."""
        queue = deque(tasks)
        done = 0
        progress(0)
        while done < len(tasks):
            for job in self.jobs:
                while job.alive and queue and len(job.pending) < IN_FLIGHT:
                    job.send(queue.popleft())
            now = time.monotonic()
            for job in self.jobs:
                if job.pending and now - job.progressed > self.patience:
                    job.alive = False  # hung (or stopped by what it runs): replaced below
            self.wakeup.wait(timeout=1.0)
            self.wakeup.clear()
            for job in list(self.jobs):
                for reply in job.read() if job.alive else []:
                    if reply.get("kind") == "ready":
                        continue
                    if reply.get("kind") == "failed":
                        raise UsageError(f"a batch job could not start: {reply.get('message')}")
                    task = job.pending.pop(reply["id"])
                    job.progressed = time.monotonic()
                    done += 1
                    progress(done)
                    yield task, reply
                if job.alive:
                    continue
                self.jobs.remove(job)
                job.stop(now=True)
                for position, task in enumerate(job.pending.values()):
                    if position == 0:  # only the one it was grading is suspect
                        task.tries += 1
                    if task.tries >= RETRIES:
                        done += 1
                        progress(done)
                        yield task, {"kind": "failed"}
                    else:
                        queue.appendleft(task)
                if queue:
                    self._start()

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
        threading.Thread(target=self._listen, daemon=True).start()
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


# ---------------------------------------------------------------------------------------------
# The library's entry point: a class folder in, the gradebook, the CSV and the class report out.


@dataclass(frozen=True)
class Outputs:
    """What ``batch`` wrote: the CSV and the class report (None when not asked for)."""

    summary: Summary
    csv: Path
    report: Path | None
    gradebook: Path


def batch(
    folder: Path | str,
    problem: str,
    problems: Path | str | None = None,
    *,
    jobs: int | None = None,
    sandbox: str = "auto",
    out: Path | str = "gradebook.csv",
    gradebook_path: Path | str | None = None,
    report: Path | str | bool | None = True,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Outputs:
    """Grade every learner's submission in ``folder`` against ``problem`` into the gradebook,
    then write the CSV ``out`` and (``report``: True for ``<csv stem>.html``, a path, or False)
    the class report, both from the gradebook.

    Raises UsageError (bad folder, unknown problem, unwritable output: every result is then in
    the gradebook already) or Interrupted (Ctrl-C; what was received is recorded).
    """
    from grader.pipeline import find_problem
    from grader.report import csvfile
    from grader.run import launch

    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    mode = launch.resolve(sandbox)
    found = find_problem(problem, problems)
    db_path = Path(gradebook_path) if gradebook_path is not None else gradebook.DEFAULT
    db = gradebook.connect(db_path)
    try:
        summary = run(
            Path(folder),
            found,
            db,
            jobs=jobs or os.cpu_count() or 1,
            sandbox=mode,
            progress=progress,
        )
    finally:
        db.close()
    csv_path = Path(out)
    report_path = None
    if report is not False and report is not None:
        report_path = csv_path.with_suffix(".html") if report is True else Path(report)
    try:
        csvfile.write(csv_path, summary, case_names(found))
        if report_path is not None:
            from grader.report import classreport

            stats = classreport.analyse(found.id, found.title, summary.entries, summary.not_graded)
            classreport.write(stats, report_path)
    except OSError as exc:
        raise UsageError(
            f"cannot write {exc.filename or csv_path}: {exc.strerror}; every result is in the "
            "gradebook: run the same command again with another --out or --report"
        ) from None
    return Outputs(summary, csv_path, report_path, db_path)
