"""The remembered bubblewrap probe (``cache.probe_sandbox``): a grade that finds it wrong
corrects it and grades in the mode that works, rather than failing every learner's run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_watch import REFERENCE, Watch

BROKEN_BWRAP = """#!/bin/sh
echo "bwrap: No permissions to create new namespace" >&2
exit 1
"""


@pytest.fixture
def stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine where bubblewrap no longer works, though a probe remembered that it did (under
    the same key: the change is one the key cannot see). Returns the remembered record."""
    if not sys.platform.startswith("linux"):
        pytest.skip("bubblewrap is for Linux")
    bin_dir, cache = tmp_path / "bin", tmp_path / "cache"
    bin_dir.mkdir()
    cache.mkdir()
    fake = bin_dir / "bwrap"
    fake.write_text(BROKEN_BWRAP)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GRADER_CACHE_DIR", str(cache))
    key = subprocess.run(
        [sys.executable, "-c", "from grader.run import launch; print(launch.probe_key())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if key == "None":
        pytest.skip("no Linux process mechanisms here: nothing is remembered")
    record = cache / "bwrap-probe.json"
    record.write_text(json.dumps({"key": key, "problem": None}))
    return record


def grade(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "grader", "grade", str(REFERENCE), "--no-report", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_a_grade_that_finds_the_remembered_probe_wrong_grades_in_process_mode(
    stale: Path,
) -> None:
    done = grade("--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["status"], result["sandbox"]) == ("accepted", "process")
    assert "bubblewrap cannot create namespaces" in json.loads(stale.read_text())["problem"]
    again = grade("--format", "json")  # the corrected record: process mode from the start
    assert json.loads(again.stdout)["sandbox"] == "process"


def test_sandbox_on_with_a_wrong_remembered_probe_is_a_usage_error(stale: Path) -> None:
    done = grade("--sandbox", "on")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--sandbox on: bubblewrap cannot create namespaces here" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_remembered_answer_spares_the_probe(stale: Path) -> None:
    # the record says bubblewrap works and this fake bwrap fails: believed, so no probe ran
    probe = "from grader import cache; from grader.run import launch; "
    probe += "cache.probe_sandbox(); print(launch.resolve('auto'))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "bubblewrap"


def test_watch_changes_modes_when_bubblewrap_stops_working(stale: Path, tmp_path: Path) -> None:
    solution = tmp_path / "softmax_jacobian.py"
    solution.write_text(REFERENCE.read_text())
    watch = Watch(solution)
    try:
        block = watch.block()
        assert "isolation: process" in block
        assert "Score: 100%" in block
        assert "changing modes" in watch.status_line("bubblewrap was remembered")
        assert watch.stop() == 0
    finally:
        watch.close()
