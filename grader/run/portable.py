"""The portable isolation mode: what holds wherever Python runs (Linux, macOS, Windows).

One fresh interpreter per run, started with ``subprocess`` (no fork):
``python -I -X utf8 worker.py --stdio``. The commands go to its stdin, the records come from its
stdout, what it prints from its stderr (the worker moves its own stdout there once it holds the
record channel): the same strict channel as every mode, over pipes served by threads
(``pipes.ThreadPipes``). It runs in a fresh temporary working directory with a scrubbed
environment, under the grader's wall-clock limits per case and in total; the resource limits
(memory, CPU, file size, open files) that the worker can set on itself, where the system has
them (``resource``; not on Windows); and the whole process tree is ended at the end: a new
process group (POSIX) or a Job Object (Windows, which also caps the memory).

What it does not do, unlike the Linux modes: hide the file system (the problems and the reference
can be read), cut the network, stop a same-user process from signalling the grader, or, on POSIX,
end a process that starts its own session (see SECURITY.md).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from grader.run import winjob
from grader.run.launch import WORKER, environment

LIMIT_WORDS = {"as": "memory", "cpu": "CPU time", "fsize": "file size", "nofile": "open files"}


def command() -> list[str]:
    """The worker's command line: isolated from the user's site and PYTHON* variables; UTF-8
    streams whatever the system's code page."""
    return [sys.executable, "-I", "-X", "utf8", str(WORKER), "--stdio"]


def own_group(console: bool = True) -> dict[str, Any]:
    """``Popen`` options that start a process in a group of its own, which ``end_group`` ends:
    a new session on POSIX; a new process group on Windows (Ctrl-C is not sent to it), without
    a console (and so no window popping up) unless ``console``."""
    if sys.platform == "win32":
        flags = subprocess.CREATE_NEW_PROCESS_GROUP
        return {"creationflags": flags if console else flags | subprocess.CREATE_NO_WINDOW}
    return {"start_new_session": True}


def end_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process started with ``own_group`` and, on POSIX, every process left in its group.

    Its group id stays reserved while any member lives (POSIX), so it is signalled even after
    the leader was reaped: the members left behind are found that way.
    """
    if sys.platform != "win32":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        proc.kill()
    proc.wait()


def _job() -> winjob.Job | None:
    """A Job Object for a new worker on Windows; None elsewhere (its process group does)."""
    if sys.platform == "win32":
        return winjob.Job()
    return None


class Portable:
    """A worker in the portable mode (a ``channel.Process``)."""

    def __init__(self, workdir: Path, cmd_fd: int, rec_fd: int, out_fd: int) -> None:
        self.job = _job()
        options = own_group(console=False)
        if self.job is not None:  # it runs once it is in the job, with all it will start
            options["creationflags"] |= winjob.CREATE_SUSPENDED
        try:
            self.proc = subprocess.Popen(
                command(),
                stdin=cmd_fd,
                stdout=rec_fd,
                stderr=out_fd,
                cwd=workdir,
                env=environment(str(workdir)),
                close_fds=True,
                **options,
            )
        except BaseException:
            if self.job is not None:
                self.job.close()
            raise
        self.killed = False
        if self.job is not None:
            try:
                self.job.add(self.proc.pid)
                self.job.resume(self.proc.pid)
            except OSError:
                self.kill()
                raise

    def limit_memory(self, nbytes: int) -> bool:
        if self.job is None:
            return False
        self.job.limit_memory(nbytes)
        return True

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.killed:
            return
        self.killed = True
        if self.job is not None:
            self.job.kill()
        end_group(self.proc)
        if self.job is not None:
            self.job.close()

    def exit_signal(self, code: int) -> int | None:
        return -code if code < 0 else None


def describe(unenforced: frozenset[str]) -> str:
    """The portable mode in words: what holds on this system, and what does not.

    ``unenforced``: the resource limits (``as``, ``cpu``, ``fsize``, ``nofile``) that hold
    neither in the worker (no ``resource`` module, or the system refused) nor by its launcher
    (a Job Object caps the memory).
    """
    if sys.platform == "win32":
        tree = "in a Job Object that ends every process it starts"
    else:
        tree = "in its own process group"
    held = ["wall-clock time"] + [w for n, w in LIMIT_WORDS.items() if n not in unenforced]
    lacking = [f"{w} not enforced" for n, w in LIMIT_WORDS.items() if n in unenforced]
    exposed = "it can read your files and use the network"
    if sys.platform != "win32":
        exposed += ", and a process that starts its own session outlives the run"
    return (
        f"portable (a fresh interpreter {tree}, fresh working directory, scrubbed environment; "
        f"limits: {', '.join(held)}{''.join('; ' + w for w in lacking)}; {exposed})"
    )


def remove_dir(path: Path) -> None:
    """Remove a run's working directory; on Windows, a killed process may hold files in it for
    a moment after it was ended, so try again for up to a second."""
    for _ in range(20 if sys.platform == "win32" else 1):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.05)
