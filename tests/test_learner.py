"""The learner's course loop from any folder: start, next, hint, submit, progress."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"
ORDER = [
    "softmax",
    "log_softmax",
    "softmax_jacobian",
    "softmax_backward",
    "softmax_jacobian_batched",
    "softmax_jacobian_full",
    "cross_entropy_logits_grad",
    "sigmoid",
    "relu",
    "binary_cross_entropy",
    "mse_gradient",
    "gradient_check",
    "layernorm_backward",
    "batchnorm_forward",
    "dropout",
    "attention",
    "kmeans_step",
    "pca",
    "adam",
    "warmup_scheduler",
]


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_PROBLEMS", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            *args,
            *(["--learner", "ada"] if args[0] in LEARNER else []),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


LEARNER = {"submit", "progress", "next", "hint"}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    proc = grader("start", "course", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "course"


def test_start_writes_a_starter_per_problem_in_course_order(workspace: Path) -> None:
    names = sorted(p.name for p in workspace.glob("*.py"))
    assert names == [f"{i:02d}_{pid}.py" for i, pid in enumerate(ORDER, start=1)]
    starter = (workspace / "03_softmax_jacobian.py").read_text()
    assert (
        "def softmax_jacobian(x):" in starter and "grader watch 03_softmax_jacobian.py" in starter
    )
    recorded = json.loads((workspace / ".grader" / "workspace.json").read_text())["files"]
    assert recorded["softmax_jacobian"] == "03_softmax_jacobian.py"


def test_start_again_keeps_the_learners_files(workspace: Path) -> None:
    mine = workspace / "01_softmax.py"
    mine.write_text("def softmax(x):\n    return x\n")
    proc = grader("start", ".", cwd=workspace)
    assert proc.returncode == 0 and "0 starter files created" in proc.stdout
    assert mine.read_text() == "def softmax(x):\n    return x\n"


def test_next_progress_and_hints_follow_the_gradebook(workspace: Path) -> None:
    proc = grader("next", cwd=workspace)
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"Next: softmax · Softmax of a vector (1 of {len(ORDER)})")
    assert "01_softmax.py" in proc.stdout

    first = grader("hint", "softmax", cwd=workspace)
    assert first.returncode == 0 and first.stdout.startswith("Hint 1 of 3 · softmax")
    second = grader("hint", "softmax", cwd=workspace / ".grader")  # anywhere in the workspace
    assert second.stdout.startswith("Hint 2 of 3 · softmax") and "Hint 1" not in second.stdout

    (workspace / "01_softmax.py").write_text((PACK / "reference" / "softmax.py").read_text())
    (workspace / "02_log_softmax.py").write_text(
        (PACK / "reference" / "log_softmax" / "wrong_answer" / "log_of_softmax.py").read_text()
    )
    assert grader("submit", "01_softmax.py", "--no-report", cwd=workspace).returncode == 0
    assert grader("submit", "02_log_softmax.py", "--no-report", cwd=workspace).returncode == 1

    proc = grader("progress", cwd=workspace)
    assert proc.returncode == 0, proc.stderr
    rows = {
        line.split()[1]: line for line in proc.stdout.splitlines() if re.match(r"\s*\d+\.", line)
    }
    assert list(rows) == ORDER
    assert re.search(r"accepted\s+2 of 3$", rows["softmax"])
    assert re.search(r"attempted, best \d+(\.\d+)?%\s+0 of 3$", rows["log_softmax"])
    assert re.search(r"not started\s+0 of 3$", rows["softmax_jacobian"])
    assert f"1 of {len(ORDER)} accepted" in proc.stdout
    # the columns line up: every row's status starts at the same place
    starts = {
        re.search(r"(accepted|attempted|not started)", line).start() for line in rows.values()
    }
    assert len(starts) == 1

    nxt = grader("next", cwd=workspace)
    assert nxt.stdout.startswith("Next: log_softmax") and "02_log_softmax.py" in nxt.stdout


def test_hints_run_out_gracefully(tmp_path: Path) -> None:
    for _ in range(2):
        grader("hint", "cross_entropy_logits_grad", cwd=tmp_path)
    proc = grader("hint", "cross_entropy_logits_grad", cwd=tmp_path)
    assert proc.returncode == 0
    assert "Hint 1 of 2" in proc.stdout and "Hint 2 of 2" in proc.stdout
    assert "every hint" in proc.stdout


def test_a_hint_for_an_unknown_problem_is_a_usage_error(tmp_path: Path) -> None:
    proc = grader("hint", "nope", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown problem 'nope'" in proc.stderr


def test_hints_reveal_no_hidden_data() -> None:
    """Every hint is about the method: no hidden case's argument appears in one."""
    import yaml

    for spec in sorted((PACK / "problems").glob("*.yaml")):
        data = yaml.safe_load(spec.read_text())
        hints = " ".join(data.get("hints", []))
        assert data.get("hints"), f"{spec.stem} declares no hints"
        for case in data.get("hidden", []):
            for value in case.get("args", {"calls": case.get("calls")}).values():
                text = json.dumps(value)
                if len(text) > 8:  # a whole argument, not a lone small number
                    assert text not in hints, (spec.stem, case["name"])
