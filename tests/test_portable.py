"""The grader off Linux: the portable mode, no hidden Linux dependency, paths, text and terminals.

macOS and Windows cannot run here; what can be proven on Linux is: every module imports and a
submission is graded with ``resource``, ``fcntl``, ``termios`` and ``os.fork`` unavailable (as on
Windows); the portable mode grades through the CLI and in a batch; awkward paths, CRLF and BOM
sources, and consoles that are not UTF-8 work; the Windows-only structures have Windows' layout.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import pty
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from grader.console import use_colour
from grader.model import Verdict
from grader.pipeline import grade
from grader.run import winjob
from grader.run.channel import describe_exit
from grader.run.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
DOUBLE = ROOT / "tests" / "hostile" / "problem"  # problems/double.yaml + reference/double.py
RIGHT = "def double(x):\n    return [2 * v for v in x]\n"
WRONG = "def double(x):\n    return [0.0 for v in x]\n"
TIMEOUT = 120  # seconds for one command, on a busy machine


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A folder holding the ``double`` problem (problems/, reference/)."""
    shutil.copytree(DOUBLE, tmp_path / "course")
    return tmp_path / "course"


def grader(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdout: int | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m grader ARGS``: works wherever ``grader`` is not on PATH."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_PROBLEMS", "LC_"))}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        timeout=TIMEOUT,
        check=False,
    )


# ---------------------------------------------------------------------------------------------
# No hidden Linux dependency.

WITHOUT_LINUX = """
import importlib, json, os, pkgutil, sys
from pathlib import Path

for name in ("resource", "fcntl", "termios"):
    sys.modules.pop(name, None)
    sys.modules[name] = None  # any import of it now raises ImportError, as on Windows
del os.fork

import grader

imported = []
for module in pkgutil.walk_packages(grader.__path__, "grader."):
    if module.name != "grader.__main__":  # importing it runs the command line
        importlib.import_module(module.name)
        imported.append(module.name)

from grader.pipeline import grade
from grader.run.child import worker
from grader.run.sandbox import Sandbox

result = grade(Path(sys.argv[1]), "double", Path(sys.argv[2]), Sandbox("auto"))
print(json.dumps({
    "imported": imported,
    "sandbox": result.sandbox,
    "isolation": result.isolation,
    "verdicts": [c.verdict.value for c in result.cases],
    "unenforced": worker._apply_limits({"as": 1 << 30, "cpu": 10}),
    "linux": [m for m in ("resource", "fcntl", "termios") if sys.modules.get(m) is not None],
}))
"""


def test_every_module_imports_and_grades_without_linux_facilities(
    course: Path, tmp_path: Path
) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text(RIGHT)
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_LINUX, str(solution), str(course / "problems")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert {"grader.run.launch", "grader.run.child.forkserver", "grader.course.job"} <= set(
        got["imported"]
    )
    assert got["sandbox"] == "portable"  # what ``auto`` picks without Linux's mechanisms
    assert got["verdicts"] == ["passed"] * 3
    assert got["isolation"].startswith("portable (a fresh interpreter")
    assert got["unenforced"] == ["as", "cpu"]  # no resource module: said, not crashed
    assert got["linux"] == []


# ---------------------------------------------------------------------------------------------
# The portable mode through the command line.


def test_grade_in_portable_mode_prints_one_json_document(course: Path) -> None:
    (course / "solution.py").write_text(RIGHT)
    done = grader("grade", "solution.py", "--sandbox", "portable", "--format", "json", cwd=course)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["status"] == "accepted"
    assert document["sandbox"] == "portable"


