"""Any numeric exercise, through the command line as people run it: every format renders a
structured result, seeds reach the submission as they reach the reference, hostile values and
forged records are invalid output (never exit 3), and ``grader new --kind`` scaffolds problems
that ``grader check`` passes once their reference is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden_kinds"


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_every_format_renders_a_structured_result(problems_dir: Path, tmp_path: Path) -> None:
    solution = GOLDEN / "tuple_wrong_missing_factor_two" / "solution.py"
    common = ["--problem", "mse_gradient", "--problems", str(problems_dir), "--sandbox", "off"]
    report = tmp_path / "r.html"
    text = grader("grade", str(solution), *common, "--report", str(report), cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    assert "result[1] (dW): 1 of 1 entries differ" in text.stdout
    assert "✗ result[2] (db)" in text.stdout and "✓ result[0] (loss)" in text.stdout
    html = report.read_text()
    assert "result[1] (dW)" in html and "<svg" in html
    md = grader("grade", str(solution), *common, "--format", "md", "--no-report", cwd=tmp_path)
    assert md.returncode == 1 and "result[1] (dW)" in md.stdout
    scope = grader("grade", str(solution), *common, "--format", "gradescope", cwd=tmp_path)
    assert scope.returncode == 1 and json.loads(scope.stdout)["score"] < 15
    junit = grader("grade", str(solution), *common, "--format", "junit", cwd=tmp_path)
    assert junit.returncode == 1 and ET.fromstring(junit.stdout).tag in {"testsuite", "testsuites"}


SEEDED = """\
id: seeded
title: Random by seed
entry_point: noisy
arguments: {n: int, rng: generator}
seed: 3
statement: Draw n uniforms from numpy's global state, one from random, and n normals from rng.
check: {atol: 1.0e-10}
result: {tuple: [float, float, float]}
examples:
  - {name: seed 3, args: {n: 2}}
hidden:
  - {name: own seed, args: {n: 3}, seed: 8}
  - {name: rng given, args: {n: 1, rng: 99}}
generated:
  - {name: drawn, generator: sizes, count: 3, seed: 5}
"""
NOISY = """\
import random

import numpy as np


def noisy(n, rng):
    return np.random.rand(n), random.random(), rng.standard_normal(n)


def sizes(rng):
    return {"n": int(rng.integers(1, 5))}
"""


def test_seeds_reach_the_submission_exactly_as_the_reference(tmp_path: Path) -> None:
    (tmp_path / "problems").mkdir()
    (tmp_path / "reference").mkdir()
    (tmp_path / "problems" / "seeded.yaml").write_text(SEEDED)
    (tmp_path / "reference" / "seeded.py").write_text(NOISY)
    (tmp_path / "same.py").write_text(NOISY)
    (tmp_path / "reference" / "seeded" / "accepted").mkdir(parents=True)
    (tmp_path / "reference" / "seeded" / "accepted" / "same.py").write_text(NOISY)
    (tmp_path / "other.py").write_text(NOISY.replace("rng.standard_normal(n)", "np.ones(n)"))
    same = grader("grade", "same.py", "--format", "json", "--no-report", cwd=tmp_path)
    assert same.returncode == 0, same.stdout
    other = grader("grade", "other.py", "--format", "json", "--no-report", cwd=tmp_path)
    assert other.returncode == 1
    assert "result[2]: values outside the tolerance" in other.stdout
    assert grader("check", "seeded", cwd=tmp_path).returncode == 0


HOSTILE = """\
import os
import numpy as np


class Weird:
    def __array__(self, *a, **k):
        raise RuntimeError("no")


def sigmoid(z):
    kind = int(np.sum(np.abs(np.asarray(z, dtype=float))) * 1000) % 7
    if kind == 0:
        deep = 1.0
        for _ in range(50):
            deep = [deep, "x"]
        return deep
    if kind == 1:
        loop = []
        loop.append(loop)
        return loop
    if kind == 2:
        return {i: float(i) for i in range(3)}
    if kind == 3:
        return Weird()
    if kind == 4:
        return [None] * 100000
    if kind == 5:
        return b"bytes"
    return 1j
"""


def test_hostile_values_are_invalid_output_never_an_internal_error(
    problems_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "s.py").write_text(HOSTILE)
    done = grader(
        "grade", "s.py", "--problem", "sigmoid", "--problems", str(problems_dir),
        "--format", "json", "--no-report", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert {c["verdict"] for c in doc["cases"]} <= {"invalid_output", "wrong_shape"}
    said = " ".join(c["message"] for c in doc["cases"] if c["visibility"] == "example")
    assert "nested more than" in said or "parts" in said or "dict" in said


FORGER = """\
import os


