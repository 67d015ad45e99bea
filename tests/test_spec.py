"""The spec loader: the shipped problem loads, and every broken spec is one SpecError that names
the file, the line and the field path (``problems/x.yaml:14: examples[2].expected: ...``).

Each broken spec is written into ``tmp_path/problems/`` next to a trivial reference. Most are the
six lines of HEAD followed by their own lines, so a line number can be read off the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.errors import SpecError
from grader.problem.spec import load_problem

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references

HEAD = """\
id: demo
title: Demo
entry_point: f
arguments:
  x: list
statement: Return x.
"""
EXAMPLE = """\
examples:
  - name: one
    args: {x: [1.0, 2.0]}
    expected: [1.0, 2.0]
"""
GOOD = HEAD + EXAMPLE  # lines 1-6 HEAD, 7 examples, 8 name, 9 args, 10 expected


def write_spec(
    tmp_path: Path, spec: str | dict[str, Any], stem: str = "demo", reference: bool = True
) -> Path:
    """Write ``problems/<stem>.yaml`` (YAML text as is, a dict dumped in order) and, unless told
    otherwise, ``reference/<stem>.py`` defining ``f``."""
    text = spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False)
    path = tmp_path / "problems" / f"{stem}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if reference:
        (tmp_path / "reference").mkdir(exist_ok=True)
        (tmp_path / "reference" / f"{stem}.py").write_text("def f(x):\n    return x\n")
    return path


def without(*keys: str) -> dict[str, Any]:
    """GOOD as a dict, without ``keys`` (dumped back, its first key is on line 1)."""
    return {k: v for k, v in yaml.safe_load(GOOD).items() if k not in keys}


def bad(
    name: str, spec: str | dict[str, Any], line: int | None, field: str, fragment: str, **kw: Any
) -> Any:
    """One row: the spec, how to write it, and the line, field path and words of the error."""
    xfail = kw.pop("xfail", None)
    marks = [pytest.mark.xfail(reason=xfail, strict=True)] if xfail else []
    return pytest.param(spec, kw, line, field, fragment, id=name, marks=marks)


# fmt: off
BROKEN = [
    bad("typo-tolerence-at-top-level", HEAD + "tolerence: {atol: 1.0e-3}\n" + EXAMPLE, 7,
        "tolerence", "did you mean 'check'?"),
    bad("typo-tolerence-under-check", HEAD + "check:\n  tolerence: 1.0e-3\n" + EXAMPLE, 8,
        "check.tolerence", "unknown key; known keys: atol, rtol, squeeze"),
    bad("typo-atoll-under-check", HEAD + "check: {atoll: 1.0e-3}\n" + EXAMPLE, 7, "check.atoll",
        "did you mean 'atol'?"),
    bad("unknown-key-in-case", GOOD + "    expcted: [1.0, 2.0]\n", 11, "examples[0].expcted",
        "unknown key (did you mean 'expected'?)"),
    bad("missing-title", without("title"), 1, "", "missing required key 'title'"),
    bad("title-not-a-string", GOOD.replace("title: Demo", "title: 3"), 2, "title",
        "expected a non-empty string, got an integer"),
    bad("no-case-lists", without("examples"), 1, "", "the problem has no cases"),
    bad("empty-examples-list", HEAD + "examples: []\n", 7, "examples", "an empty list"),
    bad("duplicate-case-name",
        GOOD + "hidden:\n  - {name: two, args: {x: [3.0]}}\n  - {name: one, args: {x: [4.0]}}\n",
        13, "hidden[1].name", "duplicate case name 'one' (also examples[0])"),
    bad("string-in-args-list", GOOD.replace("{x: [1.0, 2.0]}", "{x: [1.0, two]}"), 9,
        "examples[0].args.x[1]", "expected a number, got the string 'two'"),
    bad("ragged-expected-matrix", HEAD + "examples:\n  - name: one\n    args: {x: [1.0]}\n"
        "    expected:\n      - [1.0, 2.0]\n      - [3.0]\n", 12,
        "examples[0].expected[1]", "ragged: this item has shape 1, item 0 has 2"),
    bad("boolean-weight", GOOD + "    weight: true\n", 11, "examples[0].weight",
        "expected a number, got a boolean"),
    bad("boolean-in-expected", GOOD.replace("expected: [1.0, 2.0]", "expected: [1.0, yes]"), 10,
        "examples[0].expected[1]", "expected a number, got a boolean"),
    bad("duration-not-a-duration", HEAD + "limits:\n  time_per_case: fast\n" + EXAMPLE, 8,
        "limits.time_per_case", "expected a duration such as 2s or 500ms, got 'fast'"),
    bad("time-total-below-per-case",
        HEAD + "limits:\n  time_per_case: 5s\n  time_total: 2s\n" + EXAMPLE, 9,
        "limits.time_total", "is shorter than time_per_case"),
    bad("atol-and-rtol-zero", HEAD + "check:\n  atol: 0\n  rtol: 0\n" + EXAMPLE, 7, "check",
        "atol and rtol are both 0"),
    bad("case-atol-zero", GOOD + "    check: {atol: 0}\n", 11, "examples[0].check",
        "atol and rtol are both 0"),
    bad("reference-missing", GOOD, 1, "reference", "reference solution not found",
        reference=False),
    bad("reference-path-missing", HEAD + "reference: ../reference/nope.py\n" + EXAMPLE, 7,
        "reference", "nope.py"),
    bad("id-differs-from-file-name", GOOD, 1, "id",
        "'demo' differs from the file name 'other'", stem="other"),
    bad("duplicate-yaml-key", HEAD + "title: Again\n" + EXAMPLE, 7, "title", "duplicate key"),
    bad("duplicate-yaml-key-in-case", GOOD + "    args: {x: [3.0]}\n", 11, "examples[0].args",
        "duplicate key"),
    bad("invalid-yaml", HEAD + "examples:\n  - name: one: two\n", 8, "",
        "not valid YAML: mapping values are not allowed"),
    bad("complex-mapping-key", HEAD + "? [a, b]\n: 1\n" + EXAMPLE, 7, "",
        "a mapping key must be a plain value"),
    bad("args-key-not-declared", GOOD.replace("args: {x:", "args: {y:"), 9,
        "examples[0].args.y", "unknown key; known keys: x"),
    bad("args-key-missing", GOOD.replace("args: {x: [1.0, 2.0]}", "args: {}"), 9,
        "examples[0].args", "missing required key 'x'"),
    bad("generated-count-zero",
        HEAD + "generated:\n  - {name: g, generator: gen, count: 0, seed: 1}\n", 8,
        "generated[0].count", "must be >= 1, got 0"),
]
# fmt: on


@pytest.mark.parametrize(("spec", "write", "line", "field", "fragment"), BROKEN)
def test_broken_spec_names_file_line_and_field(
    tmp_path: Path,
    spec: str | dict[str, Any],
    write: dict[str, Any],
    line: int | None,
    field: str,
    fragment: str,
) -> None:
    path = write_spec(tmp_path, spec, **write)
    with pytest.raises(SpecError) as raised:
        load_problem(path)
    error = raised.value
    assert (error.path, error.line, error.field) == (str(path), line, field), str(error)
    assert fragment in error.message
    assert str(error) == f"{path}:{line}: " + (f"{field}: " if field else "") + error.message
    assert "Traceback" not in str(error)


def test_good_spec_loads(tmp_path: Path) -> None:
    """The base of every broken spec above is itself valid: each row breaks one thing."""
    problem = load_problem(write_spec(tmp_path, GOOD))
    assert [case.name for case in problem.examples] == ["one"]
    assert problem.examples[0].line == 8


def test_exponent_without_a_dot_is_a_number(tmp_path: Path) -> None:
    problem = load_problem(write_spec(tmp_path, HEAD + "check: {atol: 1e-4}\n" + EXAMPLE))
    assert problem.tolerance.atol == 1e-4


def test_shipped_softmax_jacobian_loads() -> None:
    problem = load_problem(PACK / "problems" / "softmax_jacobian.yaml")
    assert (problem.id, problem.entry_point) == ("softmax_jacobian", "softmax_jacobian")
    assert {n: str(a) for n, a in problem.arguments.items()} == {"x": "list"}
    assert problem.reference.resolve() == PACK / "reference" / "softmax_jacobian.py"

    assert [case.name for case in problem.examples][:2] == ["three logits", "two logits"]
    assert len(problem.examples) == 3
    assert problem.examples[0].expected[0] == [0.0819, -0.022, -0.0599]
    assert len(problem.hidden) >= 20
    assert all(case.expected is None for case in problem.hidden)
    assert {case.visibility for case in problem.hidden} == {"hidden"}

    generated = [(g.generator, g.count, g.seed) for g in problem.generated]
    assert generated == [
        ("random_logits", 8, 20261122),
        ("random_logits", 3, 7),
        ("spread_logits", 1, 128),
        ("spread_logits", 1, 1000),
    ]
    assert problem.generated[0].params == {"n": [2, 12], "scale": 3.0}
    assert (problem.generated[-1].weight, problem.generated[-1].time_limit) == (2.0, 4.0)

    assert (problem.limits.time_per_case, problem.limits.time_total) == (2.0, 15.0)
    assert problem.limits.memory == 1 << 30
    assert (problem.tolerance.atol, problem.tolerance.rtol) == (1e-4, 0.0)
    assert problem.hidden[0].tolerance == problem.tolerance  # inherited by every case


def test_a_long_time_per_case_raises_an_omitted_total(tmp_path: Path) -> None:
    problem = load_problem(write_spec(tmp_path, HEAD + "limits: {time_per_case: 20s}\n" + EXAMPLE))
    assert (problem.limits.time_per_case, problem.limits.time_total) == (20.0, 20.0)
