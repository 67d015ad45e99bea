"""Golden tests: each folder in tests/golden/ holds a submission and the result it must get.

``expected.json`` lists the status, the submission-level error, the score, a count of verdicts,
the distinct hints, and every case that did not pass with its verdict and message: a summary of
the ``grader.result/1`` document. Every scenario is graded through the Python API
(``grader.grade``); scenarios are also graded through the command line as people run it
(``python -m grader grade ... --format json --no-report``, whose stdout must be exactly that
document and whose exit status must follow its status), one scenario for each outcome the
goldens have (status, submission error, set of verdicts), in process isolation, leaving out
outcomes whose whole cost is a time limit: the CLI maps them to JSON and exit 1 like any other
rejection, and the API path grades them. A missing ``expected.json`` fails; regenerate after an
intended change with ``pytest tests/test_golden.py --update-goldens`` and review the diff.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import grader

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = sorted(p.name for p in GOLDEN.iterdir() if (p / "solution.py").is_file())
PROBLEM = "softmax_jacobian"


# How a slow solution's time grows is measured on the machine at hand: on a busy one, the
# smaller cases are dominated by overhead. tests/test_feedback.py checks the estimate itself.
GROWTH = re.compile(r"; your time grows like .*$")


def summarise(doc: dict[str, Any]) -> dict[str, Any]:
    """The golden summary of a ``grader.result/1`` document (timing-dependent words cut)."""
    counts: dict[str, int] = {}
    for case in doc["cases"]:
        counts[case["verdict"]] = counts.get(case["verdict"], 0) + 1
    return {
        "status": doc["status"],
        "error": doc["error"],
        "score": doc["score"],
        "verdicts": dict(sorted(counts.items())),
        "hints": sorted({c["hint"] for c in doc["cases"] if c["hint"]}),
        "failing": {
            c["name"]: f"{c['verdict']}: {GROWTH.sub('', c['message'])}"
            if c["message"]
            else c["verdict"]
            for c in doc["cases"]
            if c["verdict"] != "passed"
        },
    }


def golden(scenario: str) -> dict[str, Any]:
    path = GOLDEN / scenario / "expected.json"
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: write it with `pytest tests/test_golden.py --update-goldens` "
            "and review it before committing",
            pytrace=False,
        )
    return dict(json.loads(path.read_text()))


def outcome(scenario: str) -> tuple[object, ...]:
    """What kind of result a scenario has: (status, error kind, verdicts); unique if unknown."""
    path = GOLDEN / scenario / "expected.json"
    if not path.is_file():
        return (scenario,)
    doc = json.loads(path.read_text())
    return (doc["status"], (doc["error"] or {}).get("kind"), *sorted(doc["verdicts"]))


def through_the_cli() -> list[str]:
    chosen: dict[tuple[object, ...], str] = {}
    for scenario in SCENARIOS:
        if "time_limit" not in outcome(scenario):
            chosen.setdefault(outcome(scenario), scenario)
    return sorted(chosen.values())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden_through_the_api(scenario: str, problems_dir: Path, update_goldens: bool) -> None:
    result = grader.grade(GOLDEN / scenario / "solution.py", problem=PROBLEM, problems=problems_dir)
    got = summarise(result.document())
    if update_goldens:
        text = json.dumps(got, indent=2, ensure_ascii=False) + "\n"
        (GOLDEN / scenario / "expected.json").write_text(text)
    assert got == golden(scenario)


@pytest.mark.parametrize("scenario", through_the_cli())
def test_golden_through_the_cli(scenario: str, problems_dir: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(GOLDEN / scenario / "solution.py"),
         "--problem", PROBLEM, "--problems", str(problems_dir), "--sandbox", "off",
         "--format", "json", "--no-report"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    doc = json.loads(proc.stdout)  # exactly one document and nothing else
    assert doc["schema"] == "grader.result/1" and doc["sandbox"] == "process"
    assert proc.returncode == {"accepted": 0, "rejected": 1}[doc["status"]], proc.stderr
    assert proc.stderr == ""
    assert summarise(doc) == golden(scenario)


def test_the_cli_grades_one_scenario_of_each_outcome() -> None:
    chosen = through_the_cli()
    assert {outcome(s) for s in chosen} == {
        outcome(s) for s in SCENARIOS if "time_limit" not in outcome(s)
    }
    assert {s.split("_", 1)[0] for s in chosen} == {"correct", "wrong", "invalid", "broken"}


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if "time_limit" not in outcome(s)])
def test_golden_in_portable_mode(scenario: str, problems_dir: Path) -> None:
    """The portable mode (what macOS and Windows run) gets every golden result, but for the
    scenarios that wait out a time limit: its wall-clock limits are proven by the hostile
    corpus (loop_at_import, loop_forever, sleeps), and 15 s more here would cost the suite its
    3 minutes."""
    path = GOLDEN / scenario / "solution.py"
    result = grader.grade(path, problem=PROBLEM, problems=problems_dir, sandbox="portable")
    assert result.sandbox == "portable"
    assert summarise(result.document()) == golden(scenario)


def test_every_scenario_kind_is_present() -> None:
    kinds = {name.split("_", 1)[0] for name in SCENARIOS}
    assert kinds == {"correct", "wrong", "invalid", "broken"}
    assert all(golden(s)["status"] == "accepted" for s in SCENARIOS if s.startswith("correct"))
