"""Benchmark: how long does grading one submission take, relative to starting Python + numpy?

Measures in one run, interleaving every command in each repetition so machine noise hits all alike:

* floor: a fresh interpreter running ``import numpy``;
* the full CLI on the reference solution (36 cases), without and with the HTML report, and in
  process isolation (``--sandbox off``), the portable mode (``--sandbox portable``) and the
  default (bubblewrap where available);
* the alternative: a plain pytest file checking the same 36 cases with ``np.allclose``;
* ``grade()`` in-process on the same file;
* the per-case overhead: ``grade()`` on synthetic copies of the problem with N small generated
  cases, (t[large] - t[small]) / (large - small).

The grader's problem cache (``grader/cache.py``) lives in a temporary directory for the run:
the warm-up fills it, so the timings are those of re-grading (warm cache); ``--no-cache`` sets
``GRADER_CACHE=off`` so that every run parses the YAML and recomputes the expected values.

Usage (from anywhere): ``python bench/bench_grade.py [--reps 15] [--json] [--no-cache]``.
The interpreter is ``sys.executable``. A benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from grader.model import Status
from grader.pipeline import grade

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references
PROBLEM = "softmax_jacobian"
REFERENCE = PACK / "reference" / f"{PROBLEM}.py"
SMALL, LARGE = 10, 200  # cases in the two synthetic problems
TARGET = 1.5  # grade / floor


def run_command(cmd: list[str]) -> Callable[[], None]:
    def run() -> None:
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode:
            sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr.decode()}")

    return run


def run_grade(path: Path, problems: Path | None, cases: int) -> Callable[[], None]:
    def run() -> None:
        result = grade(path, PROBLEM, problems=problems)
        assert result.status is Status.ACCEPTED and len(result.cases) == cases, result.status

    return run


def synthetic(tmp: Path, n: int) -> Path:
    """A copy of the problem whose only cases are ``n`` small generated ones; returns its root."""
    spec = yaml.safe_load((PACK / "problems" / f"{PROBLEM}.yaml").read_text())
    small = next(g for g in spec["generated"] if g["generator"] == "random_logits")
    spec.pop("examples"), spec.pop("hidden")
    spec["generated"] = [{**small, "count": n}]
    root = tmp / f"n{n}"
    (root / "problems").mkdir(parents=True)
    (root / "reference").mkdir()
    (root / "problems" / f"{PROBLEM}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    shutil.copy(REFERENCE, root / "reference" / f"{PROBLEM}.py")
    return root


PYTEST_HARNESS = """\
import json, pathlib, importlib.util
import numpy as np, pytest

CASES = json.loads(pathlib.Path(__file__).with_name("cases.json").read_text())
spec = importlib.util.spec_from_file_location("solution", {solution!r})
solution = importlib.util.module_from_spec(spec)
spec.loader.exec_module(solution)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    got = np.asarray(solution.softmax_jacobian(case["x"]), dtype=float)
    assert got.shape == np.shape(case["expected"])
    assert np.allclose(got, case["expected"], atol=1e-4, rtol=0)
