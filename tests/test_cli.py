"""The command line as people and scripts use it: exit statuses, stdout formats, the report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references
GOLDEN = ROOT / "tests" / "golden"


def grader(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_PROBLEMS", None)
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy(scenario: str, tmp_path: Path) -> Path:
    target = tmp_path / "solution.py"
    target.write_text((GOLDEN / scenario / "solution.py").read_text())
    return target


def test_accepted_exits_0_and_writes_the_report_beside_the_submission(tmp_path: Path) -> None:
    solution = copy("correct_vectorised", tmp_path)
    proc = grader("grade", str(solution))
    assert proc.returncode == 0, proc.stderr
    report = tmp_path / "solution.report.html"
    assert f"Report: {report}" in proc.stdout
    assert "Hidden cases: 33 of 33 passed" in proc.stdout
    assert "Score: 100% (37 of 37 points), accepted" in proc.stdout
    assert "\x1b[" not in proc.stdout  # no colour when stdout is not a terminal
    assert proc.stderr == ""
    assert report.is_file()


def test_rejected_exits_1_and_shows_expected_against_got(tmp_path: Path) -> None:
    proc = grader("grade", str(copy("wrong_missing_else", tmp_path)), "--no-report")
    assert proc.returncode == 1
    assert "✗ three logits · wrong answer" in proc.stdout
    assert "expected" in proc.stdout and "got" in proc.stdout and "-0.4425*" in proc.stdout
    assert not (tmp_path / "solution.report.html").exists()


def test_json_prints_exactly_one_document(tmp_path: Path) -> None:
    proc = grader(
        "grade",
        str(copy("wrong_naive_exp_overflow", tmp_path)),
        "--format",
        "json",
        "--report",
        str(tmp_path / "r.html"),
    )
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "grader.result/1"
    assert set(doc) == {
        "schema",
        "problem",
        "submission",
        "status",
        "error",
        "score",
        "points",
        "max_points",
        "cases",
        "sandbox",
        "isolation",
        "grader",
    }
    assert set(doc["isolation"]) == {"text", "per_process_only"}
    assert doc["status"] == "rejected" and doc["error"] is None
    assert doc["points"] == 33.0 and doc["max_points"] == 37.0 and doc["score"] == 89.19
    case = doc["cases"][0]
    assert set(case) == {"name", "visibility", "verdict", "weight", "time_s", "message", "hint"}
    assert f"Report: {tmp_path / 'r.html'}" in proc.stderr


def test_hidden_cases_never_carry_inputs_or_expected_values(tmp_path: Path) -> None:
    proc = grader("grade", str(copy("wrong_naive_exp_overflow", tmp_path)), "--format", "json")
    hidden = [c for c in json.loads(proc.stdout)["cases"] if c["visibility"] == "hidden"]
    text = json.dumps(hidden)
    assert "1000" not in text.replace("n = 1000", "") and "1001" not in text
    html = (tmp_path / "solution.report.html").read_text()
    assert "1001.0" not in html and "0.1848" in html  # the example's matrix is there


def test_compile_error_is_a_verdict_with_its_line_not_a_traceback(tmp_path: Path) -> None:
    proc = grader("grade", str(copy("broken_syntax_error", tmp_path)), "--no-report")
    assert proc.returncode == 1
    assert "✗ compile error at line 4" in proc.stdout and "SyntaxError: expected ':'" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_the_problem_is_found_from_a_misspelt_entry_point(tmp_path: Path) -> None:
    proc = grader("grade", str(copy("broken_misspelt_entry_point", tmp_path)), "--no-report")
    assert proc.returncode == 1
    assert "missing entry point at line 4" in proc.stdout
    assert "rename it to 'softmax_jacobian'" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "nope.py"], "no such file: nope.py"),
        (
            ["grade", "tests/golden/correct_vectorised/solution.py", "--problem", "nope"],
            "unknown problem 'nope' (known: adam, attention, batchnorm_forward, ",
        ),
        (["grade", "tests"], "is a directory"),
        (["grade", "x.py", "--format", "xml"], "invalid choice: 'xml'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(args: list[str], message: str) -> None:
    proc = grader(*args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_an_invalid_spec_exits_2_naming_file_line_and_field(tmp_path: Path) -> None:
    problems = tmp_path / "problems"
    problems.mkdir()
    spec = (PACK / "problems" / "softmax_jacobian.yaml").read_text()
    (problems / "softmax_jacobian.yaml").write_text(
        spec.replace("  atol: 1.0e-4", "  tolerence: 1")
    )
    proc = grader("grade", str(copy("correct_vectorised", tmp_path)), "--problems", str(problems))
    assert proc.returncode == 2
    assert re.search(r"softmax_jacobian\.yaml:\d+: check\.tolerence: unknown key", proc.stderr)


def test_the_shipped_problems_grade_in_any_folder(tmp_path: Path) -> None:
    solution = copy("correct_vectorised", tmp_path)
    proc = grader("grade", str(solution), "--no-report", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("softmax_jacobian · ")


def test_a_local_problem_overrides_the_shipped_one_of_the_same_id(tmp_path: Path) -> None:
    (tmp_path / "problems").mkdir()
    (tmp_path / "reference").mkdir()
    spec = (PACK / "problems" / "softmax.yaml").read_text()
    (tmp_path / "problems" / "softmax.yaml").write_text(
        spec.replace("title: Softmax of a vector", "title: Our own softmax")
    )
    reference = PACK / "reference" / "softmax.py"
    (tmp_path / "reference" / "softmax.py").write_text(reference.read_text())
    listing = grader("list", cwd=tmp_path)
    assert listing.returncode == 0
    assert re.search(r"1\.\s+softmax\s+Our own softmax\s+.*local", listing.stdout)
    assert "softmax_jacobian " in listing.stdout  # the shipped problems are still there
    env_listing = grader("list", "--problems", str(tmp_path / "problems"))
    assert "Our own softmax" in env_listing.stdout


def test_the_report_is_self_contained(tmp_path: Path) -> None:
    grader("grade", str(copy("wrong_missing_else", tmp_path)))
    html = (tmp_path / "solution.report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html and "@import" not in html
    assert html.count('class="bad"') == 3 + 2 + 4  # the differing entries of the 3 examples
    for needle in ("0%", "three logits", "Hidden cases", "sha256", "grader"):
        assert needle in html


def test_python_dash_m_and_the_console_script_agree() -> None:
    script = Path(sys.executable).parent / "grader"
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert proc.stdout.strip() == grader("--version").stdout.strip() == "grader 0.1.0"


def test_a_helper_named_like_another_problem_is_not_guessed(tmp_path: Path) -> None:
    # defines softmax (a problem of its own) as a helper of softmax_jacobian
    proc = grader("grade", str(copy("correct_tuple_of_tuples", tmp_path)), "--no-report")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "softmax (problem softmax); softmax_jacobian (problem softmax_jacobian)" in proc.stderr
    assert "--problem" in proc.stderr and proc.stdout == ""


def test_a_file_named_after_its_problem_needs_no_problem_option(tmp_path: Path) -> None:
    for name in ("softmax_jacobian.py", "03_softmax_jacobian.py"):
        solution = tmp_path / name
        solution.write_text((GOLDEN / "correct_tuple_of_tuples" / "solution.py").read_text())
        proc = grader("grade", str(solution), "--no-report")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0].startswith("softmax_jacobian · ") and "softmax_jacobian" in lines[-1]


def test_a_misspelt_entry_point_beside_a_helper_is_not_guessed(tmp_path: Path) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text(
        "import numpy as np\n\n\ndef softmax(x):\n    e = np.exp(x)\n    return e / e.sum()\n\n\n"
        "def softmax_jacobain(x):\n    s = softmax(x)\n    return np.diag(s) - np.outer(s, s)\n"
    )
    proc = grader("grade", str(solution), "--no-report")
    assert proc.returncode == 2
    assert "softmax (problem softmax)" in proc.stderr
    assert "softmax_jacobain, close to softmax_jacobian (problem softmax_jacobian)" in proc.stderr


def test_two_unrelated_entry_points_need_problem(tmp_path: Path) -> None:
    solution = tmp_path / "both.py"
    solution.write_text("def softmax(x):\n    return x\n\n\ndef log_softmax(x):\n    return x\n")
    proc = grader("grade", str(solution), "--no-report")
    assert proc.returncode == 2
    assert "could be graded as 2 problems" in proc.stderr
    assert "log_softmax (problem log_softmax); softmax (problem softmax)" in proc.stderr
