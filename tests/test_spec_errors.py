"""A bad spec is an exit-2 error naming the file, the line and the field: never a traceback."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.errors import SpecError
from grader.problem.spec import load_problem

GOOD = """\
id: p
title: A problem
entry_point: f
arguments: {x: list}
statement: Return x.
check: {atol: 1.0e-4}
examples:
  - name: one
    args: {x: [1.0, 2.0]}
    expected: [1.0, 2.0]
hidden:
  - {name: two, args: {x: [3.0]}}
"""


def write(tmp_path: Path, text: str, reference: bool = True) -> Path:
    (tmp_path / "problems").mkdir(exist_ok=True)
    (tmp_path / "reference").mkdir(exist_ok=True)
    if reference:
        (tmp_path / "reference" / "p.py").write_text("def f(x):\n    return x\n")
    spec = tmp_path / "problems" / "p.yaml"
    spec.write_text(textwrap.dedent(text))
    return spec


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        (
            "check: {atol: 1.0e-4}",
            "check: {atol: 1.0e-4, tolerence: 1}",
            6,
            "check.tolerence",
            "unknown key; known keys: atol, rtol, squeeze",
        ),
        (
            "check: {atol: 1.0e-4}",
            "check: {atoll: 1.0e-4}",
            6,
            "check.atoll",
            "did you mean 'atol'?",
        ),
        ("title: A problem\n", "", 1, "", "missing required key 'title'"),
        ("title: A problem", "title: 3", 2, "title", "expected a non-empty string, got an integer"),
        (
            "    expected: [1.0, 2.0]",
            "    expected: [1.0, two]",
            10,
            "examples[0].expected[1]",
            "expected a number, got the string 'two'",
        ),
        (
            "    args: {x: [1.0, 2.0]}",
            "    args: {x: [[1.0, 2.0], [3.0]]}",
            9,
            "examples[0].args.x[1]",
            "ragged: this item has shape 1, item 0 has 2",
        ),
        (
            "    args: {x: [1.0, 2.0]}",
            "    args: {x: [true, 2.0]}",
            9,
            "examples[0].args.x[0]",
            "got a boolean",
        ),
        (
            "    args: {x: [1.0, 2.0]}",
            "    args: {y: [1.0, 2.0]}",
            9,
            "examples[0].args.y",
            "unknown key; known keys: x",
        ),
        (
            "{name: two,",
            "{name: one,",
            12,
            "hidden[0].name",
            "duplicate case name 'one' (also examples[0])",
        ),
        (
            "check: {atol: 1.0e-4}",
            "check: {atol: 0, rtol: 0}",
            6,
            "check",
            "only bit-identical floats would pass",
        ),
        (
            "check: {atol: 1.0e-4}",
            "limits: {time_per_case: fast}",
            6,
            "limits.time_per_case",
            "expected a duration such as 2s or 500ms, got 'fast'",
        ),
        (
            "check: {atol: 1.0e-4}",
            "limits: {time_per_case: 5s, time_total: 2s}",
            6,
            "limits.time_total",
            "is shorter than time_per_case",
        ),
        ("id: p", "id: q", 1, "id", "'q' differs from the file name 'p'"),
        ("entry_point: f", "entry_point: f\nentry_point: g", 4, "entry_point", "duplicate key"),
        ("statement: Return x.", "statement: [unclosed", 6, "", "not valid YAML"),
        (
            "hidden:\n  - {name: two, args: {x: [3.0]}}\n",
            "hidden: []\n",
            11,
            "hidden",
            "an empty list: add cases or remove the key",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_spec_errors_name_line_and_field(tmp_path, old, new, line, field, words) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new)
    with pytest.raises(SpecError) as caught:
        load_problem(write(tmp_path, text))
    error = caught.value
    assert (error.line, error.field) == (line, field), str(error)
    assert words in error.message, str(error)
    assert str(error).startswith(f"{tmp_path / 'problems' / 'p.yaml'}:{line}: ")
    assert "Traceback" not in str(error)


def test_a_missing_reference_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="reference solution not found"):
        load_problem(write(tmp_path, GOOD, reference=False))


def test_an_unknown_generator_is_an_error(tmp_path: Path) -> None:
    from grader.problem.cases import materialise

    spec = write(tmp_path, GOOD + "generated:\n  - {name: g, generator: nope, count: 2, seed: 1}\n")
    with pytest.raises(SpecError, match=r"'nope' is not a function in p\.py") as caught:
        materialise(load_problem(spec))
    assert caught.value.line == 14


def test_generated_count_must_be_positive(tmp_path: Path) -> None:
    spec = write(tmp_path, GOOD + "generated:\n  - {name: g, generator: g, count: 0, seed: 1}\n")
    with pytest.raises(SpecError, match="must be >= 1") as caught:
        load_problem(spec)
    assert (caught.value.line, caught.value.field) == (14, "generated[0].count")


def test_the_good_spec_loads(tmp_path: Path) -> None:
    problem = load_problem(write(tmp_path, GOOD))
    assert [c.name for c in problem.examples + problem.hidden] == ["one", "two"]


def test_a_problem_without_any_case_is_an_error(tmp_path: Path) -> None:
    text = GOOD[: GOOD.index("examples:")]
    with pytest.raises(SpecError, match="the problem has no cases"):
        load_problem(write(tmp_path, text))
