"""Instructor tools: new scaffolds a problem that check passes once its reference is written;
check catches a typo in a published matrix, a weak tolerance, and a submission that does not get
its declared verdict; list and show describe problems."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    (tmp_path / "problems").mkdir()
    proc = grader("new", "twice", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return tmp_path


def fill_reference(root: Path) -> None:
    ref = root / "reference" / "twice.py"
    ref.write_text(
        ref.read_text().replace(
            'raise NotImplementedError("write the reference solution of twice")',
            "return 2 * np.asarray(x, dtype=float)",
        )
    )


def test_new_scaffolds_a_problem_that_check_passes_once_the_reference_is_written(
    scaffold: Path,
) -> None:
    before = grader("check", "twice", cwd=scaffold)
    assert before.returncode == 1
    assert "the reference fails on this case: NotImplementedError" in before.stdout
    fill_reference(scaffold)
    after = grader("check", "twice", cwd=scaffold)
    assert after.returncode == 0, after.stdout
    assert "✓ twice" in after.stdout and "1 of 1 problems pass" in after.stdout
    assert "derived from the reference's time (x20, at least 1 s)" in after.stdout
    assert "no known-verdict submission in" in after.stdout  # a warning, not a failure


def test_new_refuses_to_overwrite(scaffold: Path) -> None:
    again = grader("new", "twice", cwd=scaffold)
    assert again.returncode == 2 and "not overwriting" in again.stderr


def test_new_rejects_a_bad_id(tmp_path: Path) -> None:
    (tmp_path / "problems").mkdir()
    proc = grader("new", "Bad-Id", cwd=tmp_path)
    assert proc.returncode == 2 and "not a valid problem id" in proc.stderr


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for folder in ("problems", "reference"):
        shutil.copytree(PACK / folder, tmp_path / folder, symlinks=True)
    for spec in (tmp_path / "problems").glob("*.yaml"):  # keep one problem: fast
        if spec.stem != "softmax_jacobian":
            spec.unlink()
    # One accepted and one wrong answer are what these tests need of the known-verdict
    # submissions (each costs check a grading or two; the time_limit one costs its limit).
    keep = {"accepted/vectorised.py", "wrong_answer/missing_else.py"}
    known = tmp_path / "reference" / "softmax_jacobian"
    for path in known.glob("*/*.py"):
        if str(path.relative_to(known)) not in keep:
            path.unlink()
    return tmp_path


def test_check_catches_a_typo_in_a_published_matrix(copy: Path) -> None:
    spec = copy / "problems" / "softmax_jacobian.yaml"
    spec.write_text(
        spec.read_text().replace("[-0.022, 0.1848, -0.1628]", "[-0.022, 0.1884, -0.1628]")
    )
    proc = grader("check", "softmax_jacobian", "--format", "json", cwd=copy)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)["problems"][0]
    failed = [c for c in report["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["published examples agree with the reference"]
    assert "'three logits': 1 of 9 published values differ" in failed[0]["detail"]
    assert "at [1, 1]" in failed[0]["detail"]


def test_check_catches_a_tolerance_too_loose_and_too_tight(copy: Path) -> None:
    spec = copy / "problems" / "softmax_jacobian.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("  atol: 1.0e-4", "  atol: 1.0e-2"))
    loose = grader("check", "--format", "json", cwd=copy)
    details = json.dumps(json.loads(loose.stdout))
    assert loose.returncode == 1 and "tolerance too loose: off by 0.0002 passes" in details
    spec.write_text(text.replace("  atol: 1.0e-4", "  atol: 1.0e-6"))
    tight = grader("check", "--format", "json", cwd=copy)
    details = json.dumps(json.loads(tight.stdout))
    assert tight.returncode == 1 and "tolerance too tight: values rounded to 4 decimals" in details


def test_check_catches_a_submission_in_the_wrong_folder(copy: Path) -> None:
    folder = copy / "reference" / "softmax_jacobian"
    shutil.move(folder / "wrong_answer" / "missing_else.py", folder / "accepted" / "oops.py")
    proc = grader("check", cwd=copy)
    assert proc.returncode == 1
    assert "✗ known-verdict submissions get their verdicts: accepted/oops.py got wrong_answer" in (
        proc.stdout
    )


def test_list_and_show(copy: Path, tmp_path: Path) -> None:
    listed = grader("list", cwd=copy)
    assert listed.returncode == 0
    assert "softmax_jacobian" in listed.stdout and "3 examples, 33 hidden" in listed.stdout
    starter = tmp_path / "mine.py"
    shown = grader("show", "softmax_jacobian", "--starter", str(starter), cwd=copy)
    assert shown.returncode == 0
    assert "def softmax_jacobian(x: list[float]) -> list[list[float]]" in shown.stdout
    assert "Example: three logits" in shown.stdout and "0.0819" in shown.stdout
    assert "def softmax_jacobian(x):" in starter.read_text()
    graded = grader("grade", str(starter), "--no-report", cwd=copy)
    assert graded.returncode == 1 and "invalid output" in graded.stdout
    again = grader("show", "softmax_jacobian", "--starter", str(starter), cwd=copy)
    assert again.returncode == 2 and "not overwriting" in again.stderr
