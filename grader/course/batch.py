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
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import cache
from grader.course import gradebook
from grader.course.pool import Pool, Task
from grader.course.roster import read_plain, roster
from grader.errors import UsageError
from grader.files import shown
from grader.model import Entry, Summary
from grader.problem.cases import case_names
from grader.problem.spec import Problem

RECORD_TRIES = 5  # attempts at recording a result, the last ones after every job has stopped
RECORD_PAUSE = 0.5  # seconds between the last attempts (a full disk may be freed meanwhile)
PATIENCE = 60.0  # seconds beyond a submission's total limit before its job counts as hung


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
