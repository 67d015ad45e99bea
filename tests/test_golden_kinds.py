"""Golden results of every kind of exercise: scalars, tuples and dicts of parts, classes, random.

Each folder of ``tests/golden_kinds/`` holds a submission (``solution.py``), the problem it answers
(``problem.txt``) and the summary of the result it must get (``expected.json``, as in
``test_golden.py``): the messages name the failing part (``result[2] (db): ...``, ``step() #1``).
All are graded through the Python API; one of each kind through the command line, whose stdout
must be exactly the JSON document and whose exit status follows it (never 3). Regenerate after an
intended change with ``pytest tests/test_golden_kinds.py --update-goldens`` and review the diff.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_golden import summarise

import grader
from grader.run.prefork import ForkServer
from grader.run.sandbox import Sandbox

GOLDEN = Path(__file__).parent / "golden_kinds"
SCENARIOS = sorted(p.name for p in GOLDEN.iterdir() if (p / "solution.py").is_file())
KINDS = ("scalar", "tuple", "dict", "class", "random")


def problem_of(scenario: str) -> str:
    return (GOLDEN / scenario / "problem.txt").read_text().strip()


def expected(scenario: str) -> dict[str, object]:
    path = GOLDEN / scenario / "expected.json"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run with --update-goldens and review it", pytrace=False)
    return dict(json.loads(path.read_text()))


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    """One fork server for the module (process isolation): a worker per submission is a fork."""
    with ForkServer("process") as forks:
        yield forks


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden_kind_through_the_api(
    scenario: str, problems_dir: Path, update_goldens: bool, server: ForkServer
) -> None:
    result = grader.grade(
        GOLDEN / scenario / "solution.py",
        problem_of(scenario),
        problems_dir,
        Sandbox(server=server),
    )
    got = summarise(result.document())
    if update_goldens:
        text = json.dumps(got, indent=2, ensure_ascii=False) + "\n"
        (GOLDEN / scenario / "expected.json").write_text(text)
    assert got == expected(scenario)
    kind = scenario.split("_")[0]
    wanted = "accepted" if scenario.split("_")[1] == "correct" else "rejected"
    assert kind in KINDS and got["status"] == wanted


def one_of_each_kind() -> list[str]:
    chosen: dict[str, str] = {}
    for scenario in SCENARIOS:
        if "_wrong_" in scenario:
            chosen.setdefault(scenario.split("_")[0], scenario)
    return sorted(chosen.values())


@pytest.mark.parametrize("scenario", one_of_each_kind())
def test_golden_kind_through_the_cli(scenario: str, problems_dir: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(GOLDEN / scenario / "solution.py"),
         "--problem", problem_of(scenario), "--problems", str(problems_dir),
         "--sandbox", "off", "--format", "json", "--no-report"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    doc = json.loads(proc.stdout)
    assert proc.returncode == {"accepted": 0, "rejected": 1}[doc["status"]], proc.stderr
    assert proc.stderr == ""
    assert summarise(doc) == expected(scenario)


def test_every_kind_has_goldens() -> None:
    assert {s.split("_")[0] for s in SCENARIOS} == set(KINDS)
    assert {s.split("_")[0] for s in one_of_each_kind()} == set(KINDS)
