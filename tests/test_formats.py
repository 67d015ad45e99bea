"""--format md, gradescope and junit: each a valid document of its kind, from the same result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
WRONG = "tests/golden/wrong_naive_exp_overflow/solution.py"  # 33 of 37 points, 4 hidden fail
BROKEN = "tests/golden/broken_syntax_error/solution.py"


def run(fmt: str, submission: str = WRONG) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            submission,
            "--problem",
            "softmax_jacobian",
            "--format",
            fmt,
            "--no-report",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gradescope_results_json_has_the_documented_fields() -> None:
    proc = run("gradescope")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["score"] == 33.0 and doc["max_score"] == 37.0
    assert len(doc["tests"]) == 36
    for test in doc["tests"]:
        assert set(test) == {
            "name",
            "score",
            "max_score",
            "status",
            "visibility",
            "output",
            "output_format",
        }
        assert test["status"] in {"passed", "failed"}
        assert test["visibility"] in {"visible", "after_published"}
        assert test["output_format"] == "text"
    assert sum(t["score"] for t in doc["tests"]) == doc["score"]
    hidden = [t for t in doc["tests"] if t["visibility"] == "after_published"]
    assert len(hidden) == 33 and "1000" not in json.dumps(hidden).replace("n = 1000", "")
    failed = [t for t in doc["tests"] if t["status"] == "failed"]
    assert all("Hint: exp() of large logits overflows" in t["output"] for t in failed)


def test_junit_parses_and_counts() -> None:
    proc = run("junit")
    root = ET.fromstring(proc.stdout)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "softmax_jacobian"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("36", "4", "0")
    assert len(suite.findall("testcase")) == 36
    assert len(suite.findall("testcase/failure")) == 4


def test_junit_for_a_file_that_does_not_compile() -> None:
    root = ET.fromstring(run("junit", BROKEN).stdout)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("skipped") == "36"
    assert "compile error (line 4)" in (suite.findtext("system-err") or "")


def test_markdown_renders_a_table_code_blocks_and_hints() -> None:
    proc = run("md", "tests/golden/wrong_missing_else/solution.py")
    assert proc.returncode == 1
    html = MarkdownIt("commonmark").enable("table").render(proc.stdout)
    assert html.count("<table>") == 2  # examples and failing hidden cases
    assert html.count("<pre><code") == 3  # expected vs got for each failing example
    assert "-0.4425*" in html and "Put the off-diagonal assignment in an <code>else</code>" in html


@pytest.mark.parametrize("fmt", ["json", "md", "gradescope", "junit"])
def test_machine_formats_print_only_their_document(fmt: str) -> None:
    proc = run(fmt)
    assert proc.stderr == ""
    assert proc.stdout.strip()


def test_gradescope_hidden_visibility_can_be_chosen() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            WRONG,
            "--problem",
            "softmax_jacobian",
            "--format",
            "gradescope",
            "--no-report",
            "--hidden-visibility",
            "after_due_date",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    visibility = {t["visibility"] for t in json.loads(proc.stdout)["tests"]}
    assert visibility == {"visible", "after_due_date"}
