"""``grader watch``: grade a file now and again on every save, from a warm worker.

The problem is loaded once (spec, cases, expected values, known mistakes) and a fork server
(``grader/run/prefork.py``) keeps an interpreter with numpy imported, isolated exactly like a
worker; each regrade forks a fresh worker from it, so a save is graded in tens of milliseconds
rather than the few hundred a new ``grader grade`` costs (in the portable mode, which has no fork
server, each regrade starts a fresh interpreter, as ``grader grade`` does). The file's folder is
watched with
``watchfiles`` (inotify and friends, with a short debounce) from a thread of its own, so saves made
while a run is going on are not lost: the latest is graded as soon as the run ends.

What can go wrong with the file is a result, never the end of the watch: a half-written file is
graded as it is (and again when the editor finishes writing), a syntax error or a hang is a
verdict, a deleted file is reported and waited for.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.judge.diagnose import Advisor
    from grader.judge.growth import Timer
    from grader.model import Case, Result
    from grader.problem.spec import Problem
    from grader.run.prefork import ForkServer

STEP_MS = 30  # a save is graded once no further change came for this long
CLEAR = "\033[H\033[2J\033[3J"  # cursor home, clear the screen and the scrollback


@dataclass
class Loaded:
    """What a watch keeps between regrades."""

    problem: Problem
    cases: tuple[Case, ...]
    advisor: Advisor
    timer: Timer
    server: ForkServer | None  # None in the portable mode: a fresh interpreter per regrade


def watch(
    path: Path,
    problem_id: str | None = None,
    problems: Path | None = None,
    sandbox: str = "auto",
    out: TextIO = sys.stdout,
    status: TextIO = sys.stderr,
    color: bool = False,
    clear: bool = False,
    stop: threading.Event | None = None,
) -> None:
    """Grade ``path`` now and after every change until Ctrl-C (or ``stop`` is set).

    Result blocks go to ``out`` (cleared first when ``clear``), one-line status to ``status``.
    A UsageError (no such file, unknown problem, bad spec) is raised before watching starts.
    """
    from grader.cache import probe_sandbox
    from grader.run.launch import SandboxChanged

    stop = stop or threading.Event()
    probe_sandbox(sandbox)
    # boots (interpreter, numpy) while the problem loads; the portable mode has no fork server
    server = _server(sandbox)
    try:
        loaded = _load(path, problem_id, problems, server)
        changed = threading.Event()
        watcher = threading.Thread(
            target=_watch_folder, args=(path, changed, stop), name="grader-watch", daemon=True
        )
        watcher.start()
        render = _renderer(out, status, color, clear, path)
        last: str | None = None
        while not stop.is_set():
            try:
                last = _regrade(path, loaded, render, last)
            except SandboxChanged as exc:  # bubblewrap stopped working: what works now
                render(None, f"{exc}; changing modes")
                if server is not None:
                    server.close()
                server = loaded.server = _server(sandbox)
                continue
            while not changed.wait(0.2):  # a timeout, so that Ctrl-C is seen promptly
                if stop.is_set():
                    return
            changed.clear()
    finally:
        stop.set()
        if server is not None:
            server.close()


def _server(sandbox: str) -> ForkServer | None:
    """A fork server in the mode ``sandbox`` resolves to now; None in the portable mode."""
    from grader.run import launch
    from grader.run.prefork import ForkServer

    mode = launch.resolve(sandbox)
    return ForkServer(mode) if mode != "portable" else None


def _load(
    path: Path, problem_id: str | None, problems: Path | None, server: ForkServer | None
) -> Loaded:
    from grader import cache
    from grader.pipeline import advisor_for, cases_of, choose_problem, reference_timer
    from grader.problem.catalog import catalog
    from grader.problem.spec import load_problem
    from grader.problem.yamlmap import load
    from grader.submission.source import read_submission

    submission = read_submission(path)
    found = catalog(problems)
    read = cache.reader(load)
    problem = load_problem(found.path(problem_id or choose_problem(submission, found, read)), read)
    cases = cases_of(problem)
    return Loaded(problem, cases, advisor_for(problem), reference_timer(problem, cases), server)


def grade_once(path: Path, loaded: Loaded) -> Result:
    """Grade the file as it is now in a worker forked from the warm server."""
    from grader.pipeline import run_warm
    from grader.submission.source import read_submission

    submission = read_submission(path)
    return run_warm(
        submission, loaded.problem, loaded.cases, loaded.server, loaded.advisor, loaded.timer
    )


Render = Callable[["Result | None", str], None]


def _regrade(path: Path, loaded: Loaded, render: Render, last: str | None) -> str | None:
    """Grade ``path`` unless its bytes are those graded last; returns the bytes' sha256."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        render(None, f"{path} is not there (deleted or being replaced): waiting for it")
        return None
    if digest == last:
        return last
    started = time.monotonic()
    try:
        result = grade_once(path, loaded)
    except UsageError as exc:  # vanished or unreadable between the check and the read
        render(None, f"{exc}: waiting for the next save")
        return None
    took = time.monotonic() - started
    render(result, f"graded in {took * 1e3:.0f} ms")
    return result.sha256


def _renderer(out: TextIO, status: TextIO, color: bool, clear: bool, path: Path) -> Render:
    from grader.report import text

    def render(result: Result | None, note: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        line = f"[{stamp}] watching {path} · {note} · save to regrade, Ctrl-C to stop"
        if result is None:
            if clear:
                out.write(CLEAR)
            status.write(line + "\n")
            status.flush()
            return
        block = text.render(result, color=color)
        out.write((CLEAR if clear else "") + block)
        out.flush()
        status.write(line + "\n")
        status.flush()

    return render


def _watch_folder(path: Path, changed: threading.Event, stop: threading.Event) -> None:
    """Set ``changed`` whenever ``path`` is written, replaced, created or deleted.

    The folder is watched, not the file: editors often save by writing a new file and renaming
    it over the old one, which a watch on the file itself would lose.
    """
    import watchfiles

    folder = path.parent.resolve()
    name = path.name

    def ours(change: watchfiles.Change, changed_path: str) -> bool:
        return Path(changed_path).name == name

    while not stop.is_set():
        try:
            for _ in watchfiles.watch(
                folder,
                watch_filter=ours,
                step=STEP_MS,
                debounce=400,
                stop_event=stop,
                recursive=False,
                raise_interrupt=False,
                rust_timeout=1000,
            ):
                changed.set()
        except Exception:  # the folder went away, or the watcher failed: regrade, watch again
            changed.set()
            time.sleep(0.5)
