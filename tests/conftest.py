"""What every test shares: a private temporary folder and problem cache, and ways to find the
processes a test started without looking at anyone else's.

Several graders, and several test runs, share a machine: a test looks only at its own folders
(``TMPDIR`` and ``tempfile.tempdir`` point into pytest's temporary tree, per test) and at its own
processes (those that carry a marker of its own: its temporary folder or a unique string).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Settings of the person running the tests that would change what the grader does.
FOREIGN_ENVIRONMENT = ("GRADER_PROBLEMS", "GRADER_CACHE", "GRADER_CACHE_DIR", "XDG_CACHE_HOME")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="(re)write tests/golden/*/expected.json from the current results",
    )


@pytest.fixture(autouse=True, scope="session")
def _private_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The session's own problem cache and temporary folder; none of the user's settings."""
    patch = pytest.MonkeyPatch()
    for name in FOREIGN_ENVIRONMENT:
        patch.delenv(name, raising=False)
    patch.setenv("GRADER_CACHE_DIR", str(tmp_path_factory.mktemp("grader-cache")))
    session_tmp = tmp_path_factory.mktemp("session-tmp")
    patch.setenv("TMPDIR", str(session_tmp))
    patch.setattr(tempfile, "tempdir", str(session_tmp))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def private_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own temporary folder: where run directories, fork servers' folders and any
    ``tempfile`` of this process or of the commands it starts land. Separate from ``tmp_path``,
    so that a test can list either without seeing the other."""
    folder = tmp_path_factory.mktemp("tmp")
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def problems_dir() -> Path:
    return ROOT / "problems"


# ---------------------------------------------------------------------------------------------
# Processes


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:  # gone meanwhile, or not ours to read
        return b""


def _marked(pid: str, needle: bytes) -> bool:
    """``needle`` (ending in ``/`` for a folder) in the process's argv, environment or cwd."""
    argv, environ = _read(f"/proc/{pid}/cmdline"), _read(f"/proc/{pid}/environ")
    if needle in argv or needle in environ:
        return True
    if needle.endswith(b"/") and needle[:-1] + b"\0" in argv + environ:  # the folder itself
        return True
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd").encode()
    except OSError:
        return False
    return (cwd + b"/").startswith(needle) if needle.endswith(b"/") else needle in cwd


def processes_with(marker: str | Path) -> list[str]:
    """Live processes that carry ``marker`` (in their command line, environment or working
    directory), with all their descendants, as ``"pid command line"`` lines; [] when none.

    Pass something only the calling test could have put there: its ``private_tmp`` folder
    (inherited as ``TMPDIR`` by the commands it starts, and the home of the run directories and
    fork servers' folders they create) or a unique string it gave a command. Processes of other
    tests or other graders on the machine never match; zombies (already dead) are left out.
    """
    # A folder matches only as a whole path component: tmp1 must not find tmp10's processes.
    needle = os.fsencode(marker) + (b"/" if isinstance(marker, Path) else b"")
    me = str(os.getpid())
    parent: dict[str, str] = {}
    found: set[str] = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == me:
            continue
        stat = _read(f"/proc/{pid}/stat")
        fields = stat[stat.rfind(b")") + 2 :].split()  # after "pid (command name) "
        if len(fields) < 2 or fields[0] == b"Z":
            continue
        parent[pid] = fields[1].decode()
        if _marked(pid, needle):
            found.add(pid)
    grown = True
    while grown:  # add descendants: e.g. what runs inside a bubblewrap whose argv names the folder
        more = {pid for pid, ppid in parent.items() if ppid in found} - found
        found |= more
        grown = bool(more)
    lines = []
    for pid in sorted(found, key=int):
        command = _read(f"/proc/{pid}/cmdline").replace(b"\0", b" ").decode(errors="replace")
        if command:  # a process that exited while we looked has none
            lines.append(f"{pid} {command.strip()}")
    return lines