def sigmoid(z):
    header = '{"kind":"value","index":0,"tree":%s,"nbytes":0}\\n'
    for fd in range(3, 40):  # the record pipe is the worker's only writable descriptor past 2
        try:
            os.write(fd, header.encode())
        except OSError:
            continue
    os._exit(0)
"""

FORGED_TREES = [
    {"t": [{"t": [{"t": []}]}] * 3000},  # too many parts
    {"a": [1], "s": []},  # unhashable fields
    {"a": {}, "s": []},
    {"a": "f", "s": [0, 10**23]},  # size 0, but no array can have that shape
    {"a": "f", "s": [0, 2**62, 2**62]},
    {"zz": 1},
]


@pytest.mark.parametrize("tree", FORGED_TREES, ids=range(len(FORGED_TREES)))
def test_forged_result_trees_are_invalid_or_crashed_never_a_pass(
    tree: object, problems_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "s.py").write_text(FORGER.replace("%s", json.dumps(tree)))
    done = grader(
        "grade", "s.py", "--problem", "sigmoid", "--problems", str(problems_dir),
        "--format", "json", "--no-report", "--sandbox", "off", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    verdicts = [c["verdict"] for c in json.loads(done.stdout)["cases"]]
    assert "passed" not in verdicts
    assert verdicts[0] in {"invalid_output", "crashed"}


REFERENCE_FILLS = {
    "scalar": "return float(np.mean(np.square(x)))",
    "structured": "x = np.asarray(x, dtype=float)\n"
    "    return float(scale * np.sum(x**2)), 2 * scale * x",
    "random": "return np.asarray(x, dtype=float) + scale * rng.standard_normal(np.shape(x))",
}  # fmt: skip


@pytest.mark.parametrize("kind", ["scalar", "structured", "class", "random"])
def test_new_scaffolds_each_kind_and_check_passes_once_the_reference_is_written(
    kind: str, tmp_path: Path
) -> None:
    (tmp_path / "problems").mkdir()
    made = grader("new", "twice", "--kind", kind, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    reference = tmp_path / "reference" / "twice.py"
    text = reference.read_text()
    if kind == "class":
        text = text.replace(
            'raise NotImplementedError("write the reference solution of Twice")',
            "self.total, self.count = start, 0",
        ).replace(
            'raise NotImplementedError("write the reference solution of Twice.add")',
            "self.total += x\n        self.count += 1\n        return self.total",
        )
    else:
        text = text.replace(
            'raise NotImplementedError("write the reference solution of twice")',
            textwrap.dedent(REFERENCE_FILLS[kind]),
        )
    reference.write_text(text)
    checked = grader("check", "twice", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert "1 of 1 problems pass" in checked.stdout


VALUE = """\
class Value:
    def __init__(self, data):
        self.data, self.grad, self._back, self._parents = float(data), 0.0, None, ()

    def __add__(self, other):
        out = Value(self.data + other.data)
        out._parents = (self, other)

        def back():
            self.grad += out.grad
            other.grad += out.grad

        out._back = back
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data)
        out._parents = (self, other)

        def back():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._back = back
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v._parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            if v._back:
                v._back()
"""
AUTOGRAD = """\
id: autograd
title: A tiny autograd Value
entry_point: Value
arguments: {data: float}
methods:
  __add__: {args: {other: any}}
  __mul__: {args: {other: any}}
  backward: {}
attributes: {grad: float, data: float}
statement: Value(data) with +, * and backward().
check: {atol: 1.0e-9}
examples:
  - name: a * b + a
    calls:
      - {new: {data: 2.0}, as: a}
      - {new: {data: 3.0}, as: b}
      - {call: __mul__, self: a, refs: {other: b}, as: ab}
      - {call: __add__, self: ab, refs: {other: a}, as: c}
      - {call: backward, self: c}
      - {get: data, self: c}
      - {get: grad, self: a}
      - {get: grad, self: b}
    expected: [8.0, 4.0, 2.0]
