"""Comparisons that allow a difference refuse what is wrong, and ``grader check`` proves it:
labels are whole numbers, a scale is not zero, and a checker too lenient for the wrong answers
nearest to what it allows fails the check (built through the spec, nothing patched)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.judge.parts import judge, worst
from grader.model import Part, Tolerance, Verdict
from grader.report.text import check_summary
from grader.verify import check_problem

F = np.array
LABELS = Part("int", check=Tolerance(compare="labels"))
SCALE = Part("float", check=Tolerance(atol=1e-6, rtol=1e-6, compare="scale"))


def judged(part: Part, expected: Any, got: Any) -> tuple[Verdict, str]:
    found = judge(part, expected, got, None)
    return worst(found), " ".join(j.judged.message for j in found)


@pytest.mark.parametrize(
    "got",
    [
        F([np.nan, np.nan, np.nan, np.nan]),
        F([np.nan, 5.0, 6.0, 7.0]),
        F([0.5, 7.0, np.inf, 1.0]),
        F([1.0, 0.0, 1.0, 0.0]) + 0.5,
    ],
)
def test_labels_that_are_not_whole_numbers_are_invalid_output(got: Any) -> None:
    verdict, said = judged(LABELS, F([1, 0, 1, 0]), got)
    assert verdict is Verdict.INVALID_OUTPUT
    assert "not whole numbers" in said


def test_whole_float_labels_still_pass_and_a_wrong_grouping_fails() -> None:
    assert judged(LABELS, F([1, 0, 1, 0]), F([7.0, 3.0, 7.0, 3.0]))[0] is Verdict.PASSED
    assert judged(LABELS, F([1, 0, 1, 0]), F([7.0, 7.0, 7.0, 3.0]))[0] is Verdict.WRONG_ANSWER


@pytest.mark.parametrize("got", [np.full(3, 1e-9), F([1.0, 2.0, 3.0]) * 1e-9, np.zeros(3)])
def test_scale_refuses_a_zero_or_near_zero_multiple(got: Any) -> None:
    verdict, said = judged(SCALE, F([1.0, 2.0, 3.0]), got)
    assert verdict is Verdict.WRONG_ANSWER and "not a multiple" in said


def test_scale_applies_the_tolerance_to_got_over_c() -> None:
    expected = F([1.0, 2.0, 3.0])
    assert judged(SCALE, expected, expected * -2.5)[0] is Verdict.PASSED
    assert judged(SCALE, expected, expected * 1e-3)[0] is Verdict.PASSED  # a small multiple
    assert judged(SCALE, expected, expected * 1e-3 + F([0.0, 1e-6, 0.0]))[0] is (
        Verdict.WRONG_ANSWER  # 1e-6 off at scale 1e-3 is 1e-3 off in got / c
    )


def problem(root: Path, name: str, result: str, check: str, reference: str) -> Path:
    (root / "problems").mkdir(exist_ok=True)
    (root / "reference").mkdir(exist_ok=True)
    spec = root / "problems" / f"{name}.yaml"
    spec.write_text(
        textwrap.dedent(f"""\
        id: {name}
        title: T
        entry_point: {name}
        arguments:
          x: ndarray
        result: {result}
        check: {check}
        statement: s
        examples:
          - name: four values
            args: {{x: [[1.0, -2.0], [3.0, -1.0], [0.5, 4.0]]}}
        """)
    )
    (root / "reference" / f"{name}.py").write_text(
        "import numpy as np\n\n" + textwrap.dedent(reference)
    )
    return spec


def self_test_line(spec: Path) -> str:
    report = check_problem(spec, "off")
    summary = check_summary([report])
    lines = [line for line in summary.splitlines() if "comparisons self-test" in line]
    assert lines, summary
    return lines[0]


LENIENT = {
    # signs ignored entry by entry: the classic too-lenient eigenvector check
    "abs_values": "return bool(np.allclose(np.abs(got), np.abs(expected))), 'differs'",
    # a cross-multiplied scale check: the all-zero answer passes it
    "cross": "return bool(np.allclose(got * expected.sum(), expected * got.sum())), 'differs'",
}


@pytest.mark.parametrize("checker", sorted(LENIENT))
def test_a_custom_checker_too_lenient_for_a_wrong_answer_fails_check(
    checker: str, tmp_path: Path
) -> None:
    reference = f"""\
        def t(x):
            return np.asarray(x, dtype=float) * 2

        def check_{checker}(got, expected, args):
            {LENIENT[checker]}
        """
    spec = problem(tmp_path, "t", "float", f"{{compare: custom, checker: {checker}}}", reference)
    line = self_test_line(spec)
    assert line.lstrip().startswith("✗") and "a wrong answer passes" in line, line


def test_a_strict_custom_checker_and_each_declared_comparison_pass_the_self_test(
    tmp_path: Path,
) -> None:
    strict = """\
        def t(x):
            return np.asarray(x, dtype=float) * 2

        def check_strict(got, expected, args):
            return bool(np.allclose(got, expected)), 'differs'
        """
    spec = problem(tmp_path, "t", "float", "{compare: custom, checker: strict}", strict)
    assert self_test_line(spec).lstrip().startswith("✓")
    for how in ("sign", "unordered", "scale"):
        spec = problem(tmp_path, how, "float", f"{{compare: {how}, atol: 1.0e-6}}", f"""\
            def {how}(x):
                return np.asarray(x, dtype=float) * 2
            """)  # fmt: skip
        line = self_test_line(spec)
        assert line.lstrip().startswith("✓"), line


def test_a_reference_returning_nan_labels_fails_check_and_does_not_crash(tmp_path: Path) -> None:
    spec = problem(tmp_path, "lab", "float", "{compare: labels}", """\
        def lab(x):
            return np.full(len(x), np.nan)
        """)  # fmt: skip
    line = self_test_line(spec)
    assert "the reference's labels are not whole numbers" in line, line


@pytest.mark.parametrize("seed", range(24))
def test_a_large_result_checked_a_chunk_at_a_time_gets_the_whole_array_rule(seed: int) -> None:
    """``numeric``'s chunked pass over a large result decides exactly as the whole-array rule:
    NaN anywhere, a matching or mismatching infinity, integers, rtol, a Fortran-ordered result."""
    from grader.judge import numeric

    rng = np.random.default_rng(seed)
    shape = [(300, 300), (70_000,), (2, 40_001)][seed % 3]
    expected = rng.standard_normal(shape) * 10
    got = expected + rng.uniform(-2e-4, 2e-4, shape) * (seed % 2)
    if seed % 4 == 0:
        expected.flat[rng.integers(expected.size)] = np.inf
        got = expected.copy() if seed % 8 == 0 else got
    if seed % 5 == 0:
        got.flat[rng.integers(got.size)] = np.nan
    if seed % 6 == 1:
        expected, got = np.trunc(expected).astype(np.int64), np.trunc(got).astype(np.int64)
    if seed % 7 == 3:
        got = np.asfortranarray(got)
    atol, rtol = [(1e-4, 0.0), (1e-6, 1e-5), (0.0, 0.0)][seed % 3]
    whole = bool(numeric._ok(got, expected, atol, rtol)[0].all())
    assert numeric.within(got, expected, atol, rtol) is whole
    assert (numeric.compare(got, expected, atol, rtol) is None) is whole