def test_a_batch_runs_in_portable_mode_without_a_fork_server(course: Path) -> None:
    (course / "class").mkdir()
    (course / "class" / "ann.py").write_text(RIGHT)
    (course / "class" / "bob.py").write_text(WRONG)
    (course / "class" / "cy.py").write_text("import os\ndef double(x):\n    os._exit(3)\n")
    done = grader(
        "batch",
        "class",
        "--problem",
        "double",
        "--sandbox",
        "portable",
        "--jobs",
        "2",
        "--gradebook",
        "gb.sqlite",
        "--out",
        "class.csv",
        "--no-report",
        cwd=course,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "3 learners: 3 graded now" in out and "portable" in out
    rows = (course / "class.csv").read_text().splitlines()
    status = {row.split(",")[0]: row.split(",")[3] for row in rows[1:]}
    assert status == {"ann": "accepted", "bob": "rejected", "cy": "rejected"}


def test_watch_runs_in_portable_mode_without_a_fork_server(course: Path) -> None:
    from grader.watch import watch

    solution = course / "solution.py"
    solution.write_text(RIGHT)
    out, status, stop = io.StringIO(), io.StringIO(), threading.Event()
    watching = threading.Thread(
        target=watch,
        args=(solution, "double", course / "problems", "portable"),
        kwargs={"out": out, "status": status, "stop": stop},
    )
    watching.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while "Score:" not in out.getvalue() and watching.is_alive():
            assert time.monotonic() < deadline, status.getvalue()
            time.sleep(0.05)
    finally:
        stop.set()
        watching.join(TIMEOUT)
    assert "Score: 100%" in out.getvalue(), (out.getvalue(), status.getvalue())


def test_a_waiting_portable_worker_survives_a_process_mode_run(course: Path) -> None:
    """A process-mode run ends by killing every child of the grader it did not start: a
    portable worker booted meanwhile (a watch mode's warm worker) is not one of those."""
    solution = course / "solution.py"
    solution.write_text(RIGHT)
    waiting = Sandbox("portable")
    other = grade(solution, "double", course / "problems", Sandbox("off"))
    result = grade(solution, "double", course / "problems", waiting)
    assert [c.verdict.value for c in other.cases] == ["passed"] * 3
    assert [c.verdict.value for c in result.cases] == ["passed"] * 3


def test_sandbox_off_or_auto_falls_back_to_portable_where_linux_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from grader.run import capabilities, launch

    monkeypatch.setattr(capabilities, "linux_processes", lambda: "this is not Linux")
    monkeypatch.setattr(launch, "bwrap_problem", lambda: "bubblewrap needs Linux")
    assert launch.resolve("auto") == "portable"
    assert launch.resolve("off") == "portable"
    with pytest.raises(Exception, match="fall back to the portable mode"):
        launch.resolve("on")


# ---------------------------------------------------------------------------------------------
# Paths, text and terminals.


@pytest.mark.parametrize("mode", ["auto", "portable"])
def test_paths_with_spaces_backslashes_and_non_ascii_names(course: Path, mode: str) -> None:
    folder = course / "my work" / "back\\slash ünïcode"
    folder.mkdir(parents=True)
    solution = folder / "sölution ✓.py"
    solution.write_text(RIGHT)
    done = grader("grade", str(solution), "--sandbox", mode, cwd=course)
    assert done.returncode == 0, done.stderr
    report = folder / "sölution ✓.report.html"
    assert report.is_file()
    assert f"Report: {report}" in done.stdout.decode()


def test_crlf_and_bom_sources_are_read_as_python_reads_them(course: Path) -> None:
    crlf = "import math\r\n\r\ndef double(x):\r\n    return [2 * v for v in x]\r\n"
    (course / "crlf.py").write_bytes(b"\xef\xbb\xbf" + crlf.encode())
    done = grader("grade", "crlf.py", "--format", "json", "--no-report", cwd=course)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "accepted"

    broken = "\ufeffimport math\r\n\r\ndef double(x):\r\n    return 1 / 0\r\n"
    (course / "broken.py").write_bytes(broken.encode())
    done = grader("grade", "broken.py", "--format", "json", "--no-report", cwd=course)
    assert done.returncode == 1, done.stderr
    first = json.loads(done.stdout)["cases"][0]
    assert first["verdict"] == "runtime_error" and first["message"].endswith("at line 4")

    old_mac = "def double(x):\r    return [2 * v for v in x]\r"
    (course / "cr.py").write_bytes(old_mac.encode())
    assert grader("grade", "cr.py", "--no-report", cwd=course).returncode == 0


# A console whose encoding cannot hold ✓ ✗ · (a POSIX ``C`` locale; Windows code pages likewise)
NOT_UTF8 = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


def test_output_to_a_pipe_is_utf8_whatever_the_console(course: Path) -> None:
    (course / "solution.py").write_text(WRONG)
    env = {**NOT_UTF8, "PYTHONIOENCODING": ""}
    done = grader("grade", "solution.py", "--no-report", cwd=course, env=env)
    assert done.returncode == 1, done.stderr  # graded, not an internal error
    assert "✗ first · wrong answer" in done.stdout.decode("utf-8")
    done = grader("grade", "solution.py", "--no-report", "--format", "md", cwd=course, env=env)
    assert done.returncode == 1, done.stderr
    done.stdout.decode("utf-8")


def on_a_terminal(course: Path, env: dict[str, str]) -> tuple[int, str]:
    """Grade ``solution.py`` with stdout on a pseudo-terminal; its exit status and output."""
    controller, terminal = pty.openpty()
    try:
        done = grader("grade", "solution.py", "--no-report", cwd=course, env=env, stdout=terminal)
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 1 << 16)
            except OSError:  # EIO: the terminal's other end is closed and everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(controller)
    return done.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_that_is_not_utf8_gets_replacement_characters(course: Path) -> None:
    (course / "solution.py").write_text(WRONG)
    status, shown = on_a_terminal(course, {**NOT_UTF8, "TERM": "xterm", "NO_COLOR": "1"})
    assert status == 1
    assert "? first ? wrong answer" in shown  # ✗ and · cannot be shown: replaced, no crash
    assert "\x1b[" not in shown


