"""Any numeric exercise, through the library: values of every kind, structures part by part,
arguments of every kind, call scripts, seeds, comparisons beyond atol, precision per case.

Fast tests: no process is started here (``test_kinds_cli.py`` runs submissions).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.errors import SpecError
from grader.judge.check import check_case
from grader.judge.parts import judge, worst
from grader.model import Case, Outcome, Part, Tolerance, Verdict, Visibility
from grader.problem.cases import materialise
from grader.problem.spec import load_problem
from grader.run.child import calls, codec
from grader.selftest import decimals, published_decimals

# ---------------------------------------------------------------------------------------------
# Part 8: every kind crosses the channel as a typed tree and raw bytes, read back strictly.


def roundtrip(value: Any, layout: Any = "*") -> Any:
    tree, buffers, nbytes = codec.pack(codec.normalise(value, layout))
    data = np.frombuffer(b"".join(bytes(b) for b in buffers), dtype=np.uint8)
    assert codec.measure(json.loads(json.dumps(tree))) == nbytes == data.size
    return codec.build(tree, data)


def test_every_kind_of_value_round_trips() -> None:
    value = (0.5, 3, True, np.float32(2.5), "text", None, [np.eye(2), np.arange(3)], {"k": [1, 2]})
    back = roundtrip(value)
    assert isinstance(back, tuple) and len(back) == 8
    assert back[0].shape == () and back[0].dtype == np.float64 and float(back[0]) == 0.5
    assert back[1].dtype == np.int64 and back[2].dtype == np.bool_
    assert back[3].dtype == np.float64 and back[4] == "text" and back[5] is None
    assert [a.shape for a in back[6]] == [(2, 2), (3,)]  # a list of arrays of different shapes
    assert back[7]["k"].tolist() == [1, 2]


def test_a_scalar_keeps_its_shape_and_a_declared_array_layout_reads_lists() -> None:
    assert roundtrip(np.float64(1.5), "a").shape == ()
    assert roundtrip(np.array(1.5), "a").shape == ()
    assert roundtrip([[1, 2], [3, 4]], "a").shape == (2, 2)
    layout = {"t": ["a", "a"], "n": ["dW", "db"]}
    dw, db = roundtrip(([1.0, 2.0], 0.5), layout)
    assert dw.shape == (2,) and db.shape == ()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ([[1.0, 2.0], [3.0]], "ragged"),
        ([1j, 2.0], "complex"),
        (object(), "values of type object"),
        (b"bytes", "bytes"),
        ("x" * (codec.MAX_TEXT + 1), "longer than"),
        ({1: 2.0}, "keys are not all strings"),
    ],
)
def test_what_cannot_be_sent_is_invalid_output_with_plain_words(value: Any, words: str) -> None:
    with pytest.raises(codec.InvalidOutput, match=words):
        codec.normalise(value, "a" if not isinstance(value, dict) else "*")


def test_the_child_bounds_depth_and_parts() -> None:
    deep: Any = 1.0
    for _ in range(codec.MAX_DEPTH + 2):
        deep = [deep, "x"]
    with pytest.raises(codec.InvalidOutput, match="nested more than"):
        codec.normalise(deep, "*")
    with pytest.raises(codec.InvalidOutput, match="more than 2048 parts"):
        codec.normalise([None] * (codec.MAX_PARTS + 1), "*")


@pytest.mark.parametrize(
    "tree",
    [
        {"a": "c", "s": [1]},  # no such dtype
        {"a": "f", "s": [-1]},
        {"a": "f", "s": [1] * 9},  # too many dimensions
        {"a": "f"},
        {"s": 3},
        {"t": "not a list"},
        {"d": [["k", None], ["k", None]]},  # a repeated key
        {"d": [[1, None]]},
        {"x": []},
        [1, 2],
        {"t": [{"t": [{"t": [None] * 3}]}] * 1000},  # too many parts
        {"a": [1], "s": []},  # unhashable fields, as a forged record may hold
        {"a": {}, "s": []},
        {"a": "f", "s": [True]},  # a bool is not a dimension
        {"a": "f", "s": [2.0]},
        {"a": "f", "s": [0, 10**23]},  # size 0, but numpy cannot shape it
        {"a": "f", "s": [0, 2**62, 2**62]},
        {"a": "b", "s": [2**20, 2**20]},  # each dimension fits, their product does not
        {"s": ["x"]},
        {"t": ({"s": "x"},)},  # a tuple is not a JSON list
    ],
)
def test_the_grader_reads_only_well_formed_bounded_trees(tree: Any) -> None:
    with pytest.raises(codec.Unreadable):
        codec.measure(tree)


def test_a_zero_size_array_with_a_huge_dimension_is_invalid_output_in_the_child() -> None:
    with pytest.raises(codec.InvalidOutput, match=r"more than 2\*\*31 entries"):
        codec.normalise(np.zeros((0, 2**40)), "a")
    assert roundtrip(np.zeros((0, 5)), "a").shape == (0, 5)


def test_booleans_other_than_0_and_1_are_unreadable() -> None:
    with pytest.raises(codec.Unreadable, match="booleans"):
        codec.build({"a": "b", "s": [2]}, np.array([0, 7, 0, 0, 0, 0, 0, 0], dtype=np.uint8))


# ---------------------------------------------------------------------------------------------
# Parts 1, 2, 6: judged part by part, by each part's comparison.


def verdict(part: Part, expected: Any, got: Any, custom: Any = None) -> tuple[Verdict, list[str]]:
    found = judge(part, expected, got, custom)
    bad = [f"{j.label}: {j.judged.message}" for j in found if j.verdict is not Verdict.PASSED]
    return worst(found), bad


F = np.array
CLOSE = Tolerance(atol=1e-4)


def test_a_scalar_where_a_vector_is_expected_or_the_reverse_is_wrong_shape() -> None:
    part = Part("float", check=CLOSE)
    assert verdict(part, F(0.5), F([0.5])) == (
        Verdict.WRONG_SHAPE,
        [": expected a number, got an array of shape (1,)"],
    )
    assert verdict(part, F([0.5]), F(0.5)) == (
        Verdict.WRONG_SHAPE,
        [": expected an array of shape (1,), got a number"],
    )
    assert verdict(part, F(0.5), F(0.50004))[0] is Verdict.PASSED


def test_booleans_where_floats_are_expected_are_rejected_clearly() -> None:
    got, bad = verdict(Part("float", check=CLOSE), F([1.0, 0.0]), F([True, False]))
    assert got is Verdict.INVALID_OUTPUT and "booleans (True/False) where numbers" in bad[0]


def test_integers_and_booleans_are_compared_exactly_and_text_exactly_or_normalised() -> None:
    assert verdict(Part("int"), F([1, 2]), F([1, 2]))[0] is Verdict.PASSED
    assert verdict(Part("int"), F([1, 2]), F([1.0, 2.0]))[0] is Verdict.PASSED
    assert verdict(Part("int", check=Tolerance(atol=0.5)), F([1, 2]), F([1, 3]))[0] is (
        Verdict.WRONG_ANSWER
    )
    assert verdict(Part("bool"), F([True]), F([1]))[0] is Verdict.INVALID_OUTPUT
    assert verdict(Part("str"), "Yes", "yes")[0] is Verdict.WRONG_ANSWER
    normalised = Part("str", check=Tolerance(text="normalised"))
    assert verdict(normalised, "Hello  world", " hello world ")[0] is Verdict.PASSED
    assert verdict(Part("none"), None, None)[0] is Verdict.PASSED
    assert verdict(Part("float"), F(1.0), None)[0] is Verdict.INVALID_OUTPUT


MSE = Part(
    "tuple",
    check=Tolerance(atol=1e-6),
    parts=(
        Part("float", "loss", Tolerance(atol=1e-6)),
        Part("float", "dW", Tolerance(atol=1e-6)),
        Part("float", "db", Tolerance(atol=1e-6)),
    ),
)


def test_messages_name_the_part() -> None:
    expected = (F(1.0), F([1.0, 2.0, 3.0, 4.0, 5.0]), F(0.5))
    got = (1.0, F([1.0, 2.5, 3.0, 4.5, 5.0]), 0.5)
    found, bad = verdict(MSE, expected, tuple(np.asarray(g) for g in got))
    assert found is Verdict.WRONG_ANSWER
    assert bad[0].startswith("result[1] (dW): 2 of 5 entries differ")
    assert verdict(MSE, expected, (F(1.0), F([1.0]) * 0))[1] == [
        ": expected 3 parts (loss, dW, db), got a tuple of 2 parts"
    ]
    assert verdict(MSE, expected, F([1.0]))[0] is Verdict.WRONG_SHAPE
    record = Part("dict", parts=(Part("float", "mean"), Part("float", "var")))
    assert verdict(record, {"mean": F(1.0), "var": F(2.0)}, {"mean": F(1.0)})[1] == [
        ": missing keys 'var'"
    ]


@pytest.mark.parametrize(
    ("check", "expected", "same", "wrong"),
    [
        ("sign", F([[1.0, 2.0], [3.0, -4.0]]), F([[-1.0, 2.0], [-3.0, -4.0]]),
         F([[-1.0, 2.0], [3.0, -4.0]])),
        ("unordered", F([[1.0, 2.0], [3.0, 4.0]]), F([[3.0, 4.0], [1.0, 2.0]]),
         F([[3.0, 4.0], [1.0, 2.1]])),
        ("labels", F([0, 0, 1, 2]), F([2, 2, 0, 1]), F([2, 2, 2, 1])),
        ("scale", F([1.0, -2.0, 3.0]), F([-2.5, 5.0, -7.5]), F([2.0, -4.0, 6.1])),
        ("relative", F([1.0, 2.0, 3.0]), F([1.0, 2.0, 3.0]) * (1 + 1e-7),
         F([1.0, 2.0, 3.0]) * (1 + 1e-5)),
    ],
)  # fmt: skip
def test_comparisons_beyond_atol(check: str, expected: Any, same: Any, wrong: Any) -> None:
    vectors = "rows" if check == "unordered" else "columns"
    kind = "int" if check == "labels" else "float"
    part = Part(kind, check=Tolerance(atol=1e-6, rtol=1e-6, compare=check, vectors=vectors))
    assert verdict(part, expected, same)[0] is Verdict.PASSED
    assert verdict(part, expected, wrong)[0] is Verdict.WRONG_ANSWER


@pytest.mark.parametrize(
    ("expected", "vectors"),
    [
        (F(np.zeros(1500)), "rows"),
        (F(np.zeros((2000, 1))), "rows"),
        (F(np.ones((3, 2000))), "columns"),
    ],
)
def test_unordered_matches_many_equal_items_without_recursion(expected: Any, vectors: str) -> None:
    part = Part("float", check=Tolerance(atol=1e-6, compare="unordered", vectors=vectors))
    assert verdict(part, expected, expected.copy())[0] is Verdict.PASSED
    wrong = expected.copy()
    wrong.flat[7] = 5.0
    assert verdict(part, expected, wrong)[0] is Verdict.WRONG_ANSWER


def test_unordered_finds_a_matching_the_sorted_order_misses() -> None:
    part = Part("float", check=Tolerance(atol=0.1, compare="unordered", vectors="rows"))
    expected = F([[0.0, 1.0], [0.05, 0.0]])
    assert verdict(part, expected, F([[0.04, 1.0], [0.0, 0.0]]))[0] is Verdict.PASSED
    assert verdict(part, expected, F([[0.04, 1.0], [0.0, 0.2]]))[0] is Verdict.WRONG_ANSWER


def test_matching_follows_a_long_augmenting_path_and_agrees_with_brute_force() -> None:
    from itertools import permutations

    from grader.judge.matching import matching

    n = 2000  # greedy leaves the last item unmatched: the augmenting path is n long
    ok = np.zeros((n, n), dtype=bool)
    ok[np.arange(n - 1), np.arange(n - 1)] = ok[np.arange(n - 1), np.arange(1, n)] = True
    ok[n - 1, 0] = True
    pairs = matching(ok)
    assert pairs is not None and sorted(pairs.tolist()) == list(range(n))
    assert ok[np.arange(n), pairs].all()
    rng = np.random.default_rng(3)
    for _ in range(300):
        m = int(rng.integers(1, 6))
        small = rng.random((m, m)) < 0.4
        exists = any(small[np.arange(m), list(p)].all() for p in permutations(range(m)))
        found = matching(small)
        assert (found is not None) == exists
        if found is not None:
            assert len(set(found.tolist())) == m and small[np.arange(m), found].all()


def test_a_custom_checker_sees_decoded_values_and_judges_a_structure_as_a_whole() -> None:
    seen: list[Any] = []

    def custom(name: str, got: Any, expected: Any) -> tuple[bool, str]:
        seen.append((name, type(got).__name__))
        return bool(np.allclose(sorted(got[0]), sorted(expected[0]))), "not the same set"

    part = Part(
        "tuple",
        check=Tolerance(compare="custom", checker="same_set"),
        parts=(Part("float"), Part("int")),
    )
    expected = (F([1.0, 2.0]), F(3))
    assert verdict(part, expected, (F([2.0, 1.0]), F(3)), custom)[0] is Verdict.PASSED
    assert verdict(part, expected, (F([2.0, 5.0]), F(3)), custom)[1] == [": not the same set"]
    assert verdict(part, expected, (F([2.0]), F(3)), custom)[0] is Verdict.WRONG_SHAPE  # first
    assert seen == [("same_set", "tuple")] * 2


def case_of(part: Part, expected: Any, visibility: Visibility = Visibility.HIDDEN) -> Case:
    return Case(0, "c", visibility, {}, {"args": []}, "", expected, None, 1.0, 1.0, part)


def test_a_hidden_case_names_the_part_and_no_value() -> None:
    outcome = Outcome(0, (F(1.0), F([9.0, 9.0]), F(0.5)), None, "", None, 0.0, "")
    result = check_case(case_of(MSE, (F(1.0), F([1.0, 2.0]), F(0.5))), outcome)
    assert result.message == "result[1] (dW): values outside the tolerance"
    assert result.detail is None


# ---------------------------------------------------------------------------------------------
# Part 3: arguments of every kind, fresh for each call; part 5: seeds.


def test_calls_build_fresh_values_of_every_kind_and_pass_keywords_by_name() -> None:
    call = {
        "args": [
            ["x", "nd:float32", [1, 2]],
            ["n", "int", 3],
            ["flag", "bool", True],
            ["name", "str", "relu"],
            ["nothing", "none", None],
            ["config", "dict", {"lr": 0.1}],
            ["ragged", "list", [[1.0], [2.0, 3.0]]],
            ["layers", "nds", [[1.0, 2.0], [[3.0]]]],
        ],
        "kwargs": [["eps", "float", 1], ["rng", "gen", None]],
        "seed": 5,
    }
    got: dict[str, Any] = {}

    def target(*args: Any, **kwargs: Any) -> int:
        got.update(args=args, kwargs=kwargs, config=dict(args[5]))
        args[5]["lr"] = 99  # a mutation changes nothing for the next call
        return 0

    calls.invoke(target, call, lambda v, i: v, fresh=False)
    first = got["kwargs"]["rng"].random()
    calls.invoke(target, call, lambda v, i: v, fresh=False)
    args, kwargs = got["args"], got["kwargs"]
    assert args[0].dtype == np.float32 and args[1:5] == (3, True, "relu", None)
    assert got["config"] == {"lr": 0.1} and args[6] == [[1.0], [2.0, 3.0]]
    assert [a.shape for a in args[7]] == [(2,), (1, 1)]
    assert kwargs["eps"] == 1.0 and isinstance(kwargs["eps"], float)
    assert kwargs["rng"].random() == first == np.random.default_rng(5).random()


def test_a_call_script_constructs_calls_chains_and_keeps_each_checked_value() -> None:
    class Counter:
        def __init__(self, start: int) -> None:
            self.total = [start]

        def add(self, x: int) -> list[int]:
            self.total[0] += x  # changes what was returned before: kept values are copies
            return self.total

    script = [
        ["new", [["start", "int", 1]], []],
        ["call", "add", [["x", "int", 2]], [], True],
        ["get", "total"],
        ["call", "add", [["x", "ret", 0]], [], True],
    ]
    kept = calls.run_script(Counter, script, None, lambda v, i: codec.normalise(v, "a", True))
    assert [k.tolist() for k in kept] == [[3], [3], [6]]


# ---------------------------------------------------------------------------------------------
# Specs: every kind declared, validated with file:line:field.

HEAD = """\
id: demo
title: Demo
entry_point: f
statement: Return something.
"""


def write(tmp_path: Path, text: str, reference: str) -> Path:
    (tmp_path / "problems").mkdir(exist_ok=True)
    (tmp_path / "reference").mkdir(exist_ok=True)
    (tmp_path / "reference" / "demo.py").write_text(reference)
    path = tmp_path / "problems" / "demo.yaml"
    path.write_text(HEAD + text)
    return path


FUNCTION = """\
import numpy as np


