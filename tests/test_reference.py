"""The shipped problem: its published examples agree with the reference, which is stable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.model import Visibility
from grader.problem.cases import load_reference, materialise
from grader.problem.spec import load_problem


@pytest.fixture(scope="module")
def problem(problems_dir: Path):
    return load_problem(problems_dir / "softmax_jacobian.yaml")


@pytest.fixture(scope="module")
def cases(problem):
    return materialise(problem)


def test_published_example_values_agree_with_the_reference(cases) -> None:
    examples = [c for c in cases if c.visibility is Visibility.EXAMPLE]
    assert [c.args["x"] for c in examples] == [[1.0, 2.0, 3.0], [0.0, 1.0], [1.0, -1.0, 2.0, -2.0]]
    for c in examples:
        assert c.published is not None
        np.testing.assert_allclose(c.published, c.expected, atol=c.tolerance.atol, rtol=0)
        # the published values are the reference's, rounded to 4 decimals
        np.testing.assert_array_equal(c.published, np.round(c.expected, 4))


def test_the_problem_has_the_cases_the_issue_asks_for(cases) -> None:
    hidden = [c for c in cases if c.visibility is Visibility.HIDDEN]
    assert len(hidden) >= 25
    sizes = {len(c.args["x"]) for c in hidden}
    assert {1, 2} <= sizes and max(sizes) == 1000 and any(100 <= n < 1000 for n in sizes)
    args = [c.args["x"] for c in hidden]
    assert [1000.0, 1001.0, 1002.0] in args and [-1000.0, 0.0, 1000.0] in args
    assert any(all(isinstance(v, int) for v in x) for x in args)
    assert any(max(x) < 0 for x in args)
    assert any(len(set(x)) == 1 and len(x) > 1 for x in args)
    assert any(0 < max(x) - min(x) <= 1e-8 for x in args)
    scale = next(c for c in hidden if len(c.args["x"]) == 1000)
    assert scale.time_limit == 4.0


def test_expected_values_are_finite_symmetric_and_rows_sum_to_zero(cases) -> None:
    for c in cases:
        j = c.expected
        assert np.isfinite(j).all(), c.name
        np.testing.assert_allclose(j, j.T, atol=1e-15)
        np.testing.assert_allclose(j.sum(axis=1), 0.0, atol=1e-12)


def test_reference_matches_an_independent_finite_difference(problem) -> None:
    ref = load_reference(problem).softmax_jacobian
    x = np.array([0.3, -1.2, 2.5, 0.0])

    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    h = 1e-6
    numeric = np.stack(
        [
            (softmax(x + h * np.eye(4)[j]) - softmax(x - h * np.eye(4)[j])) / (2 * h)
            for j in range(4)
        ],
        axis=1,
    )
    np.testing.assert_allclose(ref(list(x)), numeric, atol=1e-8)


def test_generated_cases_are_reproducible(problem) -> None:
    first = [c.args for c in materialise(problem)]
    second = [c.args for c in materialise(problem)]
    assert first == second


def test_expected_values_are_read_only(cases) -> None:
    with pytest.raises(ValueError):
        cases[0].expected[0, 0] = 1.0
