"""What every test shares: a private temporary folder per test, a private problem cache.

Several graders, and several test runs, share a machine: a test looks only at its own folders
(``TMPDIR`` and ``tempfile.tempdir`` point into pytest's temporary tree, per test) and at its own
processes (``processes.py``: those that carry a marker of its own, such as that folder).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references
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
    # no search for problems/ or a workspace goes above the session's own folders
    patch.setenv("GRADER_CEILING", str(tmp_path_factory.getbasetemp().parent))
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
    return PACK / "problems"
