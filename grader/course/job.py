"""A batch job: one process that grades, one at a time, the submissions ``batch`` hands it.

Started by ``batch`` as ``python -m grader.course.job SPEC SANDBOX``. It loads the problem once
(from the cache), keeps a fork server for its workers (none in the portable mode: each
submission gets a fresh interpreter) and an advisor for wrong answers, then reads
tasks and answers each on its own line. It holds expected values, so it is the grader's side:
nothing here runs a submission's code, and it is not ptrace-able by the submissions' uid.

Protocol, JSON lines: tasks on stdin ``{"id": N, "path": P, "sha256": S}``; on stdout first
``{"kind": "ready"}`` (or ``{"kind": "failed", "message": M}``), then per task one of
``{"id", "kind": "graded", "document", "diagnoses", "normalised", "graded_at"}``,
``{"id", "kind": "unreadable", "message"}`` (the file cannot be read as a submission),
``{"id", "kind": "changed"}`` (its bytes are no longer those the batch hashed), or
``{"id", "kind": "not_graded", "message"}`` (no fork server, process or thread could be started
for it: the job goes on with the next, for which one may start again). End of input ends
the job; SIGTERM ends it after cleaning up.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
from pathlib import Path
from typing import IO, Any

from grader import cache
from grader.errors import SpecError, UsageError
from grader.pipeline import advisor_for, cases_of, reference_timer, run_warm
from grader.problem.spec import load_problem
from grader.problem.yamlmap import load
from grader.run import capabilities
from grader.run.prefork import ForkServer, ServerGone
from grader.submission.source import normalised_hash, read_submission


def serve(spec: Path, mode: str, tasks: IO[str], replies: IO[str]) -> None:
    def reply(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    try:
        problem = load_problem(spec, cache.reader(load))
        cases = cases_of(problem)
    except (SpecError, UsageError) as exc:
        reply({"kind": "failed", "message": str(exc)})
        return
    advisor = advisor_for(problem)
    timer = reference_timer(problem, cases)  # times the reference once, for a too-slow answer
    servers = _Servers(mode)
    try:
        reply({"kind": "ready"})
        for line in tasks:
            task = json.loads(line)
            try:
                submission = read_submission(Path(task["path"]))
            except UsageError as exc:
                reply({"id": task["id"], "kind": "unreadable", "message": str(exc)})
                continue
            if submission.sha256 != task["sha256"]:
                reply({"id": task["id"], "kind": "changed"})
                continue
            try:
                result = run_warm(submission, problem, cases, servers.get(), advisor, timer)
            except (ServerGone, OSError, RuntimeError) as exc:
                if not _ran_out(exc):
                    raise
                reply({"id": task["id"], "kind": "not_graded", "message": _no_sandbox(exc)})
                continue  # the next one may start
            reply(
                {
                    "id": task["id"],
                    "kind": "graded",
                    "document": result.document(),
                    "diagnoses": [c.diagnosis for c in result.cases],
                    "normalised": normalised_hash(submission.source),
                    "graded_at": result.graded_at,
                }
            )
    finally:
        servers.close()


class _Servers:
    """The job's fork server, started when first needed and again after it could not be
    (OSError or RuntimeError, for the submission at hand); none in the portable mode, where
    each submission gets a fresh interpreter."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.server: ForkServer | None = None
        if mode != "portable":
            try:
                self.server = ForkServer(mode)
            except (OSError, RuntimeError) as exc:  # tried again for the first task
                if not _ran_out(exc):
                    raise

    def get(self) -> ForkServer | None:
        if self.server is None and self.mode != "portable":
            self.server = ForkServer(self.mode)
        return self.server

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def _ran_out(exc: Exception) -> bool:
    """Whether ``exc`` says the machine ran out of processes, threads or memory (no server,
    process or thread to be had), rather than a fault of the grader's."""
    if isinstance(exc, RuntimeError):
        return "can't start new thread" in str(exc)
    if isinstance(exc, OSError):
        return exc.errno in (errno.EAGAIN, errno.ENOMEM)
    return isinstance(exc, ServerGone)


def _no_sandbox(exc: Exception) -> str:
    return (
        f"no sandbox could be started to grade it ({exc}): the machine ran out of processes "
        "or memory, perhaps because of what a submission started; run the batch again"
    )


def main(argv: list[str]) -> None:
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed by accident goes to stderr, never into the replies
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch handles Ctrl-C and tells us
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds: workers killed, dirs gone
    capabilities.private_memory()  # not ptrace-able; results of a few MB reuse heap memory
    try:
        serve(Path(argv[1]), argv[2], sys.stdin, replies)
    except BrokenPipeError:  # the batch went away (killed): nobody is left to answer
        os._exit(0)
    except Exception as exc:  # a bug of the grader: one line; the batch grades the task again
        if os.environ.get("GRADER_DEBUG") == "1":
            raise
        print(
            f"grader: internal error in a batch job: {type(exc).__name__}: {exc}", file=sys.stderr
        )
        sys.exit(3)


if __name__ == "__main__":
    main(sys.argv)