"""


def test_a_tiny_autograd_value_graph_is_a_call_script(tmp_path: Path) -> None:
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "autograd.yaml").write_text(AUTOGRAD)
    accepted = tmp_path / "reference" / "autograd" / "accepted"
    wrong = tmp_path / "reference" / "autograd" / "wrong_answer"
    accepted.mkdir(parents=True)
    wrong.mkdir(parents=True)
    (tmp_path / "reference" / "autograd.py").write_text(VALUE)
    (accepted / "same.py").write_text(VALUE)
    (wrong / "grads_overwritten.py").write_text(VALUE.replace(".grad +=", ".grad ="))
    checked = grader("check", "autograd", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    graded = grader("grade", str(wrong / "grads_overwritten.py"), "--no-report", cwd=tmp_path)
    assert graded.returncode == 1
    assert "a.grad after c.backward() #1: off by 1" in graded.stdout
    assert "ab = a.__mul__(other=<b>)" in graded.stdout


SHUFFLE = """\
id: shuffle
title: Shuffle a vector
entry_point: shuffle
arguments: {x: ndarray, rng: generator}
statement: Return the entries of x in a random order (any order drawn from rng is right).
check: {compare: properties}
hidden:
  - {name: ten values, args: {x: [0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]}}
  - {name: a thousand values, args: {x: [1000.0]}, check: {compare: close}}
generated:
  - {name: drawn, generator: values, count: 3, seed: 2}
"""
SHUFFLE_REFERENCE = '''\
import numpy as np


def shuffle(x, rng):
    return rng.permutation(np.asarray(x, dtype=float))


def values(rng):
    return {"x": rng.standard_normal(200)}


def property_same_entries(x, rng, result):
    """Your result does not hold the same entries as x: shuffling only reorders them."""
    return sorted(np.asarray(result).tolist()) == sorted(np.asarray(x, dtype=float).tolist())


def property_not_sorted(x, rng, result):
    """Your result is sorted: a shuffle of many entries almost never is."""
    r = np.asarray(result)
    return r.size < 50 or not bool(np.all(np.diff(r) >= 0))
'''


def test_random_by_design_is_checked_by_properties(tmp_path: Path) -> None:
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "shuffle.yaml").write_text(SHUFFLE)
    folder = tmp_path / "reference" / "shuffle"
    (folder / "accepted").mkdir(parents=True)
    (folder / "wrong_answer").mkdir(parents=True)
    (tmp_path / "reference" / "shuffle.py").write_text(SHUFFLE_REFERENCE)
    other_order = (
        "import numpy as np\n\n\ndef shuffle(x, rng):\n    return np.random.permutation(x)\n"
    )
    (folder / "accepted" / "global_state.py").write_text(other_order)
    (folder / "wrong_answer" / "sorted.py").write_text(
        "import numpy as np\n\n\ndef shuffle(x, rng):\n    return np.sort(x)\n"
    )
    checked = grader("check", "shuffle", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert "comparisons self-test" in checked.stdout and "properties" in checked.stdout
    graded = grader(
        "grade", str(folder / "wrong_answer" / "sorted.py"), "--format", "json", "--no-report",
        cwd=tmp_path,
    )  # fmt: skip
    doc = json.loads(graded.stdout)
    assert graded.returncode == 1
    hints = {c["hint"] for c in doc["cases"]}
    assert "Your result is sorted: a shuffle of many entries almost never is." in hints
    said = {c["message"] for c in doc["cases"] if c["verdict"] == "wrong_answer"}
    assert said == {
        "a property of the answer does not hold: not sorted; diagnosis: property: not sorted"
    }


RAISING_REFERENCE = '''\
import numpy as np


def shuffle(x, rng):
    return rng.permutation(np.asarray(x, dtype=float))


def values(rng):
    return {"x": rng.standard_normal(200)}


def property_same_entries(x, rng, result):
    """Your result does not hold the same entries as x: shuffling only reorders them."""
    if sorted(result.tolist()) != sorted(np.asarray(x, dtype=float).tolist()):
        raise ValueError("the entries differ")  # raises where it should return False
    return True
'''


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("return np.asarray(x, dtype=float) + 1.0",
         "a property of the answer does not hold: same entries (the property raised ValueError"),
        ("return np.full(len(x), np.nan)", "NaN or inf where finite values are expected"),
    ],
)  # fmt: skip
def test_a_property_that_raises_fails_and_nan_fails_before_any_property(
    body: str, said: str, tmp_path: Path
) -> None:
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "shuffle.yaml").write_text(SHUFFLE)
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "shuffle.py").write_text(RAISING_REFERENCE)
    (tmp_path / "s.py").write_text(f"import numpy as np\n\n\ndef shuffle(x, rng):\n    {body}\n")
    graded = grader("grade", "s.py", "--format", "json", "--no-report", cwd=tmp_path)
    assert graded.returncode == 1, graded.stderr
    cases = json.loads(graded.stdout)["cases"]
    properties = [c for c in cases if c["name"] != "a thousand values"]
    assert all(c["verdict"] == "wrong_answer" for c in properties), properties
    assert all(c["message"].startswith(said) for c in properties), properties
