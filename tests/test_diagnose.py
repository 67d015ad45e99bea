"""Feedback that names the mistake: every declared mistake of every shipped problem is recognised,
and mistakes any problem can have (sign, transpose, rounding) are named too."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.judge.diagnose import explain, known_mistakes
from grader.model import Case, Part, Tolerance, Visibility
from grader.pipeline import grade
from grader.problem.spec import load_problem
from grader.run import launch
from grader.run.prefork import ForkServer
from grader.run.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references


def reference_module(problem: str):
    spec = importlib.util.spec_from_file_location(
        f"ref_{problem}", PACK / "reference" / f"{problem}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DECLARED = [
    pytest.param(p.stem, m.name, id=f"{p.stem}: {m.name}")
    for p in sorted((PACK / "problems").glob("*.yaml"))
    for m in known_mistakes(reference_module(p.stem))
    if m.kind == "mistake"
]


def test_softmax_jacobian_declares_the_classic_mistakes() -> None:
    names = {
        m.name for m in known_mistakes(reference_module("softmax_jacobian")) if m.kind == "mistake"
    }
    assert names == {
        "missing else",
        "sign flipped",
        "gradient vector",
        "softmax itself",
        "diagonal only",
        "one formula everywhere",
        "rounded to 2 decimals",
    }


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    """One fork server for the module: a worker per submission costs a fork, not a boot."""
    with ForkServer(launch.resolve("auto")) as forks:
        yield forks


@pytest.mark.parametrize(("problem", "mistake"), DECLARED)
def test_a_submission_making_a_declared_mistake_gets_its_hint(
    problem: str, mistake: str, tmp_path: Path, server: ForkServer
) -> None:
    module = reference_module(problem)
    entry = {m.name: m for m in known_mistakes(module)}[mistake]
    source = (PACK / "reference" / f"{problem}.py").read_text()
    submission = tmp_path / "solution.py"
    function = "mistake_" + mistake.replace(" ", "_")
    entry_point = load_problem(PACK / "problems" / f"{problem}.yaml").entry_point
    # the reference's own entry point renamed, so that mistakes built on it still find it
    source = re.sub(rf"\b{entry_point}\b", f"_reference_{entry_point}", source)
    submission.write_text(f"{source}\n\n{entry_point} = {function}\n")
    result = grade(submission, problem, PACK / "problems", Sandbox(server=server))
    failing = [c for c in result.cases if c.verdict.value != "passed"]
    assert failing, "the mistake passes every case: the cases cannot tell it apart"
    assert any(c.hint == entry.hint for c in failing), {c.hint for c in failing}
    for case in failing:
        if case.visibility is Visibility.HIDDEN and case.hint == entry.hint:
            assert case.message.endswith(f"; diagnosis: known mistake: {mistake}")


TOL = Tolerance(1e-4, 0.0)
EXPECTED = np.array([[0.12345, -0.5], [0.25, 0.75]])


@pytest.mark.parametrize(
    ("got", "diagnosis"),
    [
        (-EXPECTED, "sign"),
        (EXPECTED.T, "transpose"),
        (np.round(EXPECTED, 2), "rounding"),
        (EXPECTED + 1.0, None),
    ],
)
def test_generic_diagnoses(got: np.ndarray, diagnosis: str | None) -> None:
    args = {"x": [1.0]}
    case = Case(
        0,
        "c",
        Visibility.EXAMPLE,
        args,
        {"args": [["x", "list", [1.0]]]},
        "",
        EXPECTED,
        None,
        1.0,
        2.0,
        Part(check=TOL),
    )
    found = explain(case, got, [()], ())
    assert (found[0] if found else None) == diagnosis


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ("J[0, -1] += 0.01", "The Jacobian of softmax is symmetric"),
        ("J += 0.01 * np.eye(len(J))", "Each row of the softmax Jacobian sums to zero"),
    ],
)
def test_a_broken_property_gets_its_hint(change: str, hint: str, tmp_path: Path) -> None:
    submission = tmp_path / "solution.py"
    submission.write_text(
        "import numpy as np\n\n\ndef softmax_jacobian(x):\n"
        "    z = np.asarray(x, dtype=float)\n    s = np.exp(z - z.max())\n    s /= s.sum()\n"
        f"    J = np.diag(s) - np.outer(s, s)\n    {change}\n    return J\n"
    )
    result = grade(submission, "softmax_jacobian", PACK / "problems")
    hints = {c.hint for c in result.cases if c.verdict.value != "passed"}
    assert any(h and h.startswith(hint) for h in hints), hints
