"""A fork server's life, as the grader sees it: every reply's descriptors are closed, read or not,
and a server that died is not started again only to be closed; nothing raises out of a run or a
close for a dead server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from processes import processes_with

from grader.errors import UsageError
from grader.model import ErrorKind, Outcome, Verdict
from grader.pipeline import grade
from grader.run import launch
from grader.run.launch import bwrap_problem
from grader.run.prefork import ForkServer, ServerGone
from grader.run.sandbox import Sandbox

PROBLEMS = Path(__file__).parent / "hostile" / "problem" / "problems"
CORRECT = "def double(x):\n    return [2 * v for v in x]\n"
NO_BWRAP = pytest.mark.skipif(bwrap_problem() is not None, reason=f"{bwrap_problem()}")
MODES = [pytest.param("off", id="process"), pytest.param("on", id="bubblewrap", marks=NO_BWRAP)]


def open_descriptors() -> dict[str, str]:
    """This process's open descriptors and what each is (``anon_inode:[pidfd]``, a pipe, ...)."""
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            found[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used, closed since
            continue
    return found


def killed_server(mode: str) -> Sandbox:
    """A Sandbox whose fork server was killed before it answered anything."""
    box = Sandbox(mode)
    assert box.server is not None and box.server.proc is not None
    os.killpg(box.server.proc.pid, signal.SIGKILL)  # the server's session: it and all it started
    box.server.proc.wait(timeout=30)
    return box


@pytest.mark.parametrize("mode", MODES)
def test_grades_that_fail_before_the_run_leave_no_descriptor_open(
    mode: str, tmp_path: Path
) -> None:
    unknown = tmp_path / "unknown.py"
    unknown.write_text("def nothing_a_problem_asks_for(x):\n    return x\n")
    failing = [(tmp_path / "missing.py", "double"), (tmp_path, "double"), (unknown, None)]
    with pytest.raises(UsageError):  # the first: whatever a first grade opens for good
        grade(tmp_path / "missing.py", "double", PROBLEMS, mode)
    before = open_descriptors()
    for path, problem in failing * 2:
        with pytest.raises(UsageError):
            grade(path, problem, PROBLEMS, mode)
    after = open_descriptors()
    assert after.keys() <= before.keys(), {fd: after[fd] for fd in after.keys() - before.keys()}


@pytest.mark.parametrize("mode", MODES)
def test_a_sandbox_whose_server_died_closes_at_once_and_starts_no_other(
    mode: str, private_tmp: Path
) -> None:
    box = killed_server(mode)
    server = box.server
    assert server is not None
    started = time.monotonic()
    box.close()
    assert time.monotonic() - started < 5, "a server was waited for"
    assert server.generation == 1, "a server was started only to be closed"
    assert processes_with(private_tmp) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_run_whose_server_died_is_a_verdict_even_if_none_can_start_again(
    mode: str, tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text(CORRECT)
    box = killed_server(mode)
    monkeypatch.setattr(launch, "start", refused)
    result = grade(solution, "double", PROBLEMS, box)  # closes the box: nothing raised
    assert result.error is not None and result.error.kind is ErrorKind.CRASHED
    assert "the fork server went away" in result.error.message
    assert processes_with(private_tmp) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_server_that_dies_mid_run_and_cannot_start_again_ends_the_run_with_verdicts(
    mode: str, tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ends = tmp_path / "ends.py"
    ends.write_text("import os\ndef double(x):\n    os._exit(3)\n")  # a new worker per case

    def kill_the_server(outcome: Outcome) -> None:
        assert box.server is not None and box.server.proc is not None
        os.killpg(box.server.proc.pid, signal.SIGKILL)
        box.server.proc.wait(timeout=30)
        monkeypatch.setattr(launch, "start", refused)

    box = Sandbox(mode, on_outcome=kill_the_server)
    result = grade(ends, "double", PROBLEMS, box)  # the next case's worker cannot be forked
    assert [c.verdict for c in result.cases] == [Verdict.CRASHED, Verdict.NOT_RUN, Verdict.NOT_RUN]
    assert processes_with(private_tmp) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_server_that_dies_at_once_refuses_the_worker_and_one_that_cannot_start_is_a_fault(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that dies before it is asked for a worker, twice (bubblewrap that stopped
    working), is the run's ``crashed`` (the sandbox could not be set up: the grade rechecks
    bubblewrap); no server at all is ServerGone, for the caller to grade again elsewhere."""
    solution = tmp_path / "solution.py"
    solution.write_text(CORRECT)
    with ForkServer(launch.resolve(mode)) as server:
        assert server.proc is not None
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=30)
        monkeypatch.setattr(launch, "start", dies_at_once)
        result = grade(solution, "double", PROBLEMS, Sandbox(server=server))
        assert result.error is not None and result.error.kind is ErrorKind.CRASHED
        assert "the fork server went away" in result.error.message
        monkeypatch.setattr(launch, "start", refused)
        with pytest.raises(ServerGone):
            Sandbox(server=server)


def dies_at_once(
    mode: str, root: Path, script: Path, fds: dict[str, int], **kwargs: object
) -> subprocess.Popen[bytes]:
    """A fork server that exits before it reads a request."""
    done = subprocess.Popen(["true"], pass_fds=tuple(fds.values()))
    done.wait(timeout=30)
    return done


def refused(*args: object, **kwargs: object) -> None:
    raise OSError(24, "Too many open files")


@pytest.mark.parametrize("mode", [pytest.param("off", id="process")])
def test_a_server_that_cannot_boot_says_why(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork server that fails as it boots (here: numpy cannot be imported, as where it lives
    outside the worker's reach) leaves its last words in the run's message, not only that it
    went away; a server that boots does not print, so nothing a submission wrote is read."""
    broken = tmp_path / "forkserver.py"
    broken.write_text("import sys\nprint('loading', file=sys.stderr)\nimport no_such_numpy\n")
    monkeypatch.setattr(launch, "FORKSERVER", broken)
    solution = tmp_path / "solution.py"
    solution.write_text(CORRECT)
    result = grade(solution, "double", PROBLEMS, mode)
    assert result.error is not None and result.error.kind is ErrorKind.CRASHED
    assert result.error.message == (
        "the sandbox could not be set up for it: the fork server could not start "
        "(ModuleNotFoundError: No module named 'no_such_numpy')"
    )