def test_colour_only_on_a_terminal_that_shows_it(course: Path) -> None:
    (course / "solution.py").write_text(WRONG)
    status, shown = on_a_terminal(course, {"TERM": "xterm"})
    assert status == 1 and "\x1b[" in shown
    _, shown = on_a_terminal(course, {"TERM": "dumb"})
    assert "\x1b[" not in shown
    _, shown = on_a_terminal(course, {"TERM": "xterm", "NO_COLOR": "1"})
    assert "\x1b[" not in shown


def test_no_colour_into_a_file(tmp_path: Path) -> None:
    with (tmp_path / "out.txt").open("w") as stream:
        assert not use_colour(stream)


# ---------------------------------------------------------------------------------------------
# What only Windows runs, checked where it can be.


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="64-bit layouts")
def test_job_object_structures_have_the_windows_x64_layout() -> None:
    assert ctypes.sizeof(winjob.JOBOBJECT_BASIC_LIMIT_INFORMATION) == 64
    assert ctypes.sizeof(winjob.IO_COUNTERS) == 48
    assert ctypes.sizeof(winjob.JOBOBJECT_EXTENDED_LIMIT_INFORMATION) == 144
    assert winjob.JOBOBJECT_EXTENDED_LIMIT_INFORMATION.JobMemoryLimit.offset == 120
    assert ctypes.sizeof(winjob.THREADENTRY32) == 28  # the same on every Windows


def test_job_objects_say_they_are_windows_only_elsewhere() -> None:
    with pytest.raises(OSError, match="only on Windows"):
        winjob.Job()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (0xC0000005, "access violation"),
        (0xC00000FD, "stack overflow"),
        (-1073741819, "access violation"),  # the same status, read as a signed number
    ],
)
def test_a_windows_crash_status_is_named(status: int, words: str) -> None:
    verdict, message = describe_exit(None, status)
    assert verdict is Verdict.CRASHED and words in message


def test_the_portable_mode_says_what_it_does_not_enforce() -> None:
    from grader.run import portable

    text = portable.describe(frozenset({"as", "fsize"}))
    assert "memory not enforced" in text and "file size not enforced" in text
    assert "limits: wall-clock time, CPU time, open files" in text
    assert textwrap.shorten(text, 30).startswith("portable (a fresh")
