"""What a new learner reads: causes said once, overfitting named, output shown, time explained."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.judge import findings, growth
from grader.model import CaseResult, Verdict, Visibility
from grader.pipeline import grade
from grader.report import html, text

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"

EXAMPLES_ONLY = """\
KNOWN = {
    (1.0, 2.0, 3.0): [[0.0819, -0.022, -0.0599], [-0.022, 0.1848, -0.1628],
                      [-0.0599, -0.1628, 0.2227]],
    (0.0, 1.0): [[0.1966, -0.1966], [-0.1966, 0.1966]],
    (1.0, -1.0, 2.0, -2.0): [[0.1906, -0.0089, -0.1784, -0.0033],
                             [-0.0089, 0.0335, -0.0241, -0.0004],
                             [-0.1784, -0.0241, 0.2114, -0.0089],
                             [-0.0033, -0.0004, -0.0089, 0.0126]],
}


def softmax_jacobian(x):
    key = tuple(float(v) for v in x)
    if key in KNOWN:
        return KNOWN[key]
    return [[0.0] * len(x) for _ in x]
"""

PRINTS = """\
import numpy as np

print("loading")


def softmax_jacobian(x):
    for i in range(12):
        print(f"step {i}: " + "x" * 300)
    s = np.exp(np.asarray(x, dtype=float) - max(x))
    s = s / s.sum()
    return np.diag(s) - np.outer(s, s)
"""


def graded(tmp_path: Path, source: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "solution.py"
    path.write_text(source)
    return grade(path, "softmax_jacobian")


def test_a_cause_shared_by_many_hidden_cases_is_said_once_with_its_count(tmp_path: Path) -> None:
    wrong = PACK / "reference" / "softmax_jacobian" / "wrong_answer" / "missing_else.py"
    result = graded(tmp_path, wrong.read_text())
    out = text.render(result)
    hidden = out.split("Hidden cases:")[1]
    assert "✗ 33 cases · wrong answer · values outside the tolerance" in hidden
    assert hidden.count("values outside the tolerance") == 1
    assert hidden.count("hint:") == 1  # given on the examples already: pointed to, not repeated
    page = html.render(result)
    # the examples, each with its own hint, and the cause of the 33 hidden failures, once
    assert page.count("Your diagonal equals") == 3 + 1
    assert page.count('href="#cause-1"') == 33


def test_passing_only_the_examples_is_named_without_revealing_anything(tmp_path: Path) -> None:
    result = graded(tmp_path, EXAMPLES_ONLY)
    assert findings.examples_only(result.cases)
    out = " ".join(text.render(result).split())
    assert "it matches the examples only" in out
    assert "hint" not in out  # a per-case diagnosis (rounding?) would mislead: none is shown
    assert "matches the examples only" in html.render(result)


def test_printed_output_shows_under_its_case_cut_short(tmp_path: Path) -> None:
    out = text.render(graded(tmp_path, PRINTS))
    assert "Printed while the file was imported:\n  | loading" in out
    three = out.split("✓ three logits")[1].split("✓ two logits")[0]
    assert "printed:" in three and "| step 0: xxx" in three
    assert "| step 5" not in three and "7 more lines" in three
    assert "bytes" not in out.split("Examples")[0]  # what was dropped is said once, at the end
    assert max(len(line) for line in three.splitlines()) < 120  # long lines are cut


def test_messages_have_no_nested_brackets(tmp_path: Path) -> None:
    naive = PACK / "reference" / "softmax_jacobian" / "wrong_answer" / "naive_exp.py"
    out = text.render(graded(tmp_path, naive.read_text()))
    for line in out.splitlines():
        depth = 0
        for ch in line:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            assert depth <= 1, line


def _case(name: str, verdict: Verdict, time_s: float) -> CaseResult:
    return CaseResult(name, Visibility.HIDDEN, verdict, 1.0, time_s, "", None)


def test_growth_is_estimated_from_the_larger_cases() -> None:
    sizes = [1, 10, 40, 80, 160, 1000]
    cubic = [3e-3, 1e-5, 0.004, 0.032, 0.256, 4.0]  # the n = 1 time is overhead, not growth
    results = [_case(f"c{i}", Verdict.PASSED, t) for i, t in enumerate(cubic[:-1])]
    results.append(_case("big", Verdict.TIME_LIMIT, 4.0))
    quadratic = {i: 1e-7 * n**2 for i, n in enumerate(sizes)}
    out = growth.annotate(results, sizes, [4.0] * 6, quadratic.get)
    assert out[-1].message == (
        "exceeded the time limit of 4 s per call; "
        "your time grows like n^3; the reference's like n^2"
    )
    assert out[:-1] == tuple(results[:-1])


def test_a_growth_like_the_references_is_a_constant_factor() -> None:
    sizes = [40, 80, 160, 1000]
    results = [_case(f"c{i}", Verdict.PASSED, 1e-6 * n**2) for i, n in enumerate(sizes[:-1])]
    results.append(_case("big", Verdict.TIME_LIMIT, 2.0))
    out = growth.annotate(
        results, sizes, [2.0] * 4, {i: 1e-8 * n**2 for i, n in enumerate(sizes)}.get
    )
    assert "grows like n^2, as the reference's does" in out[-1].message


def test_without_several_sizes_only_the_limit_is_named() -> None:
    results = [_case("a", Verdict.PASSED, 0.5), _case("b", Verdict.TIME_LIMIT, 2.0)]
    out = growth.annotate(results, [100, 100], [2.0, 2.0], lambda i: 1e-3)
    assert out[1].message == "exceeded the time limit of 2 s per call"


def grader_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_PROBLEMS", None)
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_list_and_show_align_their_columns(tmp_path: Path) -> None:
    listing = grader_cli("list", cwd=tmp_path).stdout.splitlines()
    starts = {line.index("examples,") for line in listing[1:]}
    assert len(starts) == 1, listing
    titles = {re.search(r"\s{2}\S", line[6:]).start() for line in listing[1:]}  # type: ignore[union-attr]
    assert len(titles) == 1
    shown = grader_cli("show", "softmax_jacobian", cwd=tmp_path).stdout
    rows = [line for line in shown.splitlines() if line.startswith("      [")]
    for width in {len(r) for r in rows[:3]}, {len(r) for r in rows[5:9]}:
        assert len(width) == 1, rows


@pytest.mark.parametrize("name", ["softmax_jacobian.py", "02_softmax_jacobian.py"])
def test_the_problem_id_is_on_the_first_and_last_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text((PACK / "reference" / "softmax_jacobian.py").read_text())
    lines = grader_cli("grade", str(path), "--no-report").stdout.splitlines()
    assert lines[0].startswith("softmax_jacobian · ") and lines[-1].endswith("· softmax_jacobian")


MATH_EXP = """\
import math


