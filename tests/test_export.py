"""The Gradescope autograder zip, unpacked into a folder laid out like /autograder, grades a
submission and writes a valid results.json with the hidden cases hidden until published."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export(tmp_path: Path) -> Path:
    out = tmp_path / "autograder.zip"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "export",
            "gradescope",
            "softmax_jacobian",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def autograder(tmp_path: Path, zipped: Path, submission: str | None) -> dict:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(root / "source")
    run = root / "source" / "run_autograder"
    (root / "submission").mkdir()
    if submission:
        (root / "submission" / "solution.py").write_text((ROOT / submission).read_text())
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    subprocess.run([sys.executable, str(run)], env=env, check=True, timeout=120)
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_setup_run_and_source(tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(export(tmp_path)).namelist())
    assert {
        "setup.sh",
        "run_autograder",
        "problems/softmax_jacobian.yaml",
        "reference/softmax_jacobian.py",
        "grader/cli.py",
        "grader/report/templates/report.html.j2",
    } <= names
    assert not any("known" in n or "/accepted/" in n for n in names)  # no known-verdict files
    assert not any(n.startswith("grader/pack/") for n in names)  # no other problem


def test_run_autograder_grades_a_submission(tmp_path: Path) -> None:
    doc = autograder(
        tmp_path,
        export(tmp_path),
        "grader/pack/reference/softmax_jacobian/wrong_answer/naive_exp.py",
    )
    assert doc["score"] == 33.0 and doc["max_score"] == 37.0
    visibility = {t["visibility"] for t in doc["tests"]}
    assert visibility == {"visible", "after_published"}
    assert sum(t["visibility"] == "after_published" for t in doc["tests"]) == 33


def test_run_autograder_without_a_submission_writes_a_zero(tmp_path: Path) -> None:
    doc = autograder(tmp_path, export(tmp_path), None)
    assert doc["score"] == 0.0 and "No .py or .ipynb file" in doc["output"]
