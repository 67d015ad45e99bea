"""The problem cache returns exactly what a fresh load computes, and never serves stale data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from grader import cache
from grader.problem.cases import materialise
from grader.problem.spec import load_problem
from grader.problem.yamlmap import load


@pytest.fixture
def problem_copy(tmp_path: Path, problems_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    for folder in ("problems", "reference"):
        shutil.copytree(problems_dir.parent / folder, tmp_path / folder)
    return tmp_path / "problems" / "softmax_jacobian.yaml"


def cached_cases(spec_path: Path):
    problem = load_problem(spec_path, cache.reader(load))
    return cache.cases(problem, lambda: materialise(problem))


def test_a_cache_hit_equals_a_fresh_computation(problem_copy: Path) -> None:
    fresh = materialise(load_problem(problem_copy))
    cached_cases(problem_copy)  # fills the cache
    assert len(list((problem_copy.parent.parent / "cache").iterdir())) == 2
    hit = cached_cases(problem_copy)
    assert [c.args for c in hit] == [c.args for c in fresh]
    assert [c.name for c in hit] == [c.name for c in fresh]
    for a, b in zip(hit, fresh, strict=True):
        np.testing.assert_array_equal(a.expected, b.expected)
        assert (a.tolerance, a.time_limit, a.weight, a.visibility) == (
            b.tolerance,
            b.time_limit,
            b.weight,
            b.visibility,
        )
        assert not a.expected.flags.writeable


def test_a_changed_reference_is_recomputed(problem_copy: Path) -> None:
    cached_cases(problem_copy)
    reference = problem_copy.parent.parent / "reference" / "softmax_jacobian.py"
    reference.write_text(
        reference.read_text().replace(
            "np.diag(s) - np.outer(s, s)", "2 * (np.diag(s) - np.outer(s, s))"
        )
    )
    again = cached_cases(problem_copy)
    assert again[0].expected[0, 0] == pytest.approx(2 * 0.0819, abs=2e-4)


def test_a_change_in_the_reference_folder_is_a_new_problem(problem_copy: Path) -> None:
    """The digest covers ``reference/<id>/`` too (data files a reference may read)."""
    problem = load_problem(problem_copy)
    before = cache.digest(problem)
    extra = problem.reference.with_suffix("") / "data.txt"
    extra.write_text("1 2 3\n")
    assert cache.digest(problem) != before


def test_a_changed_spec_is_reparsed(problem_copy: Path) -> None:
    assert load_problem(problem_copy).title == "Jacobian of the softmax function"
    problem_copy.write_text(
        problem_copy.read_text().replace(
            "title: Jacobian of the softmax function", "title: Softmax Jacobian"
        )
    )
    assert load_problem(problem_copy).title == "Softmax Jacobian"


def test_a_corrupt_entry_is_ignored_and_rewritten(problem_copy: Path) -> None:
    first = cached_cases(problem_copy)
    for entry in (problem_copy.parent.parent / "cache").iterdir():
        entry.write_bytes(entry.read_bytes()[:100])
    again = cached_cases(problem_copy)
    np.testing.assert_array_equal(again[-1].expected, first[-1].expected)


def test_off_bypasses_the_cache(problem_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_CACHE", "off")
    cached_cases(problem_copy)
    assert not (problem_copy.parent.parent / "cache").exists()


def test_a_change_to_the_graders_code_and_only_to_it_is_a_new_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "grader"
    for name in ("cli.py", "run/launch.py", "pack/reference/softmax.py"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("x = 1\n")
    monkeypatch.setattr(cache, "PACKAGE", package)

    def digest() -> bytes:
        cache.code_digest.cache_clear()
        return cache.code_digest()

    try:
        first = digest()
        (package / "pack" / "reference" / "softmax.py").write_text("x = 22\n")  # data, not code
        assert digest() == first
        (package / "run" / "launch.py").write_text("x = 2\n")  # the same size and a new time
        os.utime(package / "run" / "launch.py", ns=(0, 0))  # or the time a build normalised
        assert digest() != first
    finally:
        cache.code_digest.cache_clear()