def softmax_jacobian(x):
    e = [math.exp(v) for v in x]
    total = sum(e)
    s = [v / total for v in e]
    n = len(x)
    return [[s[i] * ((i == j) - s[j]) for j in range(n)] for i in range(n)]
"""

INTEGER_ARRAY = """\
import numpy as np


def softmax_jacobian(x):
    x = np.array(x)
    s = np.exp(x - x.max())
    s = s / s.sum()
    J = np.zeros_like(x, shape=(len(x), len(x)))  # an integer array for integer logits
    J = J.astype(int)
    for i in range(len(x)):
        for j in range(len(x)):
            J[i, j] = s[i] * ((i == j) - s[j])
    return J
"""


def test_overflow_errors_of_plain_python_get_the_overflow_hint(tmp_path: Path) -> None:
    result = graded(tmp_path, MATH_EXP)
    failing = {c.name: c for c in result.hidden if c.verdict is not Verdict.PASSED}
    assert failing["large logits (overflow)"].message.startswith("OverflowError raised at line")
    for case in failing.values():  # OverflowError, and ZeroDivisionError after exp underflows
        assert case.diagnosis == "overflow" and "subtract max(x)" in (case.hint or ""), case
    assert failing["huge negative logits"].message.startswith("ZeroDivisionError")


def test_an_integer_result_is_diagnosed_as_truncation_not_rounding(tmp_path: Path) -> None:
    result = graded(tmp_path, INTEGER_ARRAY)
    example = result.examples[0]
    assert example.diagnosis == "integer truncation" and "dtype=float" in (example.hint or "")
    assert "rounded" not in text.render(result)
