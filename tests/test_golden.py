"""Golden tests: each folder in tests/golden/ holds a submission and the result it must get.

``expected.json`` lists the status, the submission-level error, the score, a count of verdicts,
the distinct hints, and every case that did not pass with its verdict and message. Regenerate
after an intended change with ``pytest tests/test_golden.py --update-goldens``; review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.model import Verdict
from grader.pipeline import grade

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = sorted(p.name for p in GOLDEN.iterdir() if (p / "solution.py").is_file())


def summarise(result) -> dict:
    counts: dict[str, int] = {}
    for case in result.cases:
        counts[case.verdict.value] = counts.get(case.verdict.value, 0) + 1
    doc = result.document()
    return {
        "status": doc["status"],
        "error": doc["error"],
        "score": doc["score"],
        "verdicts": dict(sorted(counts.items())),
        "hints": sorted({c.hint for c in result.cases if c.hint}),
        "failing": {
            c.name: f"{c.verdict.value}: {c.message}" if c.message else c.verdict.value
            for c in result.cases
            if c.verdict is not Verdict.PASSED
        },
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden(scenario: str, problems_dir: Path, update_goldens: bool) -> None:
    folder = GOLDEN / scenario
    result = grade(folder / "solution.py", "softmax_jacobian", problems_dir)
    got = summarise(result)
    expected_file = folder / "expected.json"
    if update_goldens or not expected_file.exists():
        expected_file.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(expected_file.read_text())


def test_every_scenario_kind_is_present() -> None:
    kinds = {name.split("_", 1)[0] for name in SCENARIOS}
    assert kinds == {"correct", "wrong", "invalid", "broken"}
    assert all(
        json.loads((GOLDEN / s / "expected.json").read_text())["status"] == "accepted"
        for s in SCENARIOS
        if s.startswith("correct")
    )