def f(x, mode="sum", scale=None, *, eps=0.5):
    x = np.asarray(x, dtype=float)
    total = x.sum() if mode == "sum" else x.mean()
    return float(np.sum(total * (1 if scale is None else np.asarray(scale))) + eps), x * 2


def grow(rng, n):
    return {"x": rng.standard_normal(n), "mode": "mean"}
"""
SPEC = """\
arguments:
  x: ndarray
  mode: {type: str, default: sum}
  scale: {type: "none | float | ndarray", default: null}
  eps: {type: float, default: 0.5, keyword: true}
result:
  tuple:
    - {name: total, type: float}
    - {name: doubled, type: float, check: {atol: 1.0e-3}}
check: {atol: 1.0e-6}
examples:
  - {name: defaults, args: {x: [1.0, 2.0]}, expected: [3.5, [2.0, 4.0]]}
hidden:
  - {name: by name after an omission, args: {x: [1.0], scale: 2.0}}
  - {name: a union's array, args: {x: [1.0], mode: mean, scale: [1.0, 3.0], eps: 0.0}}
generated:
  - {name: grown, generator: grow, params: {n: 3}, count: 2, seed: 1}
"""


def test_arguments_of_every_kind_defaults_keywords_unions(tmp_path: Path) -> None:
    problem = load_problem(write(tmp_path, SPEC, FUNCTION))
    cases = materialise(problem)
    defaults, after, union = cases[0], cases[1], cases[2]
    assert defaults.call == {"args": [["x", "nd", [1.0, 2.0]]]}  # omitted: the default applies
    assert after.call["kwargs"] == [["scale", "float", 2.0]]  # mode omitted: scale goes by name
    assert union.call["kwargs"][-1] == ["eps", "float", 0.0]  # keyword: always by name
    assert union.call["args"][-1] == ["scale", "nd", [1.0, 3.0]]
    assert cases[3].filled is not None and len(cases[3].filled["kwargs"]) == 4  # all, by name
    assert float(cases[0].expected[0]) == 3.5 and cases[0].result.parts[1].check.atol == 1e-3


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [
        ("  mode: {type: text, default: sum}", 7, "arguments.mode.type", "unknown type 'text'"),
        ("  mode: {type: str, default: 3}", 7, "arguments.mode.default", "expected a string"),
        ("  mode: {type: str, dtype: int64}", 7, "arguments.mode.dtype", "applies to ndarray"),
        ("    - {name: total, type: floot}", 12, "result.tuple[0].type", "unknown type 'floot'"),
        ("    - {name: total, type: float, check: {compare: sing}}", 12,
         "result.tuple[0].check.compare", "did you mean 'sign'?"),
        ("    - {name: total, type: float, check: {compare: custom}}", 12,
         "result.tuple[0].check", "needs a checker"),
        ("  - {name: defaults, args: {x: [1.0, 2.0], mode: 1}}", 16, "examples[0].args.mode",
         "expected a string, got an integer"),
        ("  - {name: defaults, args: {x: [1.0, 2.0]}, expected: [3.5]}", 16,
         "examples[0].expected", "expected 2 parts, got 1"),
        ("  - {name: defaults, args: {x: [1.0, 2.0]}, expected: [3.5, [2.0, two]]}", 16,
         "examples[0].expected[1][1]", "expected a number, got the string 'two'"),
        ("  - {name: defaults, args: {mode: sum}}", 16, "examples[0].args",
         "missing required key 'x'"),
    ],
)  # fmt: skip
def test_spec_errors_of_the_new_fields_name_file_line_and_field(
    tmp_path: Path, change: str, line: int, field: str, words: str
) -> None:
    lines = SPEC.splitlines()
    key = change.split(":")[0] if not change.lstrip().startswith("-") else change.split(",")[0]
    at = next(i for i, text in enumerate(lines) if text.startswith(key))
    lines[at] = change
    path = write(tmp_path, "\n".join(lines) + "\n", FUNCTION)
    with pytest.raises(SpecError) as raised:
        load_problem(path)
    error = raised.value
    assert (error.line, error.field) == (line, field), str(error)
    assert words in error.message


CLASS = """\
class Acc:
    def __init__(self, start=0.0):
        self.total, self.count = start, 0

    def add(self, x):
        self.total += x
        self.count += 1
        return self.total
"""
CLASS_SPEC = """\
arguments: {start: {type: float, default: 0.0}}
methods:
  add: {args: {x: float}, returns: float}
attributes: {count: int}
examples:
  - name: script
    calls:
      - new: {}
      - {call: add, args: {x: 1.5}, repeat: 2}
      - {call: add, chain: x, args: {}}
      - get: count
    expected: [1.5, 3.0, 6.0, 3]
"""


def test_a_class_problem_is_a_validated_call_script(tmp_path: Path) -> None:
    path = write(tmp_path, CLASS_SPEC.replace("f\n", ""), CLASS)
    path.write_text(path.read_text().replace("entry_point: f", "entry_point: Acc"))
    problem = load_problem(path)
    (case,) = materialise(problem)
    assert [p.name for p in case.result.parts] == [
        "add() #1",
        "add() #2",
        "add() #3",
        "count after add() #3",
    ]
    assert [float(v) for v in case.expected] == [1.5, 3.0, 6.0, 3.0]
    path.write_text(path.read_text().replace("get: count", "get: total"))
    with pytest.raises(SpecError) as raised:
        load_problem(path)
    assert raised.value.field == "examples[0].calls[3].get"
    assert "unknown attribute 'total'; attributes: count" in raised.value.message


def test_a_second_object_reusing_a_name_is_a_spec_error(tmp_path: Path) -> None:
    spec = CLASS_SPEC.replace("f\n", "").replace(
        "      - new: {}\n", "      - new: {}\n        as: a\n      - new: {}\n        as: a\n"
    )
    path = write(tmp_path, spec.replace("    expected: [1.5, 3.0, 6.0, 3]\n", ""), CLASS)
    path.write_text(path.read_text().replace("entry_point: f", "entry_point: Acc"))
    with pytest.raises(SpecError) as raised:
        load_problem(path)
    assert raised.value.field == "examples[0].calls[1].as"
    assert "already used" in raised.value.message


@pytest.mark.parametrize("repeat", [3000, 100_000_000])
def test_a_repeat_beyond_the_parts_a_result_holds_is_a_spec_error_at_that_field(
    tmp_path: Path, repeat: int
) -> None:
    from grader.problem import script

    assert script.MAX_PARTS == codec.MAX_PARTS
    spec = CLASS_SPEC.replace("f\n", "").replace("repeat: 2", f"repeat: {repeat}")
    path = write(tmp_path, spec.replace("    expected: [1.5, 3.0, 6.0, 3]\n", ""), CLASS)
    path.write_text(path.read_text().replace("entry_point: f", "entry_point: Acc"))
    with pytest.raises(SpecError) as raised:
        load_problem(path)
    assert raised.value.field == "examples[0].calls[1].repeat"
    line = (
        path.read_text()
        .splitlines()
        .index(next(t for t in path.read_text().splitlines() if "repeat:" in t))
    )
    assert raised.value.line == line + 1
    assert "lower repeat" in raised.value.message


# ---------------------------------------------------------------------------------------------
# Part 7: precision per case, float noise ignored.


@pytest.mark.parametrize(
    ("value", "places"),
    [(42.900000000000006, 1), (0.1 + 0.2, 1), (0.5, 1), (3.0, 0), (0.12345678, 8), (1e-9, 9)],
)
def test_decimals_of_a_published_value_ignore_float_noise(value: float, places: int) -> None:
    assert decimals(value) == places


def test_precision_is_per_case_from_its_published_values() -> None:
    assert published_decimals((F(0.9), F([0.12345678, 2.0]))) == 8
    assert published_decimals(None) is None


def test_check_self_tests_each_comparison() -> None:
    from grader.selftest import self_test

    sign = Part("float", check=Tolerance(atol=1e-6, compare="sign"))
    cases = [case_of(sign, F([[1.0, 2.0], [3.0, 4.0]]))]
    found = self_test(cases, lambda c: None, lambda c, n, e: None, lambda c, g: True)
    assert found.compared == {"sign": 1} and not found.rejected and not found.accepted

    loose = Part("float", check=Tolerance(compare="custom", checker="anything"))
    strict = Part("float", check=Tolerance(compare="custom", checker="identical"))

    def custom(case: Case) -> Any:
        return lambda name, got, expected: (
            name == "anything" or bool(np.array_equal(got, expected)),
            "",
        )

    def variant(case: Case, checker: str, expected: Any) -> Any:
        return expected[::-1]  # correct up to order, say

    for part, flaw in ((loose, "accepted"), (strict, "rejected")):
        found = self_test([case_of(part, F([1.0, 2.0]))], custom, variant, lambda c, g: True)
        assert getattr(found, flaw), found


def test_a_hidden_case_never_says_the_learners_own_keys() -> None:
    record = Part("dict", parts=(Part("float", "mean"),))
    outcome = Outcome(0, {"mean": F(1.0), "secret_x": F(2.0)}, None, "", None, 0.0, "")
    result = check_case(case_of(record, {"mean": F(1.0)}), outcome)
    assert result.verdict is Verdict.WRONG_SHAPE and "secret" not in result.message
    assert result.message == "a dict with other keys"
    tuple_part = Part("tuple", parts=(Part("float"), Part("float")))
    other = Outcome(0, {"secret_y": F(1.0)}, None, "", None, 0.0, "")
    said = check_case(case_of(tuple_part, (F(1.0), F(2.0))), other).message
    assert "secret" not in said and said.endswith("got a dict")
    many = Outcome(0, tuple(F(1.0) for _ in range(43)), None, "", None, 0.0, "")
    said = check_case(case_of(tuple_part, (F(1.0), F(2.0))), many).message
    assert "43" not in said and said.endswith("got a different number of parts")
    keys = Outcome(0, {str(i): F(0.0) for i in range(400)}, None, "", None, 0.0, "")
    said = check_case(case_of(record, {"mean": F(1.0)}), keys).message
    assert "400" not in said and "399" not in said and "other keys" in said