"""


def pytest_harness(tmp: Path) -> Path:
    """The alternative most courses start from: a plain pytest file over the same 36 cases."""
    from grader.problem.cases import materialise
    from grader.problem.spec import load_problem

    cases = materialise(load_problem(PACK / "problems" / f"{PROBLEM}.yaml"))
    folder = tmp / "pytest_harness"
    folder.mkdir()
    data = [{"name": c.name, "x": c.args["x"], "expected": c.expected.tolist()} for c in cases]
    (folder / "cases.json").write_text(json.dumps(data))
    (folder / "test_solution.py").write_text(PYTEST_HARNESS.format(solution=str(REFERENCE)))
    return folder


def measure(benches: dict[str, Callable[[], None]], reps: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in benches}
    for rep in range(reps + 1):  # round 0 is the warm-up and is not recorded
        for name, bench in benches.items():
            start = time.perf_counter()
            bench()
            elapsed = time.perf_counter() - start
            if rep:
                times[name].append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="repetitions (default: 15)")
    parser.add_argument("--json", action="store_true", help="print a JSON object instead")
    parser.add_argument("--no-cache", action="store_true", help="run with GRADER_CACHE=off")
    args = parser.parse_args()

    # byte-compiled as pip install leaves it (PYTHONDONTWRITEBYTECODE would else cost every run
    # the compilation of the grader's modules)
    compileall.compile_dir(ROOT / "grader", quiet=1)
    py, ref = sys.executable, str(REFERENCE.relative_to(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ["GRADER_CACHE_DIR"] = str(tmp / "cache")  # inherited by the subprocesses
        if args.no_cache:
            os.environ["GRADER_CACHE"] = "off"
        small, large = synthetic(tmp, SMALL), synthetic(tmp, LARGE)
        benches = {
            "floor (import numpy)": run_command([py, "-c", "import numpy"]),
            "cli grade --no-report": run_command([py, "-m", "grader", "grade", ref, "--no-report"]),
            "cli grade --sandbox off": run_command(
                [py, "-m", "grader", "grade", ref, "--no-report", "--sandbox", "off"]
            ),
            "cli grade --sandbox portable": run_command(
                [py, "-m", "grader", "grade", ref, "--no-report", "--sandbox", "portable"]
            ),
            "cli grade --report": run_command(
                [py, "-m", "grader", "grade", ref, "--report", str(tmp / "r.html")]
            ),
            "plain pytest harness": run_command(
                [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(pytest_harness(tmp))]
            ),
            "grade() in-process": run_grade(REFERENCE, PACK / "problems", 36),
            f"grade() {SMALL} cases": run_grade(
                small / "reference" / f"{PROBLEM}.py", small / "problems", SMALL
            ),
            f"grade() {LARGE} cases": run_grade(
                large / "reference" / f"{PROBLEM}.py", large / "problems", LARGE
            ),
        }
        times = measure(benches, args.reps)

    med = {name: statistics.median(ts) for name, ts in times.items()}
    floor = med["floor (import numpy)"]
    ratios = {
        "grade / floor": med["cli grade --no-report"] / floor,
        "with-report / floor": med["cli grade --report"] / floor,
        "pytest harness / grade": med["plain pytest harness"] / med["cli grade --no-report"],
    }
    per_case_us = (med[f"grade() {LARGE} cases"] - med[f"grade() {SMALL} cases"]) / (LARGE - SMALL)
    per_case_us *= 1e6

    if args.json:
        doc = {
            "python": py,
            "reps": args.reps,
            "cache": not args.no_cache,
            "timings_s": {n: {"median": med[n], "min": min(ts)} for n, ts in times.items()},
            "ratios": ratios,
            "target_grade_over_floor": TARGET,
            "per_case_overhead_us": per_case_us,
        }
        print(json.dumps(doc, indent=2))
        return
    cache = "off" if args.no_cache else "warm"
    print(f"python: {py}    reps: {args.reps} (+1 warm-up)    cache: {cache}\n")
    print(f"{'command':<26} {'median ms':>10} {'min ms':>9} {'x floor':>8}")
    for name, ts in times.items():
        print(
            f"{name:<26} {med[name] * 1e3:>10.1f} {min(ts) * 1e3:>9.1f} {med[name] / floor:>8.2f}"
        )
    print()
    met = "met" if ratios["grade / floor"] <= TARGET else "NOT met"
    print(f"{'grade / floor':<26} {ratios['grade / floor']:>6.2f}x  (target <= {TARGET}x: {met})")
    print(f"{'with-report / floor':<26} {ratios['with-report / floor']:>6.2f}x")
    print(f"{'pytest harness / grade':<26} {ratios['pytest harness / grade']:>6.2f}x")
    how = f"(t{LARGE} - t{SMALL}) / {LARGE - SMALL}"
    print(f"{'per-case overhead':<26} {per_case_us:>6.0f} µs  ({how})")


if __name__ == "__main__":
    main()
