"""The comparison rule at its boundaries: shape first, then NaN/inf, then atol + rtol*|expected|."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.judge.check import NONFINITE_HINT, check_case, compare
from grader.model import Case, Outcome, Part, Tolerance, Verdict, Visibility

EXACT = np.array([[0.08192, -0.02204], [-0.02204, 0.18483]])  # not on the 4-decimal grid


DEFAULT = Tolerance()


def case(expected, visibility=Visibility.EXAMPLE, tolerance=DEFAULT) -> Case:
    expected = np.asarray(expected, dtype=np.float64)
    args = {"x": [1.0]}
    call = {"args": [["x", "list", args["x"]]]}
    return Case(0, "c", visibility, args, call, "", expected, None, 1.0, 2.0, Part(check=tolerance))


def verdict_of(got, expected=EXACT, **kw) -> Verdict:
    value = np.asarray(got, dtype=np.float64)
    return check_case(case(expected, **kw), Outcome(0, value, None, "", None, 0.0, "")).verdict


@pytest.mark.parametrize(
    "rounding", [np.floor, np.ceil, np.round, np.trunc], ids=lambda f: f.__name__
)
def test_a_value_rounded_to_4_decimals_either_way_passes(rounding) -> None:
    assert verdict_of(rounding(EXACT * 1e4) / 1e4) is Verdict.PASSED


@pytest.mark.parametrize("offset", [2e-4, -2e-4, 1.0001e-4])
def test_a_value_off_by_more_than_1e_4_fails(offset) -> None:
    got = EXACT.copy()
    got[1, 0] += offset
    assert verdict_of(got) is Verdict.WRONG_ANSWER


def test_exactly_at_the_tolerance_passes_and_just_past_fails() -> None:
    assert compare(np.array([0.5 + 2**-14]), np.array([0.5]), 2**-14, 0.0) is None
    assert compare(np.array([0.5 + 2**-14 + 2**-40]), np.array([0.5]), 2**-14, 0.0) is not None


def test_rtol_adds_a_relative_allowance() -> None:
    expected = np.array([1000.0, 1e-6])
    got = np.array([1000.9, 1e-6])
    assert compare(got, expected, 1e-4, 0.0) is not None
    assert compare(got, expected, 1e-4, 1e-3) is None


def test_shape_is_checked_before_values_no_broadcasting() -> None:
    # np.allclose([0.], zeros((3, 3))) is True; the grader must say wrong_shape.
    assert np.allclose([0.0], np.zeros((3, 3)))
    assert verdict_of([0.0], np.zeros((3, 3))) is Verdict.WRONG_SHAPE
    assert verdict_of(np.zeros((3, 3)).T[:, :2], np.zeros((3, 3))) is Verdict.WRONG_SHAPE


def test_wrong_shape_message_names_both_shapes() -> None:
    result = check_case(case(EXACT), Outcome(0, np.zeros(2), None, "", None, 0.0, ""))
    assert result.message == "expected shape (2, 2), got (2,)"


def test_squeeze_is_opt_in() -> None:
    column = np.zeros((2, 1))
    assert verdict_of(column, np.zeros(2)) is Verdict.WRONG_SHAPE
    squeeze = Tolerance(squeeze=True)
    assert verdict_of(column, np.zeros(2), tolerance=squeeze) is Verdict.PASSED


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_inf_where_finite_is_expected_fails_with_the_overflow_hint(bad) -> None:
    got = EXACT.copy()
    got[0, 0] = bad
    result = check_case(case(EXACT), Outcome(0, got, None, "", None, 0.0, ""))
    assert result.verdict is Verdict.WRONG_ANSWER
    assert result.hint == NONFINITE_HINT and result.diagnosis == "overflow"
    assert "1 of 4 entries are NaN or inf" in result.message


class Words:
    """A reference's ``HINTS`` as the judge sees them (``diagnose.Advisor``), and no mistakes."""

    def __init__(self, **hints: str) -> None:
        self.hints = hints

    def words(self, key: str) -> str | None:
        return self.hints.get(key)

    def explain(
        self, case: Case, got, failing=((),), mistakes_only=False
    ) -> tuple[str, str] | None:
        return None

    def check(self, case: Case, checker: str, got, expected) -> tuple[bool, str]:
        return True, ""

    def holds(self, case: Case, got) -> tuple[str, str] | None:
        return None


def test_the_problems_own_words_replace_the_cores() -> None:
    got = EXACT.copy()
    got[0, 0] = math.nan
    said = Words(nonfinite="subtract max(x)")
    result = check_case(case(EXACT), Outcome(0, got, None, "", None, 0.0, ""), said)
    assert result.hint == "subtract max(x)"


def test_where_entries_differ_is_said_only_in_the_problems_words() -> None:
    got = EXACT.copy()
    got[1, 1] += 0.01
    outcome = Outcome(0, got, None, "", None, 0.0, "")
    assert "diagonal" not in check_case(case(EXACT), outcome).message
    said = Words(only_diagonal="only the diagonal is off")
    assert check_case(case(EXACT), outcome, said).message.endswith("; only the diagonal is off")


def test_nan_matches_nan_and_inf_matches_inf_only_where_expected() -> None:
    expected = np.array([math.nan, math.inf, 1.0])
    assert compare(np.array([math.nan, math.inf, 1.0]), expected, 1e-4, 0) is None
    assert compare(np.array([math.nan, -math.inf, 1.0]), expected, 1e-4, 0) is not None
    assert compare(np.array([0.0, math.inf, 1.0]), expected, 1e-4, 0) is not None


def test_mismatch_summary_reports_count_max_error_and_place() -> None:
    got = EXACT.copy()
    got[1, 1] += 0.01
    got[0, 1] += 0.002
    result = check_case(case(EXACT), Outcome(0, got, None, "", None, 0.0, ""))
    assert result.message.startswith("2 of 4 entries differ; max abs diff 0.01 at [1, 1]")
    assert result.detail is not None and result.detail.mismatch is not None
    assert result.detail.mismatch.mask.tolist() == [[False, True], [False, True]]


def test_hidden_cases_carry_no_data() -> None:
    got = EXACT + 0.5
    result = check_case(case(EXACT, Visibility.HIDDEN), Outcome(0, got, None, "", None, 0.0, "out"))
    assert result.detail is None
    assert result.message == "values outside the tolerance"
    shape = check_case(
        case(EXACT, Visibility.HIDDEN), Outcome(0, np.zeros(7), None, "", None, 0, "")
    )
    assert shape.message == "expected a 2-D result, got 1-D"
    assert "7" not in shape.message


def test_a_verdict_from_the_run_stands() -> None:
    outcome = Outcome(0, None, Verdict.RUNTIME_ERROR, "ValueError: boom", 12, 0.1, "")
    result = check_case(case(EXACT), outcome)
    assert (result.verdict, result.message) == (
        Verdict.RUNTIME_ERROR,
        "ValueError: boom; at line 12",
    )
